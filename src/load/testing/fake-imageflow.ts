import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';

/**
 * A tiny stand-in for the ImageFlowCanvas `/v1` API, for tests of the load stage that must
 * not depend on the full reference system (recording k6 output, runner and Ctrl-C tests).
 * It serves the routes the scenarios call with the documented shapes, nothing more.
 */
export interface FakeOptions {
  /** How long an execution stays running before it completes. */
  executionMs?: number;
  /** Every Nth execution fails (0 = never). */
  failEvery?: number;
  /** Every Nth GET of /v1/components/ or /v1/pipelines/ answers 500 (0 = never), to put 5xx in recordings. */
  readErrorEvery?: number;
}

export interface FakeServer {
  url: string;
  close(): Promise<void>;
  stats: { requests: number; executions: number; traceparents: number };
}

interface Exec {
  id: string;
  pipelineId: string;
  createdAt: number;
  fail: boolean;
}

export async function startFakeImageflow(opts: FakeOptions = {}): Promise<FakeServer> {
  const executionMs = opts.executionMs ?? 300;
  const tokens = new Set<string>();
  const pipelines = new Map<string, Record<string, unknown>>();
  const executions = new Map<string, Exec>();
  const stats = { requests: 0, executions: 0, traceparents: 0 };
  let readCalls = 0;

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const readBody = (req: IncomingMessage) =>
    new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
      req.on('error', reject);
    });
  const execView = (e: Exec) => {
    const done = Date.now() - e.createdAt >= executionMs;
    const status = done ? (e.fail ? 'failed' : 'completed') : 'running';
    return { execution_id: e.id, pipeline_id: e.pipelineId, status, created_at: new Date(e.createdAt).toISOString() };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    stats.requests++;
    if (/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/.test(String(req.headers.traceparent ?? ''))) stats.traceparents++;
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    if (method === 'GET' && path === '/v1/health') return send(res, 200, { status: 'healthy' });
    if (method === 'POST' && path === '/v1/auth/login') {
      let creds: { username?: string; password?: string } = {};
      try {
        creds = JSON.parse(body) as typeof creds;
      } catch {
        return send(res, 400, { detail: 'bad json' });
      }
      const ok =
        (creds.username === 'user' && creds.password === 'user123') ||
        (creds.username === 'admin' && creds.password === 'admin123');
      if (!ok) return send(res, 401, { detail: 'bad credentials' });
      const token = randomUUID();
      tokens.add(token);
      return send(res, 200, { access_token: token, token_type: 'bearer', expires_in: 3600 });
    }
    const auth = String(req.headers.authorization ?? '');
    if (!auth.startsWith('Bearer ') || !tokens.has(auth.slice(7))) return send(res, 401, { detail: 'unauthorized' });
    if (method === 'GET' && path === '/v1/auth/me') return send(res, 200, { username: 'user', role: 'user' });
    if (method === 'GET' && (path === '/v1/components/' || path === '/v1/pipelines/')) {
      readCalls++;
      if (opts.readErrorEvery && readCalls % opts.readErrorEvery === 0) return send(res, 500, { detail: 'injected' });
    }
    if (method === 'GET' && path === '/v1/components/') {
      return send(res, 200, [
        { id: 'resize', type: 'resize', name: 'Resize', description: '', parameters: {} },
        { id: 'ai_detection', type: 'ai_detection', name: 'AI detection', description: '', parameters: {} },
        { id: 'filter', type: 'filter', name: 'Filter', description: '', parameters: {} },
      ]);
    }
    if (path === '/v1/pipelines/') {
      if (method === 'GET') return send(res, 200, [...pipelines.values()]);
      if (method === 'POST') {
        const id = randomUUID();
        const now = new Date().toISOString();
        const p = { ...(JSON.parse(body) as object), id, created_at: now, updated_at: now };
        pipelines.set(id, p);
        return send(res, 200, p);
      }
    }
    const pm = /^\/v1\/pipelines\/([^/]+)$/.exec(path);
    if (pm) {
      const id = pm[1] as string;
      const p = pipelines.get(id);
      if (!p) return send(res, 404, { detail: 'not found' });
      if (method === 'GET') return send(res, 200, p);
      if (method === 'PUT') {
        const np = { ...p, ...(JSON.parse(body) as object), id, updated_at: new Date().toISOString() };
        pipelines.set(id, np);
        return send(res, 200, np);
      }
      if (method === 'DELETE') {
        pipelines.delete(id);
        return send(res, 200, { message: 'deleted' });
      }
    }
    if (path === '/v1/executions/') {
      if (method === 'GET') return send(res, 200, [...executions.values()].reverse().slice(0, 20).map(execView));
      if (method === 'POST') {
        if (!String(req.headers['content-type'] ?? '').startsWith('multipart/form-data'))
          return send(res, 422, { detail: 'multipart required' });
        const m = /name="pipeline_id"\r\n\r\n([^\r]+)/.exec(body);
        if (!m || !pipelines.has(m[1] as string)) return send(res, 404, { detail: 'pipeline not found' });
        if (!body.includes('name="input_files"')) return send(res, 422, { detail: 'input_files required' });
        stats.executions++;
        const e: Exec = {
          id: randomUUID(),
          pipelineId: m[1] as string,
          createdAt: Date.now(),
          fail: !!opts.failEvery && stats.executions % opts.failEvery === 0,
        };
        executions.set(e.id, e);
        return send(res, 202, {
          execution_id: e.id,
          status: 'pending',
          estimated_completion: new Date(Date.now() + executionMs).toISOString(),
        });
      }
    }
    const em = /^\/v1\/executions\/([^/]+)$/.exec(path);
    if (em && method === 'GET') {
      const e = executions.get(em[1] as string);
      return e ? send(res, 200, execView(e)) : send(res, 404, { detail: 'not found' });
    }
    return send(res, 404, { detail: `no route ${method} ${path}` });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 500, { detail: String(err) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

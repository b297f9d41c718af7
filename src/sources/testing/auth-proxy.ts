import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An authenticating reverse proxy on loopback, for tests: in front of a real Prometheus or
 * Alertmanager it answers 401 unless the request carries exactly the expected credentials
 * (and headers), like an auth gateway or a multi-tenant Mimir would, and forwards the rest.
 * What it decided is recorded, so a test can tell "authorized" from "refused".
 */
export interface AuthProxy {
  url: string;
  decisions: Array<{ path: string; allowed: boolean }>;
  close(): Promise<void>;
}

export async function startAuthProxy(opts: {
  upstream: string;
  bearer?: string;
  basic?: { username: string; password: string };
  /** Headers the request must carry with these values (e.g. X-Scope-OrgID). */
  headers?: Record<string, string>;
}): Promise<AuthProxy> {
  const expected =
    opts.bearer !== undefined
      ? `Bearer ${opts.bearer}`
      : opts.basic
        ? `Basic ${Buffer.from(`${opts.basic.username}:${opts.basic.password}`).toString('base64')}`
        : undefined;
  const upstream = new URL(opts.upstream);
  const decisions: AuthProxy['decisions'] = [];
  const server = createServer((req, res) => {
    const headerOk = Object.entries(opts.headers ?? {}).every(([h, v]) => req.headers[h.toLowerCase()] === v);
    const allowed = (expected === undefined || req.headers.authorization === expected) && headerOk;
    decisions.push({ path: req.url ?? '/', allowed });
    if (!allowed) {
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer realm="test"' });
      res.end('unauthorized\n');
      return;
    }
    const { authorization: _drop, ...forward } = req.headers;
    const up = request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: forward },
      (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      },
    );
    up.on('error', (err) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`upstream: ${err.message}\n`);
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    decisions,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startElasticsearch, withElasticsearch, type ElasticsearchServer } from './elasticsearch-server.ts';
import { ensureTool } from '../tools/provision.ts';
import { processStartTime, runCommand } from '../util/proc.ts';
import { isPortFree } from '../util/ports.ts';
import { waitFor } from '../util/wait.ts';
import { SERVER_MODULE, spawnHarness, type Harness } from './testing/harness.ts';

let es: ElasticsearchServer;
let dir: string;

beforeAll(async () => {
  // The first time this fetches ~40 MB from Maven Central; then it is a cache hit.
  const t0 = Date.now();
  await ensureTool('elasticsearch', { log: (l) => console.error(l) });
  const t1 = Date.now();
  dir = await mkdtemp(join(tmpdir(), 'slo-es-'));
  es = await startElasticsearch({ dir });
  console.error(`elasticsearch: provisioned in ${t1 - t0} ms, started in ${Date.now() - t1} ms at ${es.url}`);
}, 600_000);

afterAll(async () => {
  await es?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const gone = (pid: number) => processStartTime(pid) === undefined;

async function json(url: string, init?: RequestInit): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    ...init,
    headers: { 'content-type': 'application/json' },
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('a real Elasticsearch 7.17.29 from Maven Central', () => {
  it('answers GET / as Elasticsearch 7.17.29, default flavour, with the product header', async () => {
    const res = await fetch(`${es.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-elastic-product')).toBe('Elasticsearch');
    const body = (await res.json()) as { version: { number: string; build_flavor: string } };
    expect(body.version).toMatchObject({ number: '7.17.29', build_flavor: 'default' });
    expect(es.version).toBe('7.17.29');
    expect(es.url).toBe(`http://127.0.0.1:${es.httpPort}`);
  });

  it('runs as nobody when we are root (Elasticsearch refuses root), else as us', () => {
    const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${es.pid}/status`, 'utf8'))?.[1];
    expect(Number(uid)).toBe(process.getuid!() === 0 ? 65534 : process.getuid!());
  });

  it('listens on 127.0.0.1 only: its HTTP and transport sockets', async () => {
    const ss = await runCommand('ss', ['-ltnpH']);
    const ours = ss.stdout.split('\n').filter((l) => l.includes(`pid=${es.pid},`));
    const local = ours.map((l) => l.split(/\s+/)[3]);
    expect(local.sort()).toEqual([`127.0.0.1:${es.httpPort}`, `127.0.0.1:${es.transportPort}`].sort());
  });

  it('indexes a document and reads it back', async () => {
    const doc = {
      '@timestamp': '2026-11-28T12:00:00Z',
      level: 'error',
      message: 'pipeline step failed',
      trace_id: 'abc',
    };
    const put = await json(`${es.url}/slo-harness-test/_doc/1?refresh=true`, {
      method: 'PUT',
      body: JSON.stringify(doc),
    });
    expect(put.status).toBe(201);
    const got = await json(`${es.url}/slo-harness-test/_doc/1`);
    expect(got.body).toMatchObject({ found: true, _source: doc });
    const search = await json(`${es.url}/slo-harness-test/_search`, {
      method: 'POST',
      body: JSON.stringify({ query: { match: { level: 'error' } } }),
    });
    expect(search.body).toMatchObject({ hits: { total: { value: 1 } } });
  });

  it('runs a second instance side by side; withElasticsearch stops it after the callback', async () => {
    const other = await mkdtemp(join(tmpdir(), 'slo-es-2-'));
    try {
      const seen = await withElasticsearch({ dir: other }, async (b) => {
        expect(b.httpPort).not.toBe(es.httpPort);
        // Each start names its cluster uniquely: neither could be taken for the other.
        expect(b.clusterName).not.toBe(es.clusterName);
        expect((await json(`${b.url}/_cluster/health`)).body).toMatchObject({ cluster_name: b.clusterName });
        expect((await json(`${es.url}/`)).body).toMatchObject({ cluster_name: es.clusterName, name: 'slo-harness-es' });
        return { pid: b.pid, port: b.httpPort };
      });
      expect(gone(seen.pid)).toBe(true);
      expect(await isPortFree(seen.port)).toBe(true);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  }, 120_000);

  it('restarts on the same directory, its data kept, under a new cluster name', async () => {
    // A directory the user `nobody` can reach (as root the JVM runs as nobody): else the
    // instance would live in a temp directory of its own that stop() removes, data and all.
    const other = await mkdtemp(join(process.getuid?.() === 0 ? '/tmp' : tmpdir(), 'slo-es-again-'));
    await chmod(other, 0o755);
    try {
      const first = await withElasticsearch({ dir: other }, async (b) => {
        const put = await json(`${b.url}/kept/_doc/1?refresh=true`, { method: 'PUT', body: '{"n":1}' });
        expect(put.status).toBe(201);
        return b.clusterName;
      });
      await withElasticsearch({ dir: other }, async (b) => {
        expect(b.clusterName).not.toBe(first);
        expect((await json(`${b.url}/kept/_doc/1`)).body).toMatchObject({ found: true, _source: { n: 1 } });
      });
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  }, 120_000);

  it('dies with a harness that is killed outright (SIGKILL gives it no chance to stop it)', async () => {
    const other = await mkdtemp(join(tmpdir(), 'slo-es-orphan-'));
    const script = `
      import { startElasticsearch } from ${JSON.stringify(SERVER_MODULE)};
      const es = await startElasticsearch({ dir: ${JSON.stringify(other)} });
      console.log(JSON.stringify({ pid: es.pid }));
      setInterval(() => {}, 1000);
    `;
    let harness: Harness | undefined;
    try {
      harness = await spawnHarness(script);
      const pid = harness.pid;
      expect(gone(pid)).toBe(false);
      harness.child.kill('SIGKILL');
      const died = await waitFor(async () => ({ done: gone(pid), reason: `JVM ${pid} still running` }), {
        timeoutMs: 10_000,
        intervalMs: 100,
      });
      expect(died.ok, died.reason).toBe(true);
    } finally {
      harness?.child.kill('SIGKILL');
      // As root, the instance lived in a temp directory of its own that stop() never removed.
      const link = join(other, 'instance');
      if (existsSync(link)) await rm(readlinkSync(link), { recursive: true, force: true });
      await rm(other, { recursive: true, force: true });
    }
  }, 120_000);

  it('stop() ends the process (SIGTERM), frees the port and can be called again', async () => {
    const { pid, httpPort } = es;
    await es.stop();
    expect(gone(pid)).toBe(true);
    expect(await isPortFree(httpPort)).toBe(true);
    await es.stop();
    expect(await readFile(es.logPath, 'utf8')).toMatch(/stopping \.\.\.[\s\S]*stopped/); // graceful, not killed
  });
});

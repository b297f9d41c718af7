/**
 * Records what the Jaeger trace source sends and what a real Jaeger (the embedded stack's,
 * fed by the reference system's OTLP spans) answers, for the unit tests in
 * src/sources/jaeger.test.ts (they replay these files):
 *
 *   npx tsx scripts/record-jaeger-exchanges.ts
 *
 * Starts its own embedded stack in a temp dir, drives a little traffic (one run healthy, one
 * with break_propagation on workflows→processing), records through a proxy, stops the stack.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackDown, stackUp, stackUrls } from '../src/stack/lifecycle.ts';
import { jaegerSource } from '../src/sources/jaeger.ts';
import { HarnessError } from '../src/util/errors.ts';
import { startRecordingProxy } from './recording-proxy.ts';
import { drive } from '../src/verify/testing/drive.ts';
import { setFault } from '../src/verify/testing/report-helpers.ts';

const OUT = new URL('../src/sources/testdata/', import.meta.url);
const SERVICES = ['imageflow-backend-api', 'imageflow-workflows', 'imageflow-processing'];
const dir = await mkdtemp(join(tmpdir(), 'record-jaeger-'));
const up = await stackUp({ stateDir: dir, scrapeInterval: '1s' });
const urls = stackUrls(up.state);
const proxy = await startRecordingProxy(urls.jaegerQuery, ['content-type']);
const via = proxy.url;
const save = (name: string, what: () => Promise<unknown>) => proxy.save(new URL(name, OUT), what);

try {
  const healthy = await drive(urls.backendApi, { seconds: 2 });
  await setFault(urls, { kind: 'break_propagation', hop: 'workflows->processing', ttl_seconds: 60 });
  const broken = await drive(urls.backendApi, { seconds: 1 });
  await setFault(urls, undefined);
  const exec = (l: typeof healthy) => l.traceSamples.find((s) => s.route === 'POST /v1/executions/' && s.status < 300)!;
  const get = (l: typeof healthy) => l.traceSamples.find((s) => s.route === 'GET /v1/pipelines/')!;
  const source = (settleMs: number) => {
    const s = jaegerSource({ url: via, retries: 0, settleMs, concurrency: 1, quietMs: 60_000 });
    if (s instanceof HarnessError) throw s;
    return s;
  };
  const samples = { healthy: [exec(healthy), get(healthy)], broken: [exec(broken)] };
  await writeFile(new URL('jaeger-2.13-samples.json', OUT), `${JSON.stringify(samples, null, 1)}\n`);
  await save('jaeger-2.13-healthy.json', () =>
    source(30_000).getTraces([
      { id: samples.healthy[0]!.traceId, services: SERVICES },
      { id: samples.healthy[1]!.traceId, services: SERVICES.slice(0, 1) },
    ]),
  );
  await save('jaeger-2.13-broken.json', () =>
    source(3_000).getTraces([{ id: samples.broken[0]!.traceId, services: SERVICES }]),
  );
  await save('jaeger-2.13-missing.json', () => source(1_000).getTraces([{ id: 'f'.repeat(32), services: [] }]));
  await save('jaeger-2.13-services.json', () => source(0).services());
  const start = Date.parse(healthy.window.start) / 1000;
  await save('jaeger-2.13-search.json', async () => {
    await source(0).search('imageflow-workflows', start - 5, start + 60, 5);
    return source(0).search('no-such-service', start - 5, start + 60, 5);
  });
} finally {
  proxy.close();
  await stackDown({ stateDir: dir });
  await rm(dir, { recursive: true, force: true });
}

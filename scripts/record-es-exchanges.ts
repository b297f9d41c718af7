/**
 * Records what the Elasticsearch log source sends and what a real Elasticsearch answers,
 * for the unit tests in src/sources/elasticsearch-logs.test.ts (they replay these files).
 * Re-run after changing the source's requests:
 *
 *   npx tsx scripts/record-es-exchanges.ts
 *
 * Starts its own Elasticsearch on free loopback ports, records through a proxy, stops it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { startElasticsearch } from '../src/logstore/elasticsearch-server.ts';
import { elasticsearchLogSource } from '../src/sources/elasticsearch-logs.ts';
import { HarnessError } from '../src/util/errors.ts';
import { startRecordingProxy } from './recording-proxy.ts';

const OUT = new URL('../src/sources/testdata/', import.meta.url);
const dir = await mkdtemp(join(tmpdir(), 'record-es-'));
const es = await startElasticsearch({ dir });
const proxy = await startRecordingProxy(es.url, ['content-type', 'x-elastic-product']);
const via = proxy.url;
const save = (name: string, what: () => Promise<unknown>) => proxy.save(new URL(name, OUT), what);

try {
  const client = new Client({ node: es.url });
  // Seven records in the window (12:00:00–12:00:06), one line that did not parse as the
  // shipper stores it (no `timestamp` of its own), and one record outside the window.
  const base = Date.parse('2026-11-28T12:00:00.000Z');
  const at = (ms: number) => new Date(base + ms).toISOString();
  const rec = (i: number) => ({
    '@timestamp': at(i * 1000),
    timestamp: at(i * 1000),
    level: 'info',
    service: 'backend-api',
    trace_id: `${i}`.padStart(32, 'a'),
    span_id: '4b68590e761f57eb',
    message: `record ${i}`,
    otel: { resource: { 'service.name': 'imageflow-backend-api' } },
  });
  const docs = [...[0, 1, 2, 3, 4, 5, 6].map(rec), rec(100)];
  docs.push({ '@timestamp': at(3500), message: 'not json {', tags: ['_jsonparsefailure'] } as never);
  await client.bulk({
    refresh: true,
    operations: docs.flatMap((d) => [{ index: { _index: 'rec-imageflow-app' } }, d]),
  });
  await client.close();
  const cfg = { url: via, index: 'rec-imageflow-*', malformedQuery: 'tags:_jsonparsefailure', retries: 0 };
  const start = base / 1000;
  const source = (over: object = {}, opts: object = {}) => {
    const s = elasticsearchLogSource({ ...cfg, ...over }, {}, { pageSize: 3, ...opts });
    if (s instanceof HarnessError) throw s;
    return s;
  };
  await save('es-7.17.29-window.json', () => source().records(start, start + 10));
  await save('es-7.17.29-sample.json', () => source({}, { limit: 4 }).records(start, start + 10));
  await save('es-7.17.29-no-index.json', () => source({ index: 'rec-nothing-*' }).records(start, start + 10));
  await save('es-7.17.29-traces.json', () =>
    source().findTraces([rec(2).trace_id, rec(5).trace_id, 'f'.repeat(32)], start - 60, start + 600),
  );
} finally {
  proxy.close();
  await es.stop();
  await rm(dir, { recursive: true, force: true });
}

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { startElasticsearch } from '../src/logstore/elasticsearch-server.ts';
import { elasticsearchLogSource } from '../src/sources/elasticsearch-logs.ts';
import { fileLogSource, type LogSource } from '../src/sources/logs.ts';
import { HarnessError } from '../src/util/errors.ts';
import type { BenchSize, Figure } from './figures.ts';

/** A LOG-1-shaped record, as the reference services write them. */
function record(i: number, t0: number): Record<string, unknown> {
  return {
    timestamp: new Date(t0 + i).toISOString(),
    level: 'info',
    service: 'backend-api',
    version: '0.1.0',
    trace_id: i.toString(16).padStart(32, '0'),
    span_id: i.toString(16).padStart(16, '0'),
    user_id: 'user',
    execution_id: null,
    message: `GET /v1/pipelines/ 200 ${i % 7}.1ms`,
    metadata: { pipeline_id: null, input_files: [], parameters: {} },
    otel: {
      resource: { 'service.name': 'imageflow-backend-api', 'service.version': '0.1.0' },
      attributes: { 'http.method': 'GET', 'http.status_code': 200 },
    },
  };
}

async function timeRead(src: LogSource, count: number, start: number, end: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const obs = await src.records(start, end);
    if (obs instanceof HarnessError) throw obs;
    if (obs.records.length !== count) throw new Error(`read ${obs.records.length} of ${count} records`);
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[1]!;
}

/**
 * Reading one window of 50,000 log records: JSON-lines file vs Elasticsearch (scroll through
 * the official client), both on this machine, median of 3 — the ratio is the figure.
 */
export async function run(size: BenchSize = 'full'): Promise<Figure[]> {
  const N = size === 'tiny' ? 1000 : 50_000;
  const dir = await mkdtemp(join(tmpdir(), 'bench-logs-'));
  const t0 = Date.parse('2026-11-28T12:00:00.000Z');
  const recs = Array.from({ length: N }, (_, i) => record(i, t0));
  const file = join(dir, 'app-backend-api.jsonl');
  await writeFile(file, recs.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const started = performance.now();
  const es = await startElasticsearch({ dir: join(dir, 'es'), ...(size === 'tiny' ? { heap: '256m' } : {}) });
  const startMs = performance.now() - started;
  try {
    const client = new Client({ node: es.url });
    for (let i = 0; i < N; i += 10_000) {
      // As Fluentd's Elasticsearch output stores them: `@timestamp` (what the source reads
      // by default) set from the record's own time.
      const operations = recs
        .slice(i, i + 10_000)
        .flatMap((doc) => [{ index: { _index: 'bench-app' } }, { ...doc, '@timestamp': doc.timestamp }]);
      const r = await client.bulk({ operations, refresh: i + 10_000 >= N });
      if (r.errors) throw new Error('bulk indexing failed');
    }
    await client.close();
    const window = [t0 / 1000 - 1, (t0 + N) / 1000 + 1] as const;
    const fileMs = await timeRead(fileLogSource([file]), N, ...window);
    const store = elasticsearchLogSource({ url: es.url, index: 'bench-*' });
    if (store instanceof HarnessError) throw store;
    const esMs = await timeRead(store, N, ...window);
    await store.close?.();
    return [
      { name: 'elasticsearch: start to ready', value: startMs / 1000, unit: 's', note: `Elasticsearch ${es.version}` },
      { name: `logs: read ${N} records from a file`, value: fileMs, unit: 'ms', note: 'median of 3' },
      { name: `logs: read ${N} records from Elasticsearch`, value: esMs, unit: 'ms', note: 'scroll, pages of 5000' },
      {
        name: 'logs: Elasticsearch / file read time',
        value: esMs / fileMs,
        unit: 'x',
        note: 'same window, same records',
      },
    ];
  } finally {
    await es.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Ledger throughput and memory: synthetic k6 NDJSON (the real line shapes: ~10 points per
 * request, of which the ledger parses one, plus execution points) fed through
 * LedgerBuilder.ingestLine at 1M and 10M points. Memory must stay flat: the heap retained
 * after a full GC is sampled every million points and must not grow with the point count.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { LedgerBuilder } from '../src/load/ledger.ts';
import type { BenchSize, Figure } from './figures.ts';

// Forcing a GC gives the retained heap, not garbage that happens to be uncollected yet.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const ROUTES = [
  'GET /v1/pipelines/',
  'GET /v1/components/',
  'GET /v1/pipelines/{id}',
  'POST /v1/executions/',
  'GET /v1/executions/{id}',
  'POST /v1/auth/login',
];
const OTHER = [
  'http_reqs',
  'http_req_blocked',
  'http_req_connecting',
  'http_req_tls_handshaking',
  'http_req_sending',
  'http_req_waiting',
  'http_req_receiving',
  'http_req_failed',
  'data_sent',
];

function hex(n: number, len: number): string {
  return (n >>> 0)
    .toString(16)
    .padStart(8, '0')
    .repeat(Math.ceil(len / 8))
    .slice(0, len);
}

/** A pool of distinct lines (different routes, statuses, latencies, trace IDs) to cycle through. */
function linePool(size: number): string[] {
  const pool: string[] = [];
  const t0 = Date.parse('2026-11-28T20:00:00Z');
  let i = 0;
  while (pool.length < size) {
    const route = ROUTES[i % ROUTES.length] as string;
    const status = i % 97 === 0 ? 500 : route.startsWith('POST /v1/executions') ? 202 : 200;
    const time = new Date(t0 + i * 7).toISOString().replace('Z', '123456Z');
    const tags = `{"expected_response":"${status < 400}","group":"","method":"${route.split(' ')[0]}","name":"${route}","phase":"steady","proto":"HTTP/1.1","route":"${route}","scenario":"steady--api-steady","status":"${status}","url":"${route}"}`;
    const meta = `{"trace_id":"${hex(i * 2654435761, 32)}"}`;
    const value = ((i * 7919) % 250000) / 1000 + 0.3;
    pool.push(
      `{"metric":"http_req_duration","type":"Point","data":{"time":"${time}","value":${value},"tags":${tags},"metadata":${meta}}}`,
    );
    for (const m of OTHER)
      pool.push(
        `{"metric":"${m}","type":"Point","data":{"time":"${time}","value":1,"tags":${tags},"metadata":${meta}}}`,
      );
    if (i % 20 === 0) {
      const em = `{"execution_id":"e-${i}","trace_id":"${hex(i * 40503, 32)}"}`;
      pool.push(
        `{"metric":"ifc_execution_created","type":"Point","data":{"time":"${time}","value":1,"tags":{"create_status":"202","phase":"steady","scenario":"s"},"metadata":${em}}}`,
      );
      pool.push(
        `{"metric":"ifc_execution_duration","type":"Point","data":{"time":"${time}","value":${1000 + (i % 5000)},"tags":{"create_status":"202","outcome":"${i % 60 === 0 ? 'failed' : 'completed'}","phase":"steady","scenario":"s"},"metadata":${em}}}`,
      );
    }
    i++;
  }
  return pool;
}

function measure(
  points: number,
  pool: string[],
  sampleEvery: number,
): { perSecond: number; retainedMB: number[]; peakRssMB: number } {
  gc();
  const b = new LedgerBuilder({ runId: 'bench', profile: 'bench', apiBaseUrl: 'http://127.0.0.1' });
  const retained: number[] = [];
  let peakRss = process.memoryUsage.rss();
  const start = process.hrtime.bigint();
  let paused = 0n;
  for (let n = 0; n < points; n++) {
    b.ingestLine(pool[n % pool.length] as string);
    if ((n + 1) % sampleEvery === 0) {
      const p0 = process.hrtime.bigint();
      gc();
      retained.push(process.memoryUsage().heapUsed / 2 ** 20);
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
      paused += process.hrtime.bigint() - p0;
    }
  }
  const secs = Number(process.hrtime.bigint() - start - paused) / 1e9;
  b.finish({ aborted: false, exitCode: 0 });
  return { perSecond: points / secs, retainedMB: retained, peakRssMB: peakRss / 2 ** 20 };
}

/** 1_000_000 → "1M", 20_000 → "20k". */
function count(n: number): string {
  return n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`;
}

export async function run(size: BenchSize = 'full'): Promise<Figure[]> {
  // The heap is sampled every `sampleEvery` points (the small run's size).
  const [poolSize, smallN, largeN] = size === 'tiny' ? [5_000, 20_000, 100_000] : [50_000, 1_000_000, 10_000_000];
  const [S, L] = [count(smallN), count(largeN)];
  const pool = linePool(poolSize);
  const small = measure(smallN, pool, smallN);
  const large = measure(largeN, pool, smallN);
  const first = large.retainedMB[0] as number;
  const last = large.retainedMB[large.retainedMB.length - 1] as number;
  return [
    {
      name: `throughput at ${S} points`,
      value: small.perSecond / 1e6,
      unit: 'M points/s',
      note: '~1 in 10 lines parsed (k6 line mix)',
    },
    { name: `throughput at ${L} points`, value: large.perSecond / 1e6, unit: 'M points/s' },
    {
      name: `retained heap after ${S} points`,
      value: small.retainedMB[0] as number,
      unit: 'MB',
      note: 'after full GC, whole process',
    },
    {
      name: `retained heap after ${L} points`,
      value: last,
      unit: 'MB',
      note: `after ${S} in the same run: ${first.toFixed(1)} MB`,
    },
    { name: `retained heap growth ${S}→${L}`, value: last / first, unit: 'x', note: 'flat memory means ≈ 1.0' },
    { name: `peak RSS at ${L} points`, value: large.peakRssMB, unit: 'MB' },
  ];
}

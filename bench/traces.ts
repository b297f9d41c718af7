import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { TraceSample } from '../src/model/ledger.ts';
import { stackDown, stackUp, stackUrls } from '../src/stack/lifecycle.ts';
import { jaegerBackend, jaegerSource } from '../src/sources/jaeger.ts';
import { HarnessError } from '../src/util/errors.ts';
import { waitFor } from '../src/util/wait.ts';
import { collect } from '../src/verify/collect.ts';
import { evaluate } from '../src/verify/evaluate.ts';
import { loadChecks } from '../src/verify/load.ts';
import { DEFAULT_TARGET } from '../src/config/telemetry-names.ts';
import { ctxAt, ledgerOf } from '../src/verify/testkit.ts';
import type { BenchSize, Figure } from './figures.ts';

const CONCURRENCY = 8;
const ROUTE = 'POST /v1/executions/';

/** One execution-shaped trace (client → backend-api → workflows → processing), as OTLP JSON spans per service. */
function trace(traceId: string, clientSpan: string, t0: number) {
  const id = () => randomBytes(8).toString('hex');
  const [a1, a2, b1, b2, b3] = [id(), id(), id(), id(), id()];
  const at = (ms: number) => String(BigInt(t0 + ms) * 1_000_000n);
  const span = (
    spanId: string,
    parentSpanId: string,
    name: string,
    kind: number,
    attrs: Record<string, string | number>,
  ) => ({
    traceId,
    spanId,
    parentSpanId,
    name,
    kind,
    startTimeUnixNano: at(0),
    endTimeUnixNano: at(40),
    attributes: Object.entries(attrs).map(([key, v]) => ({
      key,
      value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: v },
    })),
    status: {},
  });
  const http = (m: string, u: string, code: number) => ({ 'http.method': m, 'http.url': u, 'http.status_code': code });
  return {
    'imageflow-backend-api': [
      span(a1, clientSpan, ROUTE, 2, { ...http('POST', '/v1/executions/', 202), 'user.id': 'u', 'pipeline.id': 'p' }),
      span(a2, a1, 'POST /v1/workflows', 3, { 'peer.service': 'workflows', 'http.status_code': 202 }),
    ],
    'imageflow-workflows': [
      span(b1, a2, 'POST /v1/workflows', 2, http('POST', '/v1/workflows', 202)),
      span(b2, b1, 'step resize', 1, {}),
      span(b3, b2, 'POST /v1/process/resize', 3, { 'peer.service': 'processing', 'http.status_code': 200 }),
    ],
    'imageflow-processing': [span(id(), b3, 'POST /v1/process/:component', 2, http('POST', '/v1/process/resize', 200))],
  };
}

async function mapLimit<T>(items: T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

const median = async (f: () => Promise<void>): Promise<number> => {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await f();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[1]!;
};

/**
 * Trace verification throughput against the embedded stack's Jaeger (memory storage): 1,000
 * execution-shaped traces (6 spans, 3 services) looked up by ID and judged by the trace checks
 * (collect + evaluate, as `verify` does), against fetching the same traces with bare HTTP
 * requests (same concurrency, JSON parsed). Median of 3.
 */
export async function run(size: BenchSize = 'full'): Promise<Figure[]> {
  const N = size === 'full' ? 1_000 : 20;
  const dir = await mkdtemp(join(tmpdir(), 'bench-traces-'));
  try {
    const up = await stackUp({ stateDir: dir, scrapeInterval: '1s' });
    const urls = stackUrls(up.state);
    const t0 = Date.now() - 60_000;
    const samples: TraceSample[] = [];
    const batches: Array<Record<string, unknown[]>> = [];
    for (let i = 0; i < N; i++) {
      const spanId = randomBytes(8).toString('hex');
      const s: TraceSample = {
        traceId: randomBytes(16).toString('hex'),
        spanId,
        route: ROUTE,
        status: 202,
        outcome: 'ok',
        time: new Date(t0 + i).toISOString(),
      };
      samples.push(s);
      if (i % 100 === 0) batches.push({});
      const b = batches[batches.length - 1]!;
      for (const [svc, spans] of Object.entries(trace(s.traceId, spanId, t0 + i))) (b[svc] ??= []).push(...spans);
    }
    for (const b of batches) {
      const body = {
        resourceSpans: Object.entries(b).map(([svc, spans]) => ({
          resource: { attributes: [{ key: 'service.name', value: { stringValue: svc } }] },
          scopeSpans: [{ spans }],
        })),
      };
      const res = await fetch(`${urls.jaegerOtlpHttp}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`OTLP export: HTTP ${res.status} ${await res.text()}`);
    }
    const last = samples[N - 1]!.traceId;
    const arrived = await waitFor(
      async () => {
        const r = await fetch(`${urls.jaegerQuery}/api/v3/traces/${last}`);
        await r.arrayBuffer();
        return { done: r.status === 200, reason: `HTTP ${r.status}` };
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    if (!arrived.ok) throw new Error(`traces not in Jaeger: ${arrived.reason}`);

    const bareMs = await median(() =>
      mapLimit(samples, CONCURRENCY, async (s) => {
        const r = await fetch(`${urls.jaegerQuery}/api/v3/traces/${s.traceId}`);
        if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
        await r.json();
      }),
    );

    const cat = await loadChecks(new URL('../checks/', import.meta.url).pathname, DEFAULT_TARGET);
    if (cat instanceof HarnessError) throw cat;
    const checks = cat.checks.filter(
      (c) => c.source === 'traces' && c.assert.kind !== 'services' && c.assert.kind !== 'log-correlation',
    );
    const start = Math.floor(t0 / 1000) - 1;
    const ctx = ctxAt({
      window: { start, end: start + 60 },
      evalTime: start + 60,
      urls: { jaeger: urls.jaegerQuery },
      backends: { prometheus: false, alertmanager: false, logs: false, promtool: false, traces: true },
    });
    const ledger = ledgerOf({ traceSamples: samples });
    const source = jaegerSource({ url: urls.jaegerQuery, concurrency: CONCURRENCY, settleMs: 10_000 });
    if (source instanceof HarnessError) throw source;
    let outcomes = '';
    const verifiedMs = await median(async () => {
      const obs = await collect(checks, ctx, ledger, { traces: jaegerBackend(source) });
      const v = evaluate(checks, obs, ledger, ctx);
      outcomes = [...new Set(v.map((x) => x.outcome))].join(',');
      if (outcomes !== 'pass') throw new Error(v.map((x) => `${x.checkId}: ${x.outcome} ${x.summary}`).join('\n'));
    });
    const bareRate = (N / bareMs) * 1000;
    const rate = (N / verifiedMs) * 1000;
    return [
      {
        name: `${N} traces verified (${checks.length} checks)`,
        value: verifiedMs / 1000,
        unit: 's',
        note: `outcomes: ${outcomes}`,
      },
      { name: 'traces verified per second', value: rate, unit: '/s' },
      { name: 'bare HTTP fetch rate (same traces)', value: bareRate, unit: '/s', note: `concurrency ${CONCURRENCY}` },
      { name: 'verified / bare fetch rate', value: rate / bareRate, unit: '×', note: 'goal ≥ 0.8' },
    ];
  } finally {
    await stackDown({ stateDir: dir });
    await rm(dir, { recursive: true, force: true });
  }
}

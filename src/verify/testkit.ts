import type { Ledger, LatencySummary } from '../model/ledger.ts';
import { DEFAULT_TARGET } from '../config/telemetry-names.ts';
import type { EvalContext } from '../model/context.ts';

/** Test helpers shared by the verify unit tests (no servers). */
export const T0 = 1_800_000_000;

export function ctxAt(overrides: Partial<EvalContext> = {}): EvalContext {
  return {
    window: { start: T0, end: T0 + 120 },
    evalTime: T0 + 125,
    stepSeconds: 5,
    scrapeIntervalSeconds: 5,
    settle: { ok: true, reason: 'scraped', lastScrape: T0 + 125 },
    urls: { prometheus: 'http://127.0.0.1:9090', alertmanager: 'http://127.0.0.1:9093' },
    backends: { prometheus: true, alertmanager: true, logs: true, promtool: true, traces: false },
    target: DEFAULT_TARGET,
    ...overrides,
  };
}

export function latency(count: number, p95: number, under2: number): LatencySummary {
  return {
    count,
    sumSeconds: count * 0.05,
    minSeconds: 0.001,
    maxSeconds: p95 * 2,
    quantiles: { p50: p95 / 2, p90: p95 * 0.9, p95, p99: p95 * 1.5 },
    cumulative: [
      { le: 0.1, count: Math.min(count, under2) },
      { le: 2, count: under2 },
      { le: 10, count },
    ],
  };
}

export function ledgerOf(over: Partial<Ledger> = {}): Ledger {
  return {
    schemaVersion: 1,
    runId: 'r1',
    profile: 'smoke',
    apiBaseUrl: 'http://127.0.0.1:8000',
    window: { start: new Date(T0 * 1000).toISOString(), end: new Date((T0 + 120) * 1000).toISOString() },
    phases: [
      { name: 'steady', start: new Date(T0 * 1000).toISOString(), end: new Date((T0 + 120) * 1000).toISOString() },
    ],
    aborted: false,
    requests: {
      total: 1000,
      byStatusClass: { '2xx': 1000 },
      latency: latency(1000, 0.08, 1000),
      byRoute: [
        {
          route: 'GET /v1/health',
          total: 600,
          byStatusClass: { '2xx': 600 },
          byStatus: { '200': 600 },
          latency: latency(600, 0.01, 600),
        },
        {
          route: 'POST /v1/executions/',
          total: 400,
          byStatusClass: { '2xx': 400 },
          byStatus: { '202': 400 },
          latency: latency(400, 0.09, 400),
        },
      ],
    },
    executions: { created: 400, byOutcome: { completed: 400 }, duration: latency(400, 3, 100), maxInFlight: 8 },
    traceSamples: [],
    k6: { exitCode: 0, points: 0, droppedIterations: 0 },
    ...over,
  };
}

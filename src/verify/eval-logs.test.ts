import { describe, expect, it } from 'vitest';
import { evaluateOne } from './evaluate.ts';
import { ctxAt, ledgerOf, T0 } from './testkit.ts';
import type { Observation } from '../model/observation.ts';
import type { LogCheck } from './kinds/logs.ts';
import { HarnessError } from '../util/errors.ts';
import type { TraceSample } from '../model/ledger.ts';
import type { LogStore } from '../sources/logs.ts';
import { settleLogs } from './settle.ts';
import { requestsFor } from './plan.ts';

const arch4: LogCheck = {
  id: 'arch-4-run-in-log-store',
  title: 'run in log store',
  requirements: ['ARCH-4'],
  severity: 'gate',
  source: 'logs',
  assertion: { kind: 'run-traces' },
};
const at = (s: number) => new Date((T0 + s) * 1000).toISOString();
const sample = (traceId: string, s: number, route = 'POST /v1/executions/', status = 202): TraceSample => ({
  traceId,
  route,
  status,
  outcome: 'ok',
  time: at(s),
});
const traces = (found: string[], store: 'files' | 'elasticsearch' = 'elasticsearch'): Record<string, Observation> => ({
  main: { kind: 'log-traces', store, from: ['elasticsearch http://es:9200 index imageflow-*'], found },
});
const A = 'a'.repeat(32);
const B = 'b'.repeat(32);
const E = 'e'.repeat(32);
const ledger = ledgerOf({
  traceSamples: [
    sample(A, 10),
    sample(B, 20),
    // Not looked for: a route the service does not log, a request it never answered.
    sample('c'.repeat(32), 30, 'GET /v1/health', 200),
    sample('d'.repeat(32), 40, 'GET /v1/pipelines/', 0),
  ],
});

describe('ARCH-4: the run is found in the log store', () => {
  it('looks up exactly the sampled, logged, answered requests of the window', () => {
    const [req] = requestsFor(arch4, ctxAt(), ledger);
    expect(req).toMatchObject({ backend: 'logs', op: 'traces', ids: [A, B] });
  });

  it('passes when every one has a record with its trace_id', () => {
    const v = evaluateOne(arch4, traces([A, B, E]), ledger, ctxAt());
    expect(v.outcome).toBe('pass');
    expect(v.summary).toContain('2/2');
  });

  it('fails naming a request that is missing though a later one arrived (lost, not late)', () => {
    const v = evaluateOne(arch4, traces([B]), ledger, ctxAt());
    expect(v.outcome).toBe('fail');
    expect(v.summary).toMatch(/1\/2 sampled requests have no log record .* though later ones do/);
    expect(v.summary).toContain(A);
  });

  it('is inconclusive when only the newest are missing: the store may still be catching up', () => {
    const ctx = ctxAt({ logSettle: { ok: false, reason: `trace ${B} not in the store yet` } });
    const v = evaluateOne(arch4, traces([A]), ledger, ctx);
    expect(v.outcome).toBe('inconclusive');
    expect(v.reason).toContain('had not caught up');
    expect(evaluateOne(arch4, traces([]), ledger, ctx).outcome).toBe('inconclusive');
  });

  it("is skipped when the logs are the services' own files (there is no store to follow)", () => {
    const v = evaluateOne(arch4, traces([], 'files'), ledger, ctxAt());
    expect(v.outcome).toBe('skipped');
    expect(v.reason).toContain('kind: elasticsearch');
  });

  it('is skipped without a ledger, inconclusive with nothing to look for or a store error', () => {
    expect(evaluateOne(arch4, traces([A]), undefined, ctxAt()).outcome).toBe('skipped');
    expect(evaluateOne(arch4, traces([A]), ledgerOf({ traceSamples: [] }), ctxAt()).outcome).toBe('inconclusive');
    const down: Record<string, Observation> = {
      main: { kind: 'error', backend: 'logs', code: 'SOURCE_UNREACHABLE', message: 'Elasticsearch unreachable' },
    };
    expect(evaluateOne(arch4, down, ledger, ctxAt()).outcome).toBe('inconclusive');
  });
});

describe('settleLogs: waiting for a lagging log store', () => {
  const store = (visibleAfterCalls: number, error?: HarnessError) => {
    let calls = 0;
    const src: Pick<LogStore, 'findTraces'> = {
      findTraces: async (ids) => {
        calls++;
        if (error) return error;
        return { found: calls > visibleAfterCalls ? ids : [], from: ['es'] };
      },
    };
    return { src, calls: () => calls };
  };

  it('waits until the newest logged request of the ledger is findable', async () => {
    const s = store(2);
    const r = await settleLogs(s.src, ledger, ['GET /v1/health'], { timeoutMs: 5_000, intervalMs: 1 });
    expect(r.ok).toBe(true);
    expect(s.calls()).toBe(3);
    expect(r.reason).toContain('POST /v1/executions/');
  });

  it('gives up at the deadline, saying which trace it looked for', async () => {
    const r = await settleLogs(store(Infinity).src, ledger, ['GET /v1/health'], { timeoutMs: 30, intervalMs: 5 });
    expect(r.ok).toBe(false);
    expect(r.reason).toContain(B);
  });

  it('stops at once on an error that waiting will not cure', async () => {
    const s = store(0, new HarnessError('SOURCE_NO_INDEX', 'no index matches "x-*"'));
    const r = await settleLogs(s.src, ledger, ['GET /v1/health'], { timeoutMs: 60_000, intervalMs: 1 });
    expect(r.ok).toBe(false);
    expect(r.reason).toContain('no index matches');
    expect(s.calls()).toBe(1);
  });
});

describe('the log window', () => {
  it('reads to the aligned window end even when the evaluation time is earlier (a request is logged after it is answered)', () => {
    const ctx = ctxAt({ window: { start: T0, end: T0 + 121 }, evalTime: T0 + 120.3 });
    const log1: LogCheck = { ...arch4, id: 'log-1', assertion: { kind: 'fields', required: ['timestamp'] } };
    const [req] = requestsFor(log1, ctx, ledger);
    expect(req).toMatchObject({ backend: 'logs', op: 'records', start: T0, end: T0 + 121 });
  });
});

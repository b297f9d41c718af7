import { describe, expect, it } from 'vitest';
import { evaluateOne } from './evaluate.ts';
import { ctxAt, ledgerOf, T0 } from './testkit.ts';
import type { LogCheck, LogsObs, Observation } from './types.ts';
import type { TraceSample } from '../ledger/types.ts';
import type { LogSource } from '../sources/logs.ts';
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
const logs = (traceIds: string[], over: Partial<LogsObs> = {}): Record<string, Observation> => ({
  main: {
    kind: 'logs',
    store: 'elasticsearch',
    from: ['elasticsearch http://es:9200 index imageflow-*'],
    records: traceIds.map((t, i) => ({ timestamp: at(i), trace_id: t, message: 'x' })),
    malformed: 0,
    total: traceIds.length,
    ...over,
  },
});
const ledger = ledgerOf({
  traceSamples: [
    sample('a'.repeat(32), 10),
    sample('b'.repeat(32), 20),
    // Not looked for: a route the service does not log, a request it never answered.
    sample('c'.repeat(32), 30, 'GET /v1/health', 200),
    sample('d'.repeat(32), 40, 'GET /v1/pipelines/', 0),
  ],
});

describe('ARCH-4: the run is found in the log store', () => {
  it('passes when every sampled, logged request has a record with its trace_id', () => {
    const v = evaluateOne(arch4, logs(['a'.repeat(32), 'b'.repeat(32), 'e'.repeat(32)]), ledger, ctxAt());
    expect(v.outcome).toBe('pass');
    expect(v.summary).toContain('2/2');
  });

  it('fails naming the requests that never reached the store', () => {
    const v = evaluateOne(arch4, logs(['a'.repeat(32)]), ledger, ctxAt());
    expect(v.outcome).toBe('fail');
    expect(v.summary).toMatch(/1\/2 sampled requests have no log record/);
    expect(v.summary).toContain('b'.repeat(32));
  });

  it('is inconclusive, not failed, when the missing ones may be beyond the records read', () => {
    const v = evaluateOne(arch4, logs(['a'.repeat(32)], { total: 60_000 }), ledger, ctxAt());
    expect(v.outcome).toBe('inconclusive');
  });

  it("is skipped when the logs are the services' own files (there is no store to follow)", () => {
    const v = evaluateOne(arch4, logs(['a'.repeat(32)], { store: 'files' }), ledger, ctxAt());
    expect(v.outcome).toBe('skipped');
    expect(v.reason).toContain('kind: elasticsearch');
  });

  it('is skipped without a ledger and inconclusive with no record at all', () => {
    expect(evaluateOne(arch4, logs(['a'.repeat(32)]), undefined, ctxAt()).outcome).toBe('skipped');
    expect(evaluateOne(arch4, logs([]), ledger, ctxAt()).outcome).toBe('inconclusive');
  });
});

describe('settleLogs: waiting for a lagging log store', () => {
  const store = (visibleAfterCalls: number) => {
    let calls = 0;
    const src: LogSource = {
      store: 'elasticsearch',
      records: async () => {
        calls++;
        const ids = calls > visibleAfterCalls ? ['b'.repeat(32)] : [];
        return logs(ids).main as LogsObs;
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
    expect(r.reason).toContain('b'.repeat(32));
  });
});

describe('the log window', () => {
  it('reads to the aligned window end even when the evaluation time is earlier (a request is logged after it is answered)', () => {
    const ctx = ctxAt({ window: { start: T0, end: T0 + 121 }, evalTime: T0 + 120.3 });
    const [req] = requestsFor(arch4, ctx, ledger);
    expect(req).toMatchObject({ backend: 'logs', start: T0, end: T0 + 121 });
  });
});

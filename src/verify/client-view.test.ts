import { describe, expect, it } from 'vitest';
import { clientFigure } from './client-view.ts';
import { latency, ledgerOf } from './testkit.ts';

describe('the client view of the SLIs (from the ledger alone)', () => {
  it('availability counts 2xx and 3xx over every request the client sent', () => {
    const f = clientFigure(
      'availability',
      ledgerOf({ requests: { ...ledgerOf().requests, total: 1000, byStatusClass: { '2xx': 990, '5xx': 10 } } }),
    );
    expect(f).toMatchObject({ ok: true, value: 99, unit: '%' });
  });
  it('failure rate: 40 of 40 failed executions is 100 %, unknown and cancelled are not judged', () => {
    const l = ledgerOf({
      executions: {
        created: 45,
        byOutcome: { failed: 40, unknown: 3, cancelled: 2 },
        duration: latency(45, 1, 45),
        maxInFlight: 3,
      },
    });
    const f = clientFigure('failure-rate', l);
    expect(f).toMatchObject({ ok: true, value: 100, details: { failed: 40, judged: 40, unknown: 3 } });
  });
  it('no traffic is no figure, never a zero', () => {
    const l = ledgerOf({
      requests: { total: 0, byStatusClass: {}, latency: latency(0, 0, 0), byRoute: [] },
      executions: { created: 0, byOutcome: {}, duration: latency(0, 0, 0), maxInFlight: 0 },
    });
    for (const m of ['availability', 'latency-p95', 'failure-rate', 'throughput'] as const)
      expect(clientFigure(m, l).ok, m).toBe(false);
  });
  it('throughput is completed executions per hour of the traffic window', () => {
    // ledgerOf spans 120 s with 400 completed: 12,000/h.
    expect(clientFigure('throughput', ledgerOf())).toMatchObject({ ok: true, value: 12_000, unit: '/h' });
  });
  it('P95 is the client-measured one', () => {
    expect(clientFigure('latency-p95', ledgerOf())).toMatchObject({ ok: true, value: 0.08, unit: 's' });
  });
});

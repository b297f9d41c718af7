import { describe, expect, it } from 'vitest';
import { evaluateOne } from '../evaluate.ts';
import { ctxAt, latency, ledgerOf } from '../testkit.ts';
import type { ClientCheck } from './client.ts';

const check = (metric: ClientCheck['metric'], comparator: ClientCheck['comparator'], target: number): ClientCheck => ({
  id: `client-${metric}`,
  title: metric,
  requirements: ['SLI-4'],
  severity: 'gate',
  source: 'client',
  metric,
  comparator,
  target,
});

// No telemetry at all: no backend is configured.
const blind = ctxAt({
  backends: { prometheus: false, alertmanager: false, logs: false, promtool: false, traces: false },
});

describe('client view checks', () => {
  it('40 of 40 executions failed fails SLI-4 with the ledger numbers, without any telemetry', () => {
    const ledger = ledgerOf({
      executions: { created: 40, byOutcome: { failed: 40 }, duration: latency(40, 0.78, 40), maxInFlight: 2 },
    });
    const v = evaluateOne(check('failure-rate', '<', 5), {}, ledger, blind);
    expect(v.outcome).toBe('fail');
    expect(v.summary).toMatch(/as the client experienced it: 100 %.*40 of 40 executions failed/);
    expect(v.observed).toBe('100 %');
  });
  it('a healthy client view passes', () => {
    expect(evaluateOne(check('availability', '>=', 99.9), {}, ledgerOf(), blind).outcome).toBe('pass');
    expect(evaluateOne(check('latency-p95', '<', 2), {}, ledgerOf(), blind).outcome).toBe('pass');
  });
  it('no executions is inconclusive, not a pass', () => {
    const ledger = ledgerOf({
      executions: { created: 0, byOutcome: {}, duration: latency(0, 0, 0), maxInFlight: 0 },
    });
    const v = evaluateOne(check('failure-rate', '<', 5), {}, ledger, blind);
    expect(v.outcome).toBe('inconclusive');
  });
  it('without a ledger it is skipped', () => {
    expect(evaluateOne(check('availability', '>=', 99.9), {}, undefined, blind).outcome).toBe('skipped');
  });
});

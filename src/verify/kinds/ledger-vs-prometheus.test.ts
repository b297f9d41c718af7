import { describe, expect, it } from 'vitest';
import { T0, ctxAt } from '../testkit.ts';
import type { TruthCheck } from './ledger-vs-prometheus.ts';
import { ledgerVsPrometheus } from './ledger-vs-prometheus.ts';

const check: TruthCheck = {
  id: 'truth-executions',
  title: 't',
  requirements: ['SLI-4'],
  severity: 'gate',
  source: 'ledger-vs-prometheus',
  truth: 'executions',
};
const win = { start: T0, end: T0 + 120 };

describe('the window-start reading of a truth check', () => {
  it('without a baseline: the counters as Prometheus returns them at the window start', () => {
    const [before] = ledgerVsPrometheus.requests(check, ctxAt(), undefined, win);
    expect(before).toMatchObject({ key: 'before', query: 'sum by (status) (pipeline_executions_total)', time: T0 });
  });
  it("with the run's baseline scrape: only series sampled from it on, at both ends, never an earlier process's", () => {
    const [before, after] = ledgerVsPrometheus.requests(check, ctxAt({ baselineAt: T0 - 3 }), undefined, win);
    // 3 s back to the baseline + half a 5 s scrape interval.
    expect(before).toMatchObject({
      query: 'sum by (status) (last_over_time(pipeline_executions_total[5500ms]))',
      time: T0,
    });
    // The evaluation time (T0 + 125) is 128 s after the baseline.
    expect(after).toMatchObject({
      query: 'sum by (status) (last_over_time(pipeline_executions_total[130500ms]))',
      time: T0 + 125,
    });
  });
  it('a baseline after the aligned window start reads at the baseline itself', () => {
    const [before] = ledgerVsPrometheus.requests(check, ctxAt({ baselineAt: T0 + 2 }), undefined, win);
    expect(before).toMatchObject({ query: expect.stringContaining('[2500ms]'), time: T0 + 2 });
  });
});

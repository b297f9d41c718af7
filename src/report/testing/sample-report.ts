import type { Verification } from '../reporter.ts';
import type { Verdict } from '../../model/verdict.ts';

export const sampleVerdict = (checkId: string, outcome: Verdict['outcome'], reason?: string): Verdict => ({
  checkId,
  title: `title of ${checkId}`,
  requirements: ['SLI-1'],
  severity: 'gate',
  outcome,
  summary: `${checkId} summary`,
  queries: [],
  links: [],
  ...(reason ? { reason } : {}),
});

/** A small verification: one pass, one inconclusive (with its reason), one warning. */
export const sampleReport: Verification = {
  outcome: 'inconclusive',
  verdicts: [
    sampleVerdict('a', 'pass'),
    sampleVerdict('b', 'inconclusive', 'prometheus SOURCE_UNREACHABLE'),
    sampleVerdict('c', 'warn'),
  ],
  context: {
    window: { start: 1_764_000_000, end: 1_764_000_060 },
    evalTime: 1_764_000_060,
    stepSeconds: 15,
    scrapeIntervalSeconds: 15,
    urls: {},
    backends: { prometheus: true, alertmanager: false, logs: false, promtool: false, traces: false },
    target: { job: 'backend-api', metrics: {}, executionStatus: {}, uninstrumentedRoutes: [] },
  },
  observations: {},
  durationMs: 42,
};

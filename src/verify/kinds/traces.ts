import { traceCheckProblems, traceCheckProperties, type TraceCheck } from '../traces/check.ts';
import { evalTraces } from '../traces/evaluate.ts';
import { traceRequests } from '../traces/plan.ts';
import { defineKind } from './kind.ts';

export type { TraceCheck } from '../traces/check.ts';

/**
 * Trace checks: the run's sampled traces read back from the trace store (the `traces`
 * backend), judged by assertions and span selectors (src/verify/traces/). Without a ledger
 * the per-trace assertions are skipped by `evaluate` itself: `services` (ARCH-1) needs none.
 */
export const traces = defineKind<TraceCheck>({
  source: 'traces',
  schema: { properties: traceCheckProperties, required: ['assert'] },
  load: (check, ctx) => {
    ctx.problems.push(...traceCheckProblems(check, ctx.where));
  },
  requests: traceRequests,
  evaluate: (check, obs, ctx, ledger, win) => evalTraces(check, obs, ctx, ledger, win),
});

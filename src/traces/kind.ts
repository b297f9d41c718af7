import { traceCheckProblems, traceCheckProperties, type TraceCheck } from './check.ts';
import { evalTraces } from './evaluate.ts';
import { traceRequests } from './plan.ts';

/**
 * The `traces` check kind in the shape the kinds table takes (source, schema, requests,
 * evaluate); today's engine reaches it through one switch arm each in plan/evaluate/schema.
 */
export const tracesKind = {
  source: 'traces' as const,
  schema: traceCheckProperties,
  required: ['assert'],
  problems: traceCheckProblems,
  requests: traceRequests,
  evaluate: evalTraces,
} satisfies { source: TraceCheck['source'] } & Record<string, unknown>;

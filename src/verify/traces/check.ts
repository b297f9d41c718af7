import type { CheckBase } from '../../model/check.ts';
import { isSelectorError, parseSelector } from './selector.ts';

/**
 * Trace checks (`source: traces` in checks/*.yaml): assertions over the traces of the run's
 * sampled requests (the ledger's trace IDs) or over what the trace store reports.
 */

/** A comparison on a count or a duration: `== 1`, `>= 3`, `< 2000`. */
export const BOUND = /^(==|!=|<=|>=|<|>)\s*(-?[0-9]+(?:\.[0-9]+)?)$/;

export interface SpanRule {
  /** A span selector (src/verify/traces/selector.ts). */
  select: string;
  /** How many spans of each trace match (e.g. `>= 1`, `== 0`). */
  count?: string;
  /** Attributes every matching span carries (non-empty). */
  has?: string[];
  /** Every matching span's duration in milliseconds (e.g. `<= 2000`). */
  durationMs?: string;
}

export type TraceAssertion =
  /** ARCH-2: every sampled trace is retrievable by its ID. */
  | { kind: 'retrievable' }
  /** TP-1: the entry service's server span continues the client's trace, the client span its parent. */
  | { kind: 'continued' }
  /** TP-2: one root, no orphan span, every answered peer call continued by the peer's span. */
  | { kind: 'unbroken' }
  /** TP-3 and friends: selector rules judged on every sampled trace. */
  | { kind: 'spans'; rules: SpanRule[] }
  /** Share of sampled traces that arrived continued and unbroken (per route and outcome). */
  | { kind: 'propagation-rate'; target?: number }
  /** ARCH-1: each service is in the store's service list with traces in the window. */
  | { kind: 'services'; services: string[] }
  /** DB-1: the service dependency edges ("a -> b") derived from the sampled traces. */
  | { kind: 'edges'; edges: string[] }
  /** LOG-2: log records of a sampled trace carry its trace ID and a span ID of that trace. */
  | { kind: 'log-correlation'; traceIdField?: string; spanIdField?: string };

export interface TraceCheck extends CheckBase {
  source: 'traces';
  assert: TraceAssertion;
  /** Which sampled requests to look up (default: every answered one in the window). */
  samples?: { routes?: string[]; outcomes?: string[] };
  /** Route → the (logical) services its complete trace passes through; other routes: the entry service. */
  journeys?: Record<string, string[]>;
  /** The service the client calls (default backend-api). */
  entryService?: string;
}

const bound = { type: 'string', pattern: BOUND.source };
const strings = { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 };
const kind = (k: string, props: Record<string, unknown> = {}, required: string[] = []) => ({
  type: 'object',
  additionalProperties: false,
  required: ['kind', ...required],
  properties: { kind: { const: k }, ...props },
});

/** The `source: traces` branch's own properties (the loader's schema adds the common ones). */
export const traceCheckProperties = {
  assert: {
    type: 'object',
    required: ['kind'],
    discriminator: { propertyName: 'kind' },
    oneOf: [
      kind('retrievable'),
      kind('continued'),
      kind('unbroken'),
      kind(
        'spans',
        {
          rules: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['select'],
              properties: { select: { type: 'string', minLength: 1 }, count: bound, has: strings, durationMs: bound },
              anyOf: [{ required: ['count'] }, { required: ['has'] }, { required: ['durationMs'] }],
            },
          },
        },
        ['rules'],
      ),
      kind('propagation-rate', { target: { type: 'number', minimum: 0, maximum: 1 } }),
      kind('services', { services: strings }, ['services']),
      kind('log-correlation', { traceIdField: { type: 'string' }, spanIdField: { type: 'string' } }),
      kind('edges', { edges: { type: 'array', items: { type: 'string', pattern: '^\\S+ -> \\S+$' }, minItems: 1 } }, [
        'edges',
      ]),
    ],
  },
  samples: {
    type: 'object',
    additionalProperties: false,
    properties: { routes: strings, outcomes: strings },
  },
  journeys: { type: 'object', additionalProperties: strings },
  entryService: { type: 'string', minLength: 1 },
} as const;

/** Load-time problems the schema cannot see: selectors that do not parse. */
export function traceCheckProblems(check: TraceCheck, where: string): string[] {
  if (check.assert.kind !== 'spans') return [];
  return check.assert.rules.flatMap((r, i) => {
    const s = parseSelector(r.select);
    return isSelectorError(s) ? [`${where}/assert/rules/${i}/select: col ${s.col}: ${s.message} in "${r.select}"`] : [];
  });
}

import type { CheckKind } from './kind.ts';
import { alertmanager } from './alertmanager.ts';
import { alertTraceLink } from './alert-trace-link.ts';
import { client } from './client.ts';
import { exemplarTraces } from './exemplar-traces.ts';
import { ledgerVsPrometheus } from './ledger-vs-prometheus.ts';
import { logs } from './logs.ts';
import { prometheusBuckets } from './prometheus-buckets.ts';
import { prometheusExemplars } from './prometheus-exemplars.ts';
import { prometheusFlags } from './prometheus-flags.ts';
import { prometheusQuery } from './prometheus-query.ts';
import { prometheusRules } from './prometheus-rules.ts';
import { prometheusSeries } from './prometheus-series.ts';
import { prometheusTargets } from './prometheus-targets.ts';
import { promtoolRules } from './promtool-rules.ts';
import { statement } from './statement.ts';
import { traces } from './traces.ts';

/** Makes the compiler hold every entry's key to its kind's `source`. */
function kindTable<T extends Record<string, { source: string }>>(t: T & { [K in keyof T]: { source: K } }): T {
  return t;
}

/**
 * Every check kind, by its `source:` value, in the order the schema lists them. A new kind
 * is one module in this folder and one line here.
 */
export const KINDS = kindTable({
  prometheus: prometheusQuery,
  'prometheus-series': prometheusSeries,
  'prometheus-flags': prometheusFlags,
  'prometheus-rules': prometheusRules,
  'promtool-rules': promtoolRules,
  'prometheus-targets': prometheusTargets,
  'prometheus-exemplars': prometheusExemplars,
  'prometheus-buckets': prometheusBuckets,
  'exemplar-traces': exemplarTraces,
  alertmanager,
  logs,
  'ledger-vs-prometheus': ledgerVsPrometheus,
  client,
  statement,
  traces,
  'alert-trace-link': alertTraceLink,
});

type CheckOf<K> = K extends CheckKind<infer C> ? C : never;

/** Any check of any kind: the union of the kinds' own check types. */
export type Check = CheckOf<(typeof KINDS)[keyof typeof KINDS]>;

export type SourceName = Check['source'];

/** The module that loads, plans and judges this check. */
export function kindOf(check: Check): CheckKind<Check> {
  return KINDS[check.source];
}

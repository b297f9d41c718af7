import type { Severity } from './verdict.ts';

/**
 * What every check (data from `checks/*.yaml`) has, whatever its kind. Each kind's own
 * fields live in its module (`src/verify/kinds/<kind>.ts`); the `Check` union is derived
 * from the kind table there.
 */
export interface CheckBase {
  /** The kind: picks the module that plans, loads and judges the check. */
  source: string;
  id: string;
  title: string;
  requirements: string[];
  severity: Severity;
  /** Why this check exists / how to read it; shown in reports. */
  description?: string;
  /** Judge only this phase of the run (by name); default: the whole traffic window. */
  phase?: string;
  /** Below this much client traffic (from the ledger) the check is inconclusive. */
  minTraffic?: { requests?: number; executions?: number };
  /** The file the check came from (filled in by the loader, not written in YAML). */
  file?: string;
}

export type Comparator = '<' | '<=' | '>' | '>=' | '==' | '!=';

export type Aggregation = { kind: 'min' | 'avg' | 'max' | 'last' } | { kind: 'quantile'; q: number };

import type { CheckBase } from '../../model/check.ts';
import type { EvalContext, TelemetryNames } from '../../model/context.ts';
import type { Ledger } from '../../model/ledger.ts';
import type { Observation } from '../../model/observation.ts';
import type { Request } from '../../model/request.ts';
import type { Evidence, Verdict } from '../../model/verdict.ts';

/** A judged time range, unix seconds (aligned to the step). */
export type Window = { start: number; end: number };

/** One check's observations: request key → what the backend reported. */
export type CheckObservations = Record<string, Observation>;

/** What a kind's loader step gets: where the check came from, and where to put problems. */
export interface LoadContext {
  /** The directory of the check's file: relative paths in the check resolve from here. */
  dir: string;
  /** `file: /checks/N`, the prefix of every problem about this check. */
  where: string;
  target: TelemetryNames;
  /** Every problem found, one line each (`where/field: what is wrong`). */
  problems: string[];
}

/** The kind-specific part of the check file schema (the common fields are added for every kind). */
export interface KindSchema {
  properties: Record<string, unknown>;
  required: string[];
  /** Further schema keywords on the check object (e.g. `oneOf` of two alternative fields). */
  extra?: Record<string, unknown>;
}

/**
 * One kind of check: its fields' schema, the loader step that resolves what the YAML
 * refers to, the requests it needs and its pure verdict. Every kind lives in its own module
 * under `src/verify/kinds/` and is listed once in `kinds/index.ts`.
 */
export interface CheckKind<C extends CheckBase> {
  /** The `source:` value in the YAML that selects this kind. */
  source: C['source'];
  schema: KindSchema;
  /** What this kind's verdicts rest on (default behaviour); a verdict may say otherwise. */
  evidence?: Evidence;
  /** Judged only against a run's ledger: without one the check is skipped, not judged. */
  needsLedger?: boolean;
  /** Resolves and validates what the schema cannot (spec files, placeholders); fills in `check`. */
  load?(check: C, ctx: LoadContext): void | Promise<void>;
  /** Everything the check needs fetched, keyed by the names `evaluate` reads. Pure. */
  requests(check: C, ctx: EvalContext, ledger: Ledger | undefined, win: Window): Request[];
  /**
   * Requests that depend on the first answers (e.g. the traces of the exemplar IDs Prometheus
   * returned). Pure. `collect` calls it once, after the first pass, only when every first
   * request was observed without a source error; the keys must differ from `requests`' keys.
   * Keep it bounded (a sample): it is one more round against the backends.
   */
  followUp?(check: C, first: CheckObservations, ctx: EvalContext, ledger: Ledger | undefined, win: Window): Request[];
  /**
   * The verdict from the observations. Pure. Called only once every request was observed
   * without a source error and the backends were configured; `queries` are the requests'
   * queries as sent (deduplicated, in request order).
   */
  evaluate(
    check: C,
    obs: CheckObservations,
    ctx: EvalContext,
    ledger: Ledger | undefined,
    win: Window,
    queries: string[],
  ): Verdict;
}

/** Types a kind module's export (checks the methods against the kind's own check type). */
export function defineKind<C extends CheckBase>(kind: CheckKind<C>): CheckKind<C> {
  return kind;
}

/** What the pure core derives for one check; what every reporter reads. */

export type Outcome = 'pass' | 'fail' | 'warn' | 'inconclusive' | 'skipped';

/** `gate`: a violation fails the run. `warning`: a violation is reported as `warn`. */
export type Severity = 'gate' | 'warning';

/**
 * What a verdict rests on. `conformance`: the deployment is configured or written as the
 * spec says (rules text, flags, series and buckets exist, wiring present). `behaviour`: the
 * system was seen doing what the spec says (SLIs measured, alerts fired, traces propagated,
 * telemetry agreeing with the client). Coverage reports keep the two apart.
 */
export type Evidence = 'conformance' | 'behaviour';

export interface Verdict {
  checkId: string;
  title: string;
  requirements: string[];
  severity: Severity;
  outcome: Outcome;
  /** One line a human reads first. */
  summary: string;
  observed?: number | string;
  expected?: string;
  /** Why it could not be judged (inconclusive/skipped). */
  reason?: string;
  /** Queries as sent, after substitution. */
  queries: string[];
  /** The judged time range (ISO-8601), aligned. */
  range?: { start: string; end: string; stepSeconds?: number };
  /** Links into the backends' UIs for the evidence. */
  links: string[];
  /** Side-by-side figures, mismatches, per-series detail. */
  details?: Record<string, unknown>;
  /** Conformance or behaviour (see Evidence); set by the engine from the check's kind when the kind does not say. */
  evidence?: Evidence;
}

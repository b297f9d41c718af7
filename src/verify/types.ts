/**
 * The verification vocabulary: checks (data from `checks/*.yaml`), the observations the
 * adapters fetch for them, and the verdicts the pure core derives. Everything here is plain
 * JSON-serialisable data so observations can be recorded and replayed in tests.
 */

export type Outcome = 'pass' | 'fail' | 'warn' | 'inconclusive' | 'skipped';

/** `gate`: a violation fails the run. `warning`: a violation is reported as `warn`. */
export type Severity = 'gate' | 'warning';

export type Comparator = '<' | '<=' | '>' | '>=' | '==' | '!=';

export type Aggregation = { kind: 'min' | 'avg' | 'max' | 'last' } | { kind: 'quantile'; q: number };

interface CheckBase {
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

/**
 * A PromQL expression judged against a target.
 * `mode: range` runs a range query over the (aligned) window and aggregates every sample;
 * `mode: instant` evaluates once at the window's end (after settling).
 * Placeholders: `$window` (the check's `window`, e.g. the spec's `5m`), `$range` (the run
 * window's length, aligned to the step), `{{metrics.NAME}}` (target config mapping).
 */
export interface PromQueryCheck extends CheckBase {
  source: 'prometheus';
  /** Inline PromQL, or filled in by the loader from `specQuery`. */
  query: string;
  /**
   * A query taken verbatim from a spec file (blocks separated by blank lines, each under a
   * `# heading` comment). With `window`, every `[range]` in it becomes `[$window]`.
   */
  specQuery?: { file: string; heading: string };
  window?: string;
  mode: 'range' | 'instant';
  aggregation?: Aggregation;
  comparator: Comparator;
  target: number;
  unit: string;
}

/** Every selector/expression must return at least one series with samples in the window. */
export interface PromSeriesCheck extends CheckBase {
  source: 'prometheus-series';
  selectors: string[];
  /** `present` (default): the series must exist. `absent`: they must not (measured findings). */
  expect?: 'present' | 'absent';
}

export interface PromFlagCheck extends CheckBase {
  source: 'prometheus-flags';
  flag: string;
  comparator: Comparator;
  /** A Prometheus duration (`180d`) or a number. */
  target: string;
}

export interface PromRulesCheck extends CheckBase {
  source: 'prometheus-rules';
  /** Path (relative to the checks directory) of the spec's rule file. */
  rulesFile: string;
  group: string;
  /** Filled in by the loader from `rulesFile`. */
  expected?: ExpectedRuleGroup;
}

export interface PromTargetsCheck extends CheckBase {
  source: 'prometheus-targets';
  jobs: string[];
  /** Jobs that are judged only when Prometheus has them configured (e.g. cAdvisor). */
  optionalJobs?: string[];
}

export interface PromExemplarsCheck extends CheckBase {
  source: 'prometheus-exemplars';
  selector: string;
  /** Exemplar label that must carry a W3C trace ID. */
  traceIdLabel: string;
}

export interface PromBucketCheck extends CheckBase {
  source: 'prometheus-buckets';
  /** The `_bucket` series selector. */
  selector: string;
  /** The `le` bound that must exist (seconds). */
  bound: number;
}

export interface AlertPathCheck extends CheckBase {
  source: 'alertmanager';
  /** Alert names whose firing instances must be present in Alertmanager. */
  alertnames: string[];
}

export interface LogCheck extends CheckBase {
  source: 'logs';
  assertion:
    | { kind: 'fields'; required: string[] }
    | { kind: 'w3c-ids' }
    | { kind: 'message'; message: string; fields: string[]; atLeast: 'ledger.executions.created' | number }
    /** The run's sampled requests (ledger trace IDs) are found in the log store (ARCH-4). */
    | { kind: 'run-traces' };
  /** Only records from these services (record `service`); default all. */
  services?: string[];
}

export type TruthKind = 'request-count' | 'availability' | 'latency-p95' | 'executions';

/** Ground truth (the ledger) against what the telemetry says about the same window. */
export interface TruthCheck extends CheckBase {
  source: 'ledger-vs-prometheus';
  truth: TruthKind;
  /** Allowed relative mismatch on top of the derived tolerance (e.g. 0.001). */
  relativeTolerance?: number;
  /** latency-p95: client/server latency difference allowed when judging bucket bounds. */
  slackSeconds?: number;
  /** latency-p95: the SLO threshold whose bucket edge decides exactness. */
  thresholdSeconds?: number;
}

/** A spec inconsistency that cannot be measured: always reported as `warn`. */
export interface StatementCheck extends CheckBase {
  source: 'statement';
  finding: string;
}

export type Check =
  | PromQueryCheck
  | PromSeriesCheck
  | PromFlagCheck
  | PromRulesCheck
  | PromTargetsCheck
  | PromExemplarsCheck
  | PromBucketCheck
  | AlertPathCheck
  | LogCheck
  | TruthCheck
  | StatementCheck;

export type SourceName = Check['source'];

export interface ExpectedRule {
  alert: string;
  expr: string;
  forSeconds: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface ExpectedRuleGroup {
  name: string;
  rules: ExpectedRule[];
}

// ───────────────────────────── observations ─────────────────────────────

export interface Labels {
  [name: string]: string;
}

/** Sample times are unix seconds; values may be NaN/±Infinity as Prometheus reports them. */
export interface MatrixObs {
  kind: 'matrix';
  series: Array<{ labels: Labels; values: Array<[number, number]> }>;
}

export interface VectorObs {
  kind: 'vector';
  samples: Array<{ labels: Labels; value: number; time: number }>;
}

export interface FlagsObs {
  kind: 'flags';
  flags: Record<string, string>;
}

export interface RulesObs {
  kind: 'rules';
  groups: Array<{
    name: string;
    file: string;
    rules: Array<{
      type: string;
      name: string;
      query: string;
      durationSeconds: number;
      labels: Record<string, string>;
      annotations: Record<string, string>;
      health: string;
    }>;
  }>;
}

export interface TargetsObs {
  kind: 'targets';
  targets: Array<{ job: string; instance: string; health: string; lastScrape: string; lastError: string }>;
}

export interface ExemplarsObs {
  kind: 'exemplars';
  series: Array<{
    labels: Labels;
    exemplars: Array<{ labels: Labels; value: number; timestamp: number }>;
  }>;
}

export interface AlertsObs {
  kind: 'alerts';
  alerts: Array<{ labels: Labels; state: string; activeAt?: string }>;
}

export interface AlertmanagersObs {
  kind: 'alertmanagers';
  active: string[];
  dropped: string[];
}

export interface LogsObs {
  kind: 'logs';
  /** Files the services wrote, or a log store the records were shipped to. */
  store: 'files' | 'elasticsearch';
  /** Where the records came from: file paths, or the log store and index. */
  from: string[];
  /** Parsed records (bounded by the collector) within the window. */
  records: Array<Record<string, unknown>>;
  /** Lines that were not one JSON object; undefined where the store cannot tell. */
  malformed: number | undefined;
  /** Records seen in total (records may be a bounded sample). */
  total: number;
  /** True when `records` is a uniform sample of the window's `total`. */
  sampled?: boolean;
}

/** Which of the looked-up trace IDs have a record in the log source (exact). */
export interface LogTracesObs {
  kind: 'log-traces';
  store: 'files' | 'elasticsearch';
  from: string[];
  found: string[];
}

export interface SourceErrorObs {
  kind: 'error';
  /** Which backend: prometheus, alertmanager, logs. */
  backend: string;
  code: string;
  message: string;
}

export type Observation =
  | MatrixObs
  | VectorObs
  | FlagsObs
  | RulesObs
  | TargetsObs
  | ExemplarsObs
  | AlertsObs
  | AlertmanagersObs
  | LogsObs
  | LogTracesObs
  | SourceErrorObs;

/** What one check needs fetched; the key names the part for the evaluator. */
export type Request =
  | { key: string; backend: 'prometheus'; op: 'range'; query: string; start: number; end: number; step: number }
  | { key: string; backend: 'prometheus'; op: 'instant'; query: string; time: number }
  | { key: string; backend: 'prometheus'; op: 'flags' }
  | { key: string; backend: 'prometheus'; op: 'rules' }
  | { key: string; backend: 'prometheus'; op: 'targets' }
  | { key: string; backend: 'prometheus'; op: 'alerts' }
  | { key: string; backend: 'prometheus'; op: 'alertmanagers' }
  | { key: string; backend: 'prometheus'; op: 'exemplars'; query: string; start: number; end: number }
  | { key: string; backend: 'alertmanager'; op: 'alerts' }
  | { key: string; backend: 'logs'; op: 'records'; start: number; end: number }
  | { key: string; backend: 'logs'; op: 'traces'; ids: string[]; start: number; end: number };

/** checkId → request key → observation. */
export type Observations = Record<string, Record<string, Observation>>;

// ───────────────────────────── verdicts ─────────────────────────────

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
}

/** Everything the pure core needs besides checks, observations and the ledger. */
export interface EvalContext {
  /** Aligned window, unix seconds. */
  window: { start: number; end: number };
  /** Evaluation time for instant queries (first scrape after traffic ended), unix seconds. */
  evalTime: number;
  stepSeconds: number;
  scrapeIntervalSeconds: number;
  /** Result of waiting for the first scrape after traffic; undefined when not waited. */
  settle?: { ok: boolean; reason: string; lastScrape?: number };
  /** Whether the log store had caught up with the run before the log checks read it. */
  logSettle?: { ok: boolean; reason: string };
  urls: { prometheus?: string; alertmanager?: string };
  /** Backends that are configured; a check whose backend is absent is skipped. */
  backends: { prometheus: boolean; alertmanager: boolean; logs: boolean };
  target: TargetConfig;
}

/** How the deployment names things the spec leaves open (defaults: the reference system). */
export interface TargetConfig {
  job: string;
  metrics: Record<string, string>;
  /** Ledger execution outcome → `pipeline_executions_total{status}` value. */
  executionStatus: Record<string, string>;
  /**
   * Routes the service deliberately leaves out of `http_requests_total` (e.g. health probes),
   * as "METHOD /path"; any other client route missing from the telemetry fails the count.
   */
  uninstrumentedRoutes: string[];
}

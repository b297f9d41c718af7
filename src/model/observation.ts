import type { TraceObservation } from './trace.ts';

/**
 * What the backends report: plain JSON-serialisable data, so observations can be recorded
 * and replayed in tests. Sources produce them; the check kinds' pure evaluators read them.
 */

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

/** promtool's answer to one alert's generated cases. */
export interface PromtoolTestObs {
  kind: 'promtool-test';
  command: string;
  code: number | null;
  output: string;
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
  | PromtoolTestObs
  | SourceErrorObs
  | TraceObservation;

/** checkId → request key → observation. */
export type Observations = Record<string, Record<string, Observation>>;

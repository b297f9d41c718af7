/**
 * The ground-truth ledger: what the client (k6) really observed during a run, in bounded
 * memory. Written by the load stage (`src/load/`), read by the verification stage
 * (`src/verify/`). This file is the contract between the two; change it in one commit with
 * both sides.
 */

export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx' | 'network_error';

/** A latency distribution summarised at fixed bounds, comparable with Prometheus buckets. */
export interface LatencySummary {
  count: number;
  sumSeconds: number;
  minSeconds: number;
  maxSeconds: number;
  /** Client-side quantiles from an HDR histogram (seconds). */
  quantiles: { p50: number; p90: number; p95: number; p99: number };
  /**
   * Cumulative counts of observations <= le (seconds), at a fixed grid that includes
   * Prometheus' default buckets and the SLO threshold 2 s. Sorted by le ascending.
   */
  cumulative: Array<{ le: number; count: number }>;
}

export interface RouteStats {
  /** The API route template, e.g. "POST /v1/executions/". */
  route: string;
  total: number;
  byStatusClass: Partial<Record<StatusClass, number>>;
  byStatus: Record<string, number>;
  latency: LatencySummary;
}

/**
 * The last terminal status the client read; `timeout`: still running when the client stopped
 * waiting; `unknown`: its status could not be read again (every poll failed) before then.
 */
export type ExecutionOutcome = 'completed' | 'failed' | 'cancelled' | 'timeout' | 'error' | 'unknown';

export interface TraceSample {
  traceId: string;
  /** The parent-id the client sent in its traceparent (the server span's parent, TP-1). */
  spanId?: string;
  route: string;
  status: number;
  /** 'ok' for 2xx/3xx, 'error' otherwise; executions use their outcome. */
  outcome: string;
  /** ISO-8601 time the request was sent. */
  time: string;
  executionId?: string;
}

export interface Phase {
  name: string;
  /** ISO-8601, inclusive. */
  start: string;
  /** ISO-8601, exclusive. */
  end: string;
}

export interface Ledger {
  schemaVersion: 1;
  runId: string;
  profile: string;
  apiBaseUrl: string;
  /** The whole traffic window (first request sent → last response received). */
  window: { start: string; end: string };
  phases: Phase[];
  /** Whether the run was stopped early (Ctrl-C, SIGTERM, k6 abort). */
  aborted: boolean;
  requests: {
    total: number;
    byStatusClass: Partial<Record<StatusClass, number>>;
    latency: LatencySummary;
    byRoute: RouteStats[];
  };
  executions: {
    /** Executions the client created (POST answered 2xx). */
    created: number;
    byOutcome: Partial<Record<ExecutionOutcome, number>>;
    /** End-to-end duration, creation → terminal status observed by polling. */
    duration: LatencySummary;
    /** Highest number of executions the client had in flight at once. */
    maxInFlight: number;
  };
  /** A bounded sample of trace IDs, per route and outcome. */
  traceSamples: TraceSample[];
  /** k6's own figures, for the report. */
  k6: { exitCode: number | null; points: number; droppedIterations: number };
}

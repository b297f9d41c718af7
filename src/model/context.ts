import type { BackendName } from './request.ts';

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
  urls: { prometheus?: string; alertmanager?: string; jaeger?: string };
  /** Backends that are configured; a check whose backend is absent is skipped. */
  backends: Record<BackendName, boolean>;
  target: TelemetryNames;
  /**
   * The run's baseline scrape (unix s), taken after the stack (re)started and before traffic:
   * window-start readings use only samples from then on, so a previous process's last sample,
   * still within Prometheus' lookback, is never read as this run's starting point.
   */
  baselineAt?: number;
  /**
   * The run loaded the spec rules time-compressed by this factor (the `alerts` profile): the
   * loaded text differs from the spec by design, so al-4-rules-match-spec is skipped.
   */
  ruleCompression?: number;
}

/** How the deployment names things the spec leaves open (defaults: the reference system). */
export interface TelemetryNames {
  job: string;
  metrics: Record<string, string>;
  /** Ledger execution outcome → `pipeline_executions_total{status}` value. */
  executionStatus: Record<string, string>;
  /**
   * Routes the service deliberately leaves out of `http_requests_total` (e.g. health probes),
   * as "METHOD /path"; any other client route missing from the telemetry fails the count.
   */
  uninstrumentedRoutes: string[];
  /** Logical service name (as the trace checks spell it) → the telemetry's `service.name`. */
  services?: Record<string, string>;
}

/** The JSON schema of a telemetry names mapping (`--telemetry-map`, a target's `telemetry`). */
export const telemetryNamesSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    job: { type: 'string' },
    metrics: { type: 'object', additionalProperties: { type: 'string', pattern: '^[a-zA-Z_:][a-zA-Z0-9_:]*$' } },
    executionStatus: { type: 'object', additionalProperties: { type: 'string' } },
    uninstrumentedRoutes: { type: 'array', items: { type: 'string', pattern: '^[A-Za-z]+ /' } },
    services: { type: 'object', additionalProperties: { type: 'string', minLength: 1 } },
  },
} as const;

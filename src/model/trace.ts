/**
 * The trace vocabulary: a small span model normalised from OTLP, the observations the trace
 * backend (Jaeger) answers and the requests the trace checks make. Plain JSON data, so
 * observations can be recorded and replayed like every other backend's.
 */

export type SpanKind = 'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer';
export type SpanStatus = 'unset' | 'ok' | 'error';
export type AttrValue = string | number | boolean;

export interface Span {
  traceId: string;
  spanId: string;
  /** Absent for a root span. */
  parentSpanId?: string;
  /** The resource's `service.name`, as the telemetry spells it. */
  service: string;
  name: string;
  kind: SpanKind;
  status: SpanStatus;
  statusMessage?: string;
  attributes: Record<string, AttrValue>;
  /** Unix milliseconds (fractional). */
  start: number;
  end: number;
}

/** One looked-up trace: found with its spans, or missing when the settle deadline passed. */
export interface TraceRecord {
  traceId: string;
  state: 'found' | 'missing';
  spans: Span[];
  /** How many times the trace was fetched. */
  polls: number;
}

export interface TracesObs {
  kind: 'traces';
  /** The trace store's query base URL (for UI links). */
  from: string;
  traces: TraceRecord[];
  /**
   * When some looked-up trace stayed missing: traces of the probe's service the store began
   * at or after the probe's start (searched once polling ended), telling lost from lagging.
   */
  after?: Array<{ traceId: string; spans: number; start: number }>;
}

export interface TraceServicesObs {
  kind: 'trace-services';
  from: string;
  services: string[];
}

/** Traces found by searching (service + time range), not by ID. */
export interface TraceSearchObs {
  kind: 'trace-search';
  from: string;
  service: string;
  /** `start`: the trace's earliest span start, unix ms. */
  traces: Array<{ traceId: string; spans: number; start: number }>;
}

/** The operation (span) names the store holds for a service (`/api/v3/operations`). */
export interface TraceOperationsObs {
  kind: 'trace-operations';
  from: string;
  service: string;
  operations: string[];
}

/** A find-traces search (service, optionally operation, time range) with the traces' spans. */
export interface TraceFindObs {
  kind: 'trace-find';
  from: string;
  service: string;
  operation?: string;
  /** How many traces were asked for at most (the store returns the newest). */
  limit: number;
  spans: Span[];
}

export type TraceObservation = TracesObs | TraceServicesObs | TraceSearchObs | TraceOperationsObs | TraceFindObs;

/** A trace to look up and the services it must hold before it counts as complete. */
export interface TraceWant {
  id: string;
  services: string[];
}

/** A search for the entry service's traces begun after the newest sample (see TracesObs.after). */
export interface TraceProbe {
  service: string;
  start: number;
  end: number;
}

export type TraceRequest =
  | { key: string; backend: 'traces'; op: 'get'; traces: TraceWant[]; probe?: TraceProbe }
  | { key: string; backend: 'traces'; op: 'services' }
  | { key: string; backend: 'traces'; op: 'search'; service: string; start: number; end: number; limit: number }
  | { key: string; backend: 'traces'; op: 'operations'; service: string }
  | {
      key: string;
      backend: 'traces';
      op: 'find';
      service: string;
      operation?: string;
      start: number;
      end: number;
      limit: number;
    };

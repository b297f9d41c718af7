import { openTransport, type Endpoint } from './http.ts';
import { redactUrl } from '../util/redact.ts';
import { HarnessError } from '../util/errors.ts';
import { asObservation, type Backend } from './backend.ts';
import { delay } from '../util/wait.ts';
import { spansFromOtlp, traceIdsFromOtlp } from './otlp.ts';
import type {
  Span,
  TraceObservation,
  TraceProbe,
  TraceRecord,
  TraceRequest,
  TraceFindObs,
  TraceOperationsObs,
  TraceSearchObs,
  TraceServicesObs,
  TracesObs,
  TraceWant,
} from '../model/trace.ts';

/**
 * The trace backend: Jaeger's api_v3 HTTP API (stable for tools; the `/api/*` v1 JSON is the
 * UI's and may change). Parameter names are the snake_case ones Jaeger 1.76 (v2.13) reads and
 * later releases keep as aliases (cmd/query/app/apiv3/http_gateway.go).
 */
export interface JaegerConfig extends Endpoint {
  /** How long to wait for traces to arrive and settle (ms, default 30 s). */
  settleMs?: number;
  /** Traces fetched at once (default 8). */
  concurrency?: number;
  /** First pause between polls (ms, default 250; doubles up to 2 s). */
  pollMs?: number;
  /**
   * A trace whose newest span ended this long ago (ms, default 5 s) counts as complete after
   * one poll when its expected services are present: the services export within ~1 s.
   */
  quietMs?: number;
}

export interface TraceSource {
  readonly url: string;
  fetch(req: TraceRequest): Promise<TraceObservation | HarnessError>;
  getTraces(wants: TraceWant[], probe?: TraceProbe): Promise<TracesObs | HarnessError>;
  services(): Promise<TraceServicesObs | HarnessError>;
  search(service: string, startS: number, endS: number, limit: number): Promise<TraceSearchObs | HarnessError>;
  operations(service: string): Promise<TraceOperationsObs | HarnessError>;
  find(q: FindQuery): Promise<TraceFindObs | HarnessError>;
}

/** A find-traces search: the service's traces begun in [start, end] (unix s), newest `limit`. */
export interface FindQuery {
  service: string;
  operation?: string;
  start: number;
  end: number;
  limit: number;
}

/** Jaeger answers 404 for a trace it does not hold (yet), and for a search that found none. */
export function isNotFound(e: HarnessError): boolean {
  return e.code === 'SOURCE_HTTP' && /\bHTTP 404\b/.test(e.message);
}

/** Complete: every expected service present, and the span count stable or the trace quiet. */
export function isComplete(spans: Span[], want: TraceWant, previous: number | undefined, quietBefore: number): boolean {
  const have = new Set(spans.map((s) => s.service));
  if (!want.services.every((s) => have.has(s))) return false;
  if (previous === spans.length) return true;
  const newest = Math.max(...spans.map((s) => s.end));
  return newest < quietBefore;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export function jaegerSource(
  cfg: JaegerConfig,
  env: NodeJS.ProcessEnv = process.env,
  now: () => number = Date.now,
): TraceSource | HarnessError {
  const t = openTransport('jaeger', cfg, env);
  if (t instanceof HarnessError) return t;
  const base = redactUrl(cfg.url.replace(/\/+$/, ''));
  // The transport retries transient failures; paths are relative to the base URL.
  const get = (path: string) => t.getJson(path.replace(/^\//, ''));

  /** One fetch of one trace: its spans, `undefined` for "not (yet) there", or the error. */
  const fetchTrace = async (id: string): Promise<Span[] | undefined | HarnessError> => {
    const r = await get(`/api/v3/traces/${encodeURIComponent(id)}`);
    if (r instanceof HarnessError) return isNotFound(r) ? undefined : r;
    return spansFromOtlp(r);
  };

  const getTraces = async (wants: TraceWant[], probe?: TraceProbe): Promise<TracesObs | HarnessError> => {
    const deadline = now() + (cfg.settleMs ?? 30_000);
    const quietMs = cfg.quietMs ?? 5_000;
    const state = new Map<string, { want: TraceWant; spans?: Span[]; polls: number; done: boolean }>();
    for (const w of wants) if (!state.has(w.id)) state.set(w.id, { want: w, polls: 0, done: false });
    let pause = cfg.pollMs ?? 250;
    for (;;) {
      const pending = [...state.values()].filter((s) => !s.done);
      if (pending.length === 0) break;
      const results = await mapLimit(pending, cfg.concurrency ?? 8, async (s) => {
        const r = await fetchTrace(s.want.id);
        s.polls++;
        if (r instanceof HarnessError) return r;
        if (r === undefined) return undefined;
        const previous = s.spans?.length;
        s.spans = r;
        s.done = isComplete(r, s.want, previous, now() - quietMs);
        return undefined;
      });
      const err = results.find((r) => r instanceof HarnessError);
      if (err) return err;
      if (now() + pause > deadline) break;
      await delay(pause);
      pause = Math.min(pause * 2, 2_000);
    }
    const traces: TraceRecord[] = [...state.values()].map((s) => ({
      traceId: s.want.id,
      state: s.spans ? 'found' : 'missing',
      spans: s.spans ?? [],
      polls: s.polls,
    }));
    const out: TracesObs = { kind: 'traces', from: base, traces };
    if (probe && traces.some((t) => t.state === 'missing')) {
      // Searched after polling: by then the store has had the whole settle time to ingest.
      const s = await search(probe.service, probe.start, probe.end, 5);
      if (s instanceof HarnessError) return s;
      out.after = s.traces;
    }
    return out;
  };

  const services = async (): Promise<TraceServicesObs | HarnessError> => {
    const r = await get('/api/v3/services');
    if (r instanceof HarnessError) return r;
    const list = (r as { services?: unknown }).services;
    return { kind: 'trace-services', from: base, services: Array.isArray(list) ? list.map(String) : [] };
  };

  /** The find-traces answer as OTLP; `undefined` when Jaeger found none (its 404). */
  const findRaw = async (f: FindQuery): Promise<unknown> => {
    const q = new URLSearchParams({
      'query.service_name': f.service,
      ...(f.operation !== undefined ? { 'query.operation_name': f.operation } : {}),
      'query.start_time_min': new Date(f.start * 1000).toISOString(),
      'query.start_time_max': new Date(f.end * 1000).toISOString(),
      'query.num_traces': String(f.limit),
    });
    const r = await get(`/api/v3/traces?${q.toString()}`);
    return r instanceof HarnessError && isNotFound(r) ? undefined : r;
  };

  const search = async (
    service: string,
    startS: number,
    endS: number,
    limit: number,
  ): Promise<TraceSearchObs | HarnessError> => {
    const r = await findRaw({ service, start: startS, end: endS, limit });
    if (r instanceof HarnessError) return r;
    return { kind: 'trace-search', from: base, service, traces: r === undefined ? [] : traceIdsFromOtlp(r) };
  };

  const find = async (f: FindQuery): Promise<TraceFindObs | HarnessError> => {
    const r = await findRaw(f);
    if (r instanceof HarnessError) return r;
    const spans = r === undefined ? [] : spansFromOtlp(r);
    return {
      kind: 'trace-find',
      from: base,
      service: f.service,
      ...(f.operation !== undefined ? { operation: f.operation } : {}),
      limit: f.limit,
      spans,
    };
  };

  const operations = async (service: string): Promise<TraceOperationsObs | HarnessError> => {
    const r = await get(`/api/v3/operations?${new URLSearchParams({ service }).toString()}`);
    if (r instanceof HarnessError) return r;
    const list = (r as { operations?: Array<{ name?: unknown }> }).operations;
    const names = Array.isArray(list) ? list.map((o) => String(o.name ?? '')).filter((n) => n !== '') : [];
    return { kind: 'trace-operations', from: base, service, operations: [...new Set(names)].sort() };
  };

  return {
    url: base,
    getTraces,
    services,
    search,
    operations,
    find,
    fetch: (req) => {
      switch (req.op) {
        case 'get':
          return getTraces(req.traces, req.probe);
        case 'services':
          return services();
        case 'search':
          return search(req.service, req.start, req.end, req.limit);
        case 'operations':
          return operations(req.service);
        case 'find':
          return find(req);
      }
    },
  };
}

/** The `traces` backend over a Jaeger source: its answers (or errors) as observations. */
export function jaegerBackend(source: TraceSource): Backend<TraceRequest> {
  return { name: 'traces', fetch: async (req) => asObservation('traces', await source.fetch(req)) };
}

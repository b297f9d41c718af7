import type { ExecutionOutcome, Ledger, Phase, RouteStats, StatusClass, TraceSample } from '../model/ledger.ts';
import { LatencyAccumulator } from './latency.ts';
import { KeyedReservoir } from './sampler.ts';
import { redactUrl } from '../util/redact.ts';

/**
 * Names the scenarios use to talk to the ledger (see scenarios/lib/metrics.ts); kept in one
 * place so producer (k6 script) and consumer (this file) cannot drift apart silently.
 */
export const METRIC = {
  httpDuration: 'http_req_duration',
  executionCreated: 'ifc_execution_created',
  executionDuration: 'ifc_execution_duration',
  droppedIterations: 'dropped_iterations',
} as const;

const INTERESTING = new Set<string>(Object.values(METRIC));
const EXECUTION_OUTCOMES = new Set<string>(['completed', 'failed', 'cancelled', 'timeout', 'error', 'unknown']);

export interface LedgerMeta {
  runId: string;
  profile: string;
  apiBaseUrl: string;
}

export interface LedgerLimits {
  /** Trace IDs kept per route+outcome. */
  samplesPerKey: number;
  /** Distinct routes tracked; anything beyond is counted under "(other)". */
  maxRoutes: number;
  /** Distinct status codes per route. */
  maxStatuses: number;
  seed: number;
}

const DEFAULT_LIMITS: LedgerLimits = { samplesPerKey: 20, maxRoutes: 100, maxStatuses: 40, seed: 42 };

/** What the progress reporter reads while the run goes on. */
export interface LiveStats {
  points: number;
  requests: number;
  errors: number;
  executionsCreated: number;
  executionsDone: number;
  inFlight: number;
  /** The phase of the most recent request or execution point. */
  phase: string | undefined;
  malformedLines: number;
}

interface RouteAcc {
  total: number;
  byStatusClass: Partial<Record<StatusClass, number>>;
  byStatus: Record<string, number>;
  latency: LatencyAccumulator;
}

interface PointData {
  time?: unknown;
  value?: unknown;
  tags?: Record<string, string> | null;
  metadata?: Record<string, string> | null;
}

export function statusClass(status: number): StatusClass {
  if (!Number.isFinite(status) || status < 100 || status > 599) return 'network_error';
  return `${Math.floor(status / 100)}xx` as StatusClass;
}

function bump<K extends string>(rec: Partial<Record<K, number>>, key: K, by = 1): void {
  rec[key] = (rec[key] ?? 0) + by;
}

const OTHER_ROUTE = '(other)';

/**
 * Builds the ground-truth ledger from k6's NDJSON output, one line at a time, in bounded
 * memory: nothing per request is kept except inside fixed-size histograms and reservoirs.
 */
export class LedgerBuilder {
  private readonly limits: LedgerLimits;
  private readonly routes = new Map<string, RouteAcc>();
  private readonly all = new LatencyAccumulator();
  private readonly allByClass: Partial<Record<StatusClass, number>> = {};
  private readonly execDuration = new LatencyAccumulator();
  private readonly execByOutcome: Partial<Record<ExecutionOutcome, number>> = {};
  private readonly samples: KeyedReservoir<TraceSample>;
  private readonly phases = new Map<string, { start: number; end: number }>();
  private firstSent = Number.POSITIVE_INFINITY;
  private lastReceived = Number.NEGATIVE_INFINITY;
  private executionsCreated = 0;
  private executionsDone = 0;
  private inFlight = 0;
  private maxInFlight = 0;
  private dropped = 0;
  private points = 0;
  private requests = 0;
  private errors = 0;
  private malformed = 0;
  private currentPhase: string | undefined;

  constructor(
    private readonly meta: LedgerMeta,
    limits: Partial<LedgerLimits> = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    this.samples = new KeyedReservoir<TraceSample>(
      this.limits.samplesPerKey,
      this.limits.maxRoutes * 8,
      this.limits.seed,
    );
  }

  /**
   * One NDJSON line from `k6 --out json`. Lines that are not points of a metric the ledger
   * uses are counted and dropped before JSON.parse: k6 emits ~10 points per request and
   * parsing is the expensive part.
   */
  ingestLine(line: string): void {
    if (line.length === 0 || line.charCodeAt(0) !== 123 /* { */) return;
    // k6 writes points as {"metric":"<name>","type":"Point",...}; metric declarations start
    // with {"type":"Metric" and are not points.
    if (!line.startsWith('{"metric":"')) {
      if (!line.startsWith('{"type":"Metric"')) this.ingestParsed(line);
      return;
    }
    this.points++;
    const end = line.indexOf('"', 11);
    const name = end > 0 ? line.slice(11, end) : '';
    if (!INTERESTING.has(name)) return;
    this.ingestParsed(line, true);
  }

  private ingestParsed(line: string, counted = false): void {
    let obj: { type?: unknown; metric?: unknown; data?: unknown };
    try {
      obj = JSON.parse(line) as typeof obj;
    } catch {
      this.malformed++;
      return;
    }
    if (obj.type !== 'Point' || typeof obj.metric !== 'string' || typeof obj.data !== 'object' || !obj.data) return;
    if (!counted) this.points++;
    this.ingestPoint(obj.metric, obj.data as PointData);
  }

  /** A parsed point; public so tests and benches can feed points without serialising. */
  ingestPoint(metric: string, data: PointData): void {
    switch (metric) {
      case METRIC.httpDuration:
        return this.onRequest(data);
      case METRIC.executionCreated:
        return this.onExecutionCreated(data);
      case METRIC.executionDuration:
        return this.onExecutionDone(data);
      case METRIC.droppedIterations:
        this.dropped += typeof data.value === 'number' ? data.value : 0;
        return;
      default:
        return;
    }
  }

  private onRequest(data: PointData): void {
    const tags = data.tags ?? {};
    const ms = typeof data.value === 'number' ? data.value : Number.NaN;
    const end = typeof data.time === 'string' ? Date.parse(data.time) : Number.NaN;
    if (!Number.isFinite(ms) || !Number.isFinite(end)) {
      this.malformed++;
      return;
    }
    // k6 stamps HTTP samples with the time the response ended; the request was sent
    // `duration` earlier (blocked/connecting time is not part of http_req_duration, so this is
    // when the first byte left, which is what the server sees too).
    const start = end - ms;
    this.requests++;
    const status = Number(tags.status ?? '0');
    const cls = statusClass(status);
    if (cls !== '2xx' && cls !== '3xx') this.errors++;
    bump(this.allByClass, cls);
    this.all.recordSeconds(ms / 1000);

    const route = this.routeAcc(tags.route ?? tags.name ?? `${tags.method ?? '?'} ${tags.url ?? '?'}`);
    route.acc.total++;
    bump(route.acc.byStatusClass, cls);
    const statusKey = String(Number.isFinite(status) ? status : 0);
    if (statusKey in route.acc.byStatus || Object.keys(route.acc.byStatus).length < this.limits.maxStatuses) {
      route.acc.byStatus[statusKey] = (route.acc.byStatus[statusKey] ?? 0) + 1;
    } else {
      route.acc.byStatus.other = (route.acc.byStatus.other ?? 0) + 1;
    }
    route.acc.latency.recordSeconds(ms / 1000);

    this.widen(start, end, tags.phase);
    const traceId = data.metadata?.trace_id;
    if (traceId) {
      const outcome = cls === '2xx' || cls === '3xx' ? 'ok' : 'error';
      const executionId = data.metadata?.execution_id;
      const spanId = data.metadata?.span_id;
      this.samples.offer(`${route.name}|${outcome}`, () => ({
        traceId,
        ...(spanId ? { spanId } : {}),
        route: route.name,
        status,
        outcome,
        time: new Date(start).toISOString(),
        ...(executionId ? { executionId } : {}),
      }));
    }
  }

  private onExecutionCreated(data: PointData): void {
    const n = typeof data.value === 'number' ? data.value : 1;
    this.executionsCreated += n;
    this.inFlight += n;
    if (this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight;
    const t = typeof data.time === 'string' ? Date.parse(data.time) : Number.NaN;
    if (Number.isFinite(t)) this.widen(t, t, data.tags?.phase);
  }

  private onExecutionDone(data: PointData): void {
    const tags = data.tags ?? {};
    const raw = tags.outcome ?? 'error';
    const outcome = (EXECUTION_OUTCOMES.has(raw) ? raw : 'error') as ExecutionOutcome;
    bump(this.execByOutcome, outcome);
    this.executionsDone++;
    // Points arrive in the order k6 flushes them, which is close to but not exactly time
    // order; the in-flight count is therefore a running balance, floored at zero.
    this.inFlight = Math.max(0, this.inFlight - 1);
    const ms = typeof data.value === 'number' ? data.value : Number.NaN;
    if (Number.isFinite(ms)) this.execDuration.recordSeconds(ms / 1000);
    const end = typeof data.time === 'string' ? Date.parse(data.time) : Number.NaN;
    if (Number.isFinite(end)) this.widen(end, end, tags.phase);
    const traceId = data.metadata?.trace_id;
    if (traceId && Number.isFinite(end) && Number.isFinite(ms)) {
      const status = Number(tags.create_status ?? '0');
      const executionId = data.metadata?.execution_id;
      const spanId = data.metadata?.span_id;
      this.samples.offer(`execution|${outcome}`, () => ({
        traceId,
        ...(spanId ? { spanId } : {}),
        route: 'POST /v1/executions/',
        status,
        outcome,
        time: new Date(end - ms).toISOString(),
        ...(executionId ? { executionId } : {}),
      }));
    }
  }

  private routeAcc(name: string): { name: string; acc: RouteAcc } {
    let acc = this.routes.get(name);
    if (!acc) {
      if (this.routes.size >= this.limits.maxRoutes) name = OTHER_ROUTE;
      acc = this.routes.get(name);
      if (!acc) {
        acc = { total: 0, byStatusClass: {}, byStatus: {}, latency: new LatencyAccumulator() };
        this.routes.set(name, acc);
      }
    }
    return { name, acc };
  }

  private widen(start: number, end: number, phase: string | undefined): void {
    if (start < this.firstSent) this.firstSent = start;
    if (end > this.lastReceived) this.lastReceived = end;
    if (!phase) return;
    this.currentPhase = phase;
    const p = this.phases.get(phase);
    if (!p) this.phases.set(phase, { start, end });
    else {
      if (start < p.start) p.start = start;
      if (end > p.end) p.end = end;
    }
  }

  live(): LiveStats {
    return {
      points: this.points,
      requests: this.requests,
      errors: this.errors,
      executionsCreated: this.executionsCreated,
      executionsDone: this.executionsDone,
      inFlight: this.inFlight,
      phase: this.currentPhase,
      malformedLines: this.malformed,
    };
  }

  /**
   * The ledger as it stands. Can be called more than once (e.g. a partial ledger on abort);
   * `fallbackWindow` is used when no request was observed at all.
   */
  finish(opts: { aborted: boolean; exitCode: number | null; fallbackWindow?: { start: Date; end: Date } }): Ledger {
    const haveTraffic = Number.isFinite(this.firstSent);
    const fallback = opts.fallbackWindow ?? { start: new Date(), end: new Date() };
    const phases: Phase[] = [...this.phases.entries()]
      .map(([name, w]) => ({ name, start: new Date(w.start).toISOString(), end: new Date(w.end).toISOString() }))
      .sort((a, b) => a.start.localeCompare(b.start) || a.name.localeCompare(b.name));
    const byRoute: RouteStats[] = [...this.routes.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([route, r]) => ({
        route,
        total: r.total,
        byStatusClass: { ...r.byStatusClass },
        byStatus: { ...r.byStatus },
        latency: r.latency.summary(),
      }));
    return {
      schemaVersion: 1,
      runId: this.meta.runId,
      profile: this.meta.profile,
      apiBaseUrl: redactUrl(this.meta.apiBaseUrl),
      window: haveTraffic
        ? { start: new Date(this.firstSent).toISOString(), end: new Date(this.lastReceived).toISOString() }
        : { start: fallback.start.toISOString(), end: fallback.end.toISOString() },
      phases,
      aborted: opts.aborted,
      requests: {
        total: this.requests,
        byStatusClass: { ...this.allByClass },
        latency: this.all.summary(),
        byRoute,
      },
      executions: {
        created: this.executionsCreated,
        byOutcome: { ...this.execByOutcome },
        duration: this.execDuration.summary(),
        maxInFlight: this.maxInFlight,
      },
      traceSamples: this.samples.values(),
      k6: { exitCode: opts.exitCode, points: this.points, droppedIterations: this.dropped },
    };
  }
}

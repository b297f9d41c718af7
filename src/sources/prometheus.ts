import { PrometheusDriver, type PrometheusConnectionOptions, type QueryResult } from 'prometheus-query';
import { HarnessError } from '../util/errors.ts';
import { redactUrl } from '../util/redact.ts';
import type {
  AlertmanagersObs,
  AlertsObs,
  ExemplarsObs,
  FlagsObs,
  Labels,
  MatrixObs,
  Observation,
  RulesObs,
  TargetsObs,
  VectorObs,
} from '../model/observation.ts';
import type { PrometheusRequest } from '../model/request.ts';
import { asObservation, type Backend } from './backend.ts';
import { openTransport, parseJsonAnswer, withRetry, type Endpoint, type Transport } from './http.ts';

/** The metrics/alert-rule source: one small interface, so tests and other backends can swap it. */
export interface PrometheusSource {
  range(query: string, start: number, end: number, step: number): Promise<MatrixObs | HarnessError>;
  instant(query: string, time: number): Promise<VectorObs | HarnessError>;
  series(match: string, start: number, end: number): Promise<Labels[] | HarnessError>;
  flags(): Promise<FlagsObs | HarnessError>;
  rules(): Promise<RulesObs | HarnessError>;
  targets(): Promise<TargetsObs | HarnessError>;
  alerts(): Promise<AlertsObs | HarnessError>;
  alertmanagers(): Promise<AlertmanagersObs | HarnessError>;
  exemplars(query: string, start: number, end: number): Promise<ExemplarsObs | HarnessError>;
  /** When every active target of `job` was last scraped (unix s, the oldest of them); undefined before the first. */
  lastScrape(job: string): Promise<number | undefined | HarnessError>;
}

/** prometheus-query rejects with plain objects, not Errors; this names them. */
interface DriverFailure {
  errorType?: string;
  error?: string;
  httpStatus?: number;
  /** What our adapter rejected with: the transport's own error, kept whole. */
  original?: unknown;
}

function toHarnessError(what: string, err: unknown, url: string): HarnessError {
  if (err instanceof HarnessError) return err;
  const f = (typeof err === 'object' && err !== null ? err : {}) as DriverFailure;
  if (f.original instanceof HarnessError) return f.original;
  const message = f.error ?? (err instanceof Error ? err.message : String(err));
  const code =
    f.errorType === 'timeout_error'
      ? 'SOURCE_TIMEOUT'
      : f.errorType === 'network_error'
        ? 'SOURCE_UNREACHABLE'
        : f.httpStatus !== undefined && f.httpStatus >= 500
          ? 'SOURCE_HTTP_5XX'
          : f.httpStatus === 400 || f.httpStatus === 422
            ? 'SOURCE_BAD_QUERY'
            : 'SOURCE_HTTP';
  return new HarnessError(code, `prometheus ${what}: ${message}`, {
    where: url,
    hint: code === 'SOURCE_UNREACHABLE' ? `is Prometheus running at ${url}?` : undefined,
  });
}

type AxiosConfig = Parameters<NonNullable<PrometheusConnectionOptions['requestInterceptor']>['onFulfilled']>[0];

/**
 * Routes every prometheus-query request through our transport: our headers (which the driver
 * never sees), our timeout, no redirects. axios' own HTTP adapter would follow a redirect to
 * another host with the headers attached; this adapter never calls it.
 */
function viaTransport(t: Transport) {
  return (config: AxiosConfig): AxiosConfig => {
    config.maxRedirects = 0;
    config.adapter = async (c: AxiosConfig) => {
      const params = c.params instanceof URLSearchParams ? c.params.toString() : '';
      const path = `api/v1/${String(c.url ?? '')}${params ? `?${params}` : ''}`;
      const method = (c.method ?? 'get').toUpperCase();
      const body = method === 'POST' && typeof c.data === 'string' ? c.data : undefined;
      const a = await t.send({
        method,
        path,
        ...(body !== undefined ? { body, headers: { 'content-type': 'application/x-www-form-urlencoded' } } : {}),
      });
      if (a instanceof HarnessError) throw a;
      const data = parseJsonAnswer('prometheus', a, `${t.baseUrl}/${path}`);
      if (data instanceof HarnessError) throw data;
      return { data, status: a.status, statusText: String(a.status), headers: {}, config: c, request: {} };
    };
    return config;
  };
}

/**
 * Prometheus writes infinities as "+Inf"/"-Inf", which prometheus-query's parseFloat turns
 * into NaN — and a P95 in the +Inf bucket must stay +Inf, not look like "no data".
 */
function fixInfinities(data: unknown): void {
  const result = (data as { data?: { result?: unknown } } | undefined)?.data?.result;
  if (!Array.isArray(result)) return;
  const fix = (pair: unknown) => {
    if (Array.isArray(pair) && typeof pair[1] === 'string')
      pair[1] = pair[1].replace(/^\+?Inf$/, 'Infinity').replace(/^-Inf$/, '-Infinity');
  };
  for (const r of result as Array<{ value?: unknown; values?: unknown[] }>) {
    fix(r.value);
    for (const v of r.values ?? []) fix(v);
  }
}

const labelsOf = (m: { name?: string; labels?: object } | null | undefined): Labels => {
  const out: Labels = {};
  if (m?.name) out.__name__ = m.name;
  for (const [k, v] of Object.entries(m?.labels ?? {})) out[k] = String(v);
  return out;
};

export function prometheusSource(ep: Endpoint, env: NodeJS.ProcessEnv = process.env): PrometheusSource | HarnessError {
  const t = openTransport('prometheus', ep, env);
  if (t instanceof HarnessError) return t;
  const url = redactUrl(t.baseUrl);
  const driver = new PrometheusDriver({
    endpoint: t.baseUrl,
    baseURL: '/api/v1/',
    // The transport enforces the timeout; the driver's is a backstop a little later.
    timeout: (ep.timeoutMs ?? 10_000) + 1000,
    requestInterceptor: { onFulfilled: viaTransport(t) },
    responseInterceptor: {
      onFulfilled: (res) => {
        fixInfinities(res.data);
        return res;
      },
    },
  });
  const call = <T>(what: string, fn: () => Promise<T>) =>
    withRetry<T>(async () => {
      try {
        return await fn();
      } catch (err) {
        return toHarnessError(what, err, url);
      }
    }, ep);
  const asMatrix = (r: QueryResult): MatrixObs => ({
    kind: 'matrix',
    series: r.result.map(
      (s: { metric: { name?: string; labels?: object } | null; values: Array<{ time: Date; value: number }> }) => ({
        labels: labelsOf(s.metric),
        values: s.values.map((v) => [v.time.getTime() / 1000, v.value] as [number, number]),
      }),
    ),
  });
  const asVector = (r: QueryResult): VectorObs => {
    if (r.resultType === 'scalar') {
      // A scalar arrives as one [time, value] pair; prometheus-query leaves it raw.
      const pair = r.result as unknown as [number, string];
      return {
        kind: 'vector',
        samples: [
          { labels: {}, value: Number(String(pair[1]).replace(/^\+?Inf$/, 'Infinity')), time: Number(pair[0]) },
        ],
      };
    }
    return {
      kind: 'vector',
      samples: r.result.map(
        (s: { metric: { name?: string; labels?: object } | null; value: { time: Date; value: number } }) => ({
          labels: labelsOf(s.metric),
          value: s.value.value,
          time: s.value.time.getTime() / 1000,
        }),
      ),
    };
  };
  const raw = (path: string) =>
    t.getJson(`api/v1/${path}`).then((r) => {
      if (r instanceof HarnessError) return r;
      const body = r as { status?: string; data?: unknown; error?: string };
      return body.status === 'success'
        ? body.data
        : new HarnessError('SOURCE_HTTP', `prometheus ${path}: ${body.error ?? 'unexpected answer'}`);
    });

  return {
    range: async (query, start, end, step) => {
      const r = await call('range query', () => driver.rangeQuery(query, start * 1000, end * 1000, step));
      return r instanceof HarnessError ? r : asMatrix(r);
    },
    instant: async (query, time) => {
      const r = await call('instant query', () => driver.instantQuery(query, time * 1000));
      return r instanceof HarnessError ? r : asVector(r);
    },
    series: async (match, start, end) => {
      const r = await call('series', () => driver.series(match, start * 1000, end * 1000));
      return r instanceof HarnessError ? r : r.map((m) => labelsOf(m));
    },
    flags: async () => {
      const r = await call('flags', () => driver.statusFlags() as Promise<Record<string, string>>);
      return r instanceof HarnessError ? r : { kind: 'flags', flags: r };
    },
    rules: async () => {
      // Read raw: the driver's Rule drops nothing we need, but the raw shape is what we record.
      const r = await raw('rules?type=alert');
      if (r instanceof HarnessError) return r;
      const groups = ((r as { groups?: unknown[] }).groups ?? []) as Array<{
        name: string;
        file: string;
        rules: Array<Record<string, unknown>>;
      }>;
      return {
        kind: 'rules',
        groups: groups.map((g) => ({
          name: g.name,
          file: g.file,
          rules: g.rules.map((x) => ({
            type: String(x.type ?? ''),
            name: String(x.name ?? ''),
            query: String(x.query ?? ''),
            durationSeconds: Number(x.duration ?? 0),
            labels: (x.labels ?? {}) as Record<string, string>,
            annotations: (x.annotations ?? {}) as Record<string, string>,
            health: String(x.health ?? ''),
          })),
        })),
      };
    },
    targets: async () => {
      const r = await raw('targets?state=active');
      if (r instanceof HarnessError) return r;
      const active = ((r as { activeTargets?: unknown[] }).activeTargets ?? []) as Array<{
        labels: Labels;
        health: string;
        lastScrape: string;
        lastError: string;
        scrapePool: string;
      }>;
      return {
        kind: 'targets',
        targets: active.map((t) => ({
          job: t.labels.job ?? t.scrapePool,
          instance: t.labels.instance ?? '',
          health: t.health,
          lastScrape: t.lastScrape,
          lastError: t.lastError,
        })),
      };
    },
    alerts: async () => {
      const r = await raw('alerts');
      if (r instanceof HarnessError) return r;
      const alerts = ((r as { alerts?: unknown[] }).alerts ?? []) as Array<{
        labels: Labels;
        state: string;
        activeAt?: string;
      }>;
      return {
        kind: 'alerts',
        alerts: alerts.map((a) => ({ labels: a.labels, state: a.state, activeAt: a.activeAt })),
      };
    },
    alertmanagers: async () => {
      const r = await raw('alertmanagers');
      if (r instanceof HarnessError) return r;
      const d = r as { activeAlertmanagers?: Array<{ url: string }>; droppedAlertmanagers?: Array<{ url: string }> };
      return {
        kind: 'alertmanagers',
        active: (d.activeAlertmanagers ?? []).map((a) => a.url),
        dropped: (d.droppedAlertmanagers ?? []).map((a) => a.url),
      };
    },
    exemplars: async (query, start, end) => {
      // prometheus-query has no exemplar call; same endpoint, headers and retries.
      const p = new URLSearchParams({ query, start: String(start), end: String(end) });
      const r = await raw(`query_exemplars?${p.toString()}`);
      if (r instanceof HarnessError) return r;
      const list = (r ?? []) as Array<{
        seriesLabels: Labels;
        exemplars: Array<{ labels: Labels; value: string; timestamp: number }>;
      }>;
      return {
        kind: 'exemplars',
        series: list.map((s) => ({
          labels: s.seriesLabels,
          exemplars: s.exemplars.map((e) => ({ labels: e.labels, value: Number(e.value), timestamp: e.timestamp })),
        })),
      };
    },
    lastScrape: async (job) => {
      // From the active targets, not `timestamp(up{job})`: a target of an earlier process
      // (another port after a restart, under a restarted Prometheus that wrote no stale
      // marker) keeps its `up` series in the 5-minute lookback, and its old timestamp would
      // read as "not scraped since" for as long.
      const r = await raw('targets?state=active');
      if (r instanceof HarnessError) return r;
      const active = ((r as { activeTargets?: unknown[] }).activeTargets ?? []) as Array<{
        labels: Labels;
        scrapePool: string;
        lastScrape: string;
      }>;
      const stamps = active
        .filter((t) => (t.labels.job ?? t.scrapePool) === job)
        .map((t) => Date.parse(t.lastScrape) / 1000);
      // A target never scraped yet reports year 1: the job has not been scraped as a whole.
      if (stamps.length === 0 || stamps.some((t) => !(t > 0))) return undefined;
      return Math.min(...stamps);
    },
  };
}

/** Prometheus as the `metrics` backend: every Prometheus request a check can make. */
export interface PrometheusBackend extends Backend<PrometheusRequest> {
  readonly source: PrometheusSource;
}

export function prometheusBackend(source: PrometheusSource): PrometheusBackend {
  const obs = async (r: Promise<Observation | HarnessError>) => asObservation('prometheus', await r);
  return {
    name: 'prometheus',
    source,
    fetch(req) {
      switch (req.op) {
        case 'range':
          return obs(source.range(req.query, req.start, req.end, req.step));
        case 'instant':
          return obs(source.instant(req.query, req.time));
        case 'flags':
          return obs(source.flags());
        case 'rules':
          return obs(source.rules());
        case 'targets':
          return obs(source.targets());
        case 'alerts':
          return obs(source.alerts());
        case 'alertmanagers':
          return obs(source.alertmanagers());
        case 'exemplars':
          return obs(source.exemplars(req.query, req.start, req.end));
      }
    },
  };
}

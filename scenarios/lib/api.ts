import http, { type RefinedResponse, type RequestBody, type ResponseType } from 'k6/http';
import exec from 'k6/execution';
import { baseUrl, credentials, type Credentials } from './env.ts';
import { newTrace } from './trace.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface CallOptions {
  /** Extra metadata for the request's samples (e.g. execution_id). */
  metadata?: Record<string, string>;
  token?: string | undefined;
  json?: boolean;
  /** Extra headers, e.g. none for multipart (k6 sets the boundary). */
  headers?: Record<string, string>;
}

export interface CallResult {
  res: RefinedResponse<ResponseType>;
  traceId: string;
  /** The parent-id sent in the traceparent: the server span's expected parent (TP-1). */
  spanId: string;
}

/**
 * One API call: a route template for the `route` tag (and `name`, so k6 groups URLs with
 * IDs into one series), a fresh traceparent, the trace ID as sample metadata. The metadata
 * is removed after the call so later samples of this VU do not carry a stale trace ID.
 */
export function call(
  method: Method,
  route: string,
  path: string,
  body: RequestBody | null,
  opts: CallOptions = {},
): CallResult {
  const trace = newTrace();
  const headers: Record<string, string> = { traceparent: trace.traceparent, ...(opts.headers ?? {}) };
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  if (opts.json) headers['Content-Type'] = 'application/json';
  const meta = exec.vu.metrics.metadata;
  meta.trace_id = trace.traceId;
  meta.span_id = trace.spanId;
  for (const [k, v] of Object.entries(opts.metadata ?? {})) meta[k] = v;
  try {
    const res = http.request(method, `${baseUrl()}${path}`, body, {
      headers,
      tags: { route: `${method} ${route}`, name: `${method} ${route}` },
      timeout: '30s',
    });
    return { res, traceId: trace.traceId, spanId: trace.spanId };
  } finally {
    delete meta.trace_id;
    delete meta.span_id;
    for (const k of Object.keys(opts.metadata ?? {})) delete meta[k];
  }
}

export function jsonBody<T>(res: RefinedResponse<ResponseType>): T | undefined {
  try {
    return res.json() as unknown as T;
  } catch {
    return undefined;
  }
}

/** A token per VU, refreshed before it expires (tokens live 3600 s) or after a 401. */
let cached: { token: string; until: number } | undefined;

export function login(creds: Credentials = credentials()): string | undefined {
  const { res } = call('POST', '/v1/auth/login', '/v1/auth/login', JSON.stringify(creds), { json: true });
  const body = res.status === 200 ? jsonBody<{ access_token?: string; expires_in?: number }>(res) : undefined;
  if (!body?.access_token) return undefined;
  const ttl = (body.expires_in ?? 3600) * 1000;
  cached = { token: body.access_token, until: Date.now() + ttl * 0.8 };
  return body.access_token;
}

export function token(): string | undefined {
  if (cached && cached.until > Date.now()) return cached.token;
  return login();
}

export function forgetToken(): void {
  cached = undefined;
}

/** An authenticated call that re-logs in once on 401. */
export function authed(
  method: Method,
  route: string,
  path: string,
  body: RequestBody | null,
  opts: CallOptions = {},
): CallResult {
  let r = call(method, route, path, body, { ...opts, token: token() });
  if (r.res.status === 401) {
    forgetToken();
    r = call(method, route, path, body, { ...opts, token: token() });
  }
  return r;
}

/**
 * The pipeline the execution scenarios run: resize → ai_detection → filter, the design's
 * three processing components, so every step metric (DB-5) and the AI inference histogram
 * see traffic.
 */
export const HARNESS_PIPELINE = {
  name: 'slo-harness-pipeline',
  description: 'created by slo-harness for synthetic executions',
  components: [
    {
      name: 'resize',
      component_type: 'resize',
      parameters: { width: 64, height: 64, maintain_aspect_ratio: true },
      dependencies: [],
    },
    {
      name: 'detect',
      component_type: 'ai_detection',
      parameters: { model_name: 'yolo', confidence_threshold: 0.5, nms_threshold: 0.4, draw_boxes: false },
      dependencies: ['resize'],
    },
    {
      name: 'filter',
      component_type: 'filter',
      parameters: { filter_type: 'blur', intensity: 0.5 },
      dependencies: ['detect'],
    },
  ],
};

export function createPipeline(def: object = HARNESS_PIPELINE): string | undefined {
  const { res } = authed('POST', '/v1/pipelines/', '/v1/pipelines/', JSON.stringify(def), { json: true });
  if (res.status !== 200 && res.status !== 201) return undefined;
  return jsonBody<{ id?: string }>(res)?.id;
}

export function deletePipeline(id: string): void {
  authed('DELETE', '/v1/pipelines/{id}', `/v1/pipelines/${id}`, null);
}

/** The setup() data every scenario function receives. */
export interface SetupData {
  pipelineId: string;
}

/** Shared setup: one pipeline for the run's executions and reads; fails fast without it. */
export function harnessSetup(): SetupData {
  const pipelineId = createPipeline();
  if (!pipelineId) {
    exec.test.abort(
      `could not log in and create the harness pipeline at ${baseUrl()} (check BASE_URL and credentials)`,
    );
    throw new Error('unreachable');
  }
  return { pipelineId };
}

export function harnessTeardown(data: SetupData | undefined): void {
  if (data?.pipelineId) deletePipeline(data.pipelineId);
}

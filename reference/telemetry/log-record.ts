/**
 * The log record of monitoring design 9.2.1 (LOG-1), built as a pure function so its shape
 * is unit-tested. Every key of the design's example is always present; values the current
 * context does not know are `null` (never omitted), so a reader can tell "unknown" from
 * "dropped" (the drop_log_fields fault removes keys).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogResource {
  'service.name': string;
  'service.version': string;
  'deployment.environment': string;
  'k8s.namespace.name': string;
  'k8s.pod.name': string;
}

export interface LogContext {
  user_id?: string | null;
  execution_id?: string | null;
  pipeline_id?: string | null;
  input_files?: string[];
  parameters?: Record<string, unknown>;
  http?: { method?: string; url?: string; status_code?: number };
}

export interface LogRecord {
  timestamp: string;
  level: LogLevel;
  service: string;
  version: string;
  trace_id: string | null;
  span_id: string | null;
  user_id: string | null;
  execution_id: string | null;
  message: string;
  metadata: { pipeline_id: string | null; input_files: string[]; parameters: Record<string, unknown> };
  otel: {
    resource: LogResource;
    attributes: {
      'http.method': string | null;
      'http.url': string | null;
      'http.status_code': number | null;
      'user.id': string | null;
      'pipeline.id': string | null;
    };
  };
}

export interface RecordInput {
  now: Date;
  level: LogLevel;
  service: string;
  version: string;
  resource: LogResource;
  traceId: string | null;
  spanId: string | null;
  message: string;
  ctx: LogContext;
}

export function buildRecord(i: RecordInput): LogRecord {
  const userId = i.ctx.user_id ?? null;
  const pipelineId = i.ctx.pipeline_id ?? null;
  return {
    // toISOString is always millisecond precision with a `Z` suffix, as the design's example.
    timestamp: i.now.toISOString(),
    level: i.level,
    service: i.service,
    version: i.version,
    trace_id: i.traceId,
    span_id: i.spanId,
    user_id: userId,
    execution_id: i.ctx.execution_id ?? null,
    message: i.message,
    metadata: {
      pipeline_id: pipelineId,
      input_files: i.ctx.input_files ?? [],
      parameters: i.ctx.parameters ?? {},
    },
    otel: {
      resource: { ...i.resource },
      attributes: {
        'http.method': i.ctx.http?.method ?? null,
        'http.url': i.ctx.http?.url ?? null,
        'http.status_code': i.ctx.http?.status_code ?? null,
        'user.id': userId,
        'pipeline.id': pipelineId,
      },
    },
  };
}

/**
 * Removes a field by dotted path. Keys may themselves contain dots (`otel.attributes.http.method`
 * names the key `http.method` inside `otel.attributes`), so an exact key match wins before the
 * path is split.
 */
export function deletePath(obj: Record<string, unknown>, path: string): boolean {
  if (Object.hasOwn(obj, path)) {
    delete obj[path];
    return true;
  }
  for (const key of Object.keys(obj)) {
    const child = obj[key];
    if (path.startsWith(`${key}.`) && child !== null && typeof child === 'object' && !Array.isArray(child)) {
      if (deletePath(child as Record<string, unknown>, path.slice(key.length + 1))) return true;
    }
  }
  return false;
}

import { ServiceError } from '../shared/errors.ts';
import { SERVICES, type ServiceName } from '../config.ts';

/**
 * Faults are data. This is the documented JSON vocabulary (docs/reference-system.md, "Fault
 * injection"); another fault provider (a proxy, a chaos tool) can accept the same objects.
 */
export const FAULT_KINDS = [
  'http_error',
  'latency',
  'step_failure',
  'pipeline_crash',
  'break_propagation',
  'drop_log_fields',
  'metrics_outage',
  'metrics_lie',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const HOPS = ['client->backend-api', 'backend-api->workflows', 'workflows->processing'] as const;
export type Hop = (typeof HOPS)[number];

export const STEPS = ['resize', 'ai_detection', 'filter', 'enhancement'] as const;

/**
 * How lying telemetry lies (the ground-truth checks must catch each one):
 * - `code_as_200`: 5xx responses are recorded in the http metrics with `code="200"`;
 * - `duration_ms`: `http_request_duration_seconds` observes milliseconds;
 * - `skip_execution_count`: `pipeline_executions_total` is never incremented.
 */
export const METRICS_LIE_MODES = ['code_as_200', 'duration_ms', 'skip_execution_count'] as const;
export type MetricsLieMode = (typeof METRICS_LIE_MODES)[number];

export type LatencyDistribution =
  | { distribution: 'fixed'; ms: number }
  | { distribution: 'uniform'; min_ms: number; max_ms: number }
  | { distribution: 'exponential'; mean_ms: number };

export interface FaultSpec {
  kind: FaultKind;
  /** The service that applies the fault; derived for kinds that live in one place. */
  service: ServiceName;
  /** Lifetime in seconds; every fault expires by itself. */
  ttl_seconds: number;
  /** Probability a matching request/step is affected, 0..1 (default 1). */
  rate: number;
  /** http_error / latency: which requests (absent = every API route). */
  match?: { method?: string; route?: string };
  /** http_error: the status answered (default 500). */
  status_code?: number;
  /** latency: the added delay. */
  latency?: LatencyDistribution;
  /** step_failure / pipeline_crash: only this component (absent = any). */
  step?: string;
  /** break_propagation: the hop whose trace context is not passed on. */
  hop?: Hop;
  /** drop_log_fields: dotted paths removed from every log record (e.g. "trace_id", "otel.resource"). */
  fields?: string[];
  /** metrics_lie: which lie the backend's metrics tell. */
  mode?: MetricsLieMode;
  note?: string;
}

export interface Fault extends FaultSpec {
  id: string;
  created_at: string;
  expires_at: string;
}

/** Where a kind takes effect when it is not free to choose. */
function fixedService(kind: FaultKind, hop: Hop | undefined): ServiceName | undefined {
  if (kind === 'step_failure') return 'processing';
  if (kind === 'pipeline_crash') return 'workflows';
  if (kind === 'break_propagation') return hop === 'workflows->processing' ? 'workflows' : 'backend-api';
  // backend-api owns the API and pipeline metrics (no other service exports them).
  if (kind === 'metrics_lie') return 'backend-api';
  return undefined;
}

const MAX_TTL = 24 * 3600;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function parseLatency(v: unknown, problems: string[]): LatencyDistribution | undefined {
  if (!isObject(v)) {
    problems.push('latency must be an object {distribution, ...}');
    return undefined;
  }
  const num = (k: string) => {
    const n = v[k];
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || n > 600_000) {
      problems.push(`latency.${k} must be a number of milliseconds in 0..600000`);
      return 0;
    }
    return n;
  };
  switch (v.distribution) {
    case 'fixed':
      return { distribution: 'fixed', ms: num('ms') };
    case 'uniform': {
      const min = num('min_ms');
      const max = num('max_ms');
      if (max < min) problems.push('latency.max_ms must be >= latency.min_ms');
      return { distribution: 'uniform', min_ms: min, max_ms: max };
    }
    case 'exponential':
      return { distribution: 'exponential', mean_ms: num('mean_ms') };
    default:
      problems.push('latency.distribution must be fixed | uniform | exponential');
      return undefined;
  }
}

/** Validates one fault object from the admin API. All problems are reported at once. */
export function parseFaultSpec(input: unknown): FaultSpec | ServiceError {
  const problems: string[] = [];
  if (!isObject(input)) {
    return new ServiceError('FAULT_INVALID', 'a fault is a JSON object', { hint: 'see docs/reference-system.md' });
  }
  const kind = input.kind as FaultKind;
  if (!FAULT_KINDS.includes(kind)) problems.push(`kind must be one of ${FAULT_KINDS.join(', ')}`);
  const ttl = input.ttl_seconds;
  if (typeof ttl !== 'number' || !(ttl > 0) || ttl > MAX_TTL)
    problems.push(`ttl_seconds must be a number in (0, ${MAX_TTL}]`);
  const rate = input.rate === undefined ? 1 : input.rate;
  if (typeof rate !== 'number' || rate < 0 || rate > 1) problems.push('rate must be a number in 0..1');
  let hop: Hop | undefined;
  if (input.hop !== undefined || kind === 'break_propagation') {
    if (!HOPS.includes(input.hop as Hop)) problems.push(`hop must be one of ${HOPS.join(', ')}`);
    else hop = input.hop as Hop;
  }
  const fixed = FAULT_KINDS.includes(kind) ? fixedService(kind, hop) : undefined;
  let service = input.service as ServiceName | undefined;
  if (service !== undefined && !SERVICES.includes(service)) {
    problems.push(`service must be one of ${SERVICES.join(', ')}`);
  } else if (fixed && service && service !== fixed) {
    problems.push(`a ${kind} fault${hop ? ` on hop ${hop}` : ''} is applied by ${fixed}, not ${service}`);
  } else if (!service) {
    if (fixed) service = fixed;
    else problems.push('service is required for this kind (backend-api | workflows | processing)');
  }
  const spec: Partial<FaultSpec> = { kind, service, ttl_seconds: ttl as number, rate: rate as number };
  if (input.match !== undefined) {
    if (!isObject(input.match)) problems.push('match must be an object {method?, route?}');
    else {
      const { method, route } = input.match;
      if (method !== undefined && typeof method !== 'string') problems.push('match.method must be a string');
      if (route !== undefined && typeof route !== 'string') problems.push('match.route must be a string');
      spec.match = {
        ...(typeof method === 'string' ? { method: method.toUpperCase() } : {}),
        ...(typeof route === 'string' ? { route } : {}),
      };
    }
  }
  if (kind === 'http_error') {
    const code = input.status_code ?? 500;
    if (typeof code !== 'number' || !Number.isInteger(code) || code < 400 || code > 599) {
      problems.push('status_code must be an integer in 400..599');
    }
    spec.status_code = code as number;
  }
  if (kind === 'latency') spec.latency = parseLatency(input.latency, problems);
  if (input.step !== undefined) {
    if (typeof input.step !== 'string' || !(STEPS as readonly string[]).includes(input.step)) {
      problems.push(`step must be one of ${STEPS.join(', ')}`);
    } else spec.step = input.step;
  }
  if (hop) spec.hop = hop;
  if (kind === 'drop_log_fields') {
    const f = input.fields;
    if (!Array.isArray(f) || f.length === 0 || !f.every((x) => typeof x === 'string' && x.length > 0)) {
      problems.push('fields must be a non-empty array of dotted field paths, e.g. ["trace_id","span_id"]');
    } else spec.fields = f as string[];
  }
  if (kind === 'metrics_lie' || input.mode !== undefined) {
    if (kind !== 'metrics_lie') problems.push('mode applies only to kind metrics_lie');
    else if (!METRICS_LIE_MODES.includes(input.mode as MetricsLieMode))
      problems.push(`mode must be one of ${METRICS_LIE_MODES.join(', ')}`);
    else spec.mode = input.mode as MetricsLieMode;
  }
  if (typeof input.note === 'string') spec.note = input.note;
  if (problems.length > 0) {
    return new ServiceError('FAULT_INVALID', `invalid fault: ${problems.join('; ')}`, {
      hint: 'see "Fault injection" in docs/reference-system.md',
    });
  }
  return spec as FaultSpec;
}

/** Samples the added delay in ms. `rnd` is injectable for tests. */
export function sampleLatency(d: LatencyDistribution, rnd: () => number = Math.random): number {
  switch (d.distribution) {
    case 'fixed':
      return d.ms;
    case 'uniform':
      return d.min_ms + (d.max_ms - d.min_ms) * rnd();
    case 'exponential':
      return -d.mean_ms * Math.log(1 - rnd());
  }
}

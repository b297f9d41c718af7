import { randomUUID } from 'node:crypto';
import type { Fault, FaultSpec, Hop, MetricsLieMode } from './model.ts';
import { sampleLatency } from './model.ts';

export interface FaultStoreOptions {
  now?: () => number;
  random?: () => number;
  /** Told about each fault that expired by itself (the service logs it). */
  onExpire?: (f: Fault) => void;
}

/** Routes that faults without an explicit `match` never touch (so you can always reset). */
function exemptByDefault(route: string): boolean {
  return route.startsWith('/admin') || route === '/metrics' || route.startsWith('/internal');
}

function routeMatches(pattern: string, route: string, path: string): boolean {
  if (pattern.endsWith('*')) {
    const prefix = pattern.slice(0, -1);
    return route.startsWith(prefix) || path.startsWith(prefix);
  }
  return pattern === route || pattern === path;
}

/**
 * The active faults of one service. Expiry is evaluated on every read, so a fault stops
 * acting at its deadline even if nobody lists it; there is no timer to leak.
 */
export class FaultStore {
  private faults: Fault[] = [];
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly opts: FaultStoreOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
  }

  add(spec: FaultSpec): Fault {
    const t = this.now();
    const fault: Fault = {
      ...spec,
      id: `fault-${randomUUID().slice(0, 8)}`,
      created_at: new Date(t).toISOString(),
      expires_at: new Date(t + spec.ttl_seconds * 1000).toISOString(),
    };
    this.faults.push(fault);
    return fault;
  }

  list(): Fault[] {
    // Fast path: the logger asks on every record, and usually nothing is injected.
    if (this.faults.length === 0) return [];
    const t = this.now();
    const alive = this.faults.filter((f) => Date.parse(f.expires_at) > t);
    const expired = this.faults.filter((f) => Date.parse(f.expires_at) <= t);
    // Drop expired faults before telling anyone: the listener logs, and logging reads the
    // store again (drop_log_fields), which must not see them a second time.
    this.faults = alive;
    for (const f of expired) this.opts.onExpire?.(f);
    return [...alive];
  }

  remove(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.id !== id);
    return this.faults.length < before;
  }

  reset(): number {
    const n = this.list().length;
    this.faults = [];
    return n;
  }

  private hit(f: Fault): boolean {
    return f.rate >= 1 || this.random() < f.rate;
  }

  private matchesRequest(f: Fault, method: string, route: string, path: string): boolean {
    if (!f.match || (f.match.method === undefined && f.match.route === undefined)) return !exemptByDefault(route);
    if (f.match.method && f.match.method !== method.toUpperCase()) return false;
    if (f.match.route && !routeMatches(f.match.route, route, path)) return false;
    if (!f.match.route && exemptByDefault(route)) return false;
    return true;
  }

  /** Status code to answer instead of handling the request, or undefined. */
  httpError(method: string, route: string, path: string): number | undefined {
    for (const f of this.list()) {
      if (f.kind === 'http_error' && this.matchesRequest(f, method, route, path) && this.hit(f)) return f.status_code;
    }
    return undefined;
  }

  /** Total added delay in ms for this request (0 = none). */
  latencyMs(method: string, route: string, path: string): number {
    let total = 0;
    for (const f of this.list()) {
      if (f.kind === 'latency' && f.latency && this.matchesRequest(f, method, route, path) && this.hit(f)) {
        total += sampleLatency(f.latency, this.random);
      }
    }
    return total;
  }

  private stepFault(kind: 'step_failure' | 'pipeline_crash', step: string): Fault | undefined {
    return this.list().find((f) => f.kind === kind && (!f.step || f.step === step) && this.hit(f));
  }

  stepFailure(step: string): Fault | undefined {
    return this.stepFault('step_failure', step);
  }

  pipelineCrash(step: string): Fault | undefined {
    return this.stepFault('pipeline_crash', step);
  }

  propagationBroken(hop: Hop): boolean {
    return this.list().some((f) => f.kind === 'break_propagation' && f.hop === hop && this.hit(f));
  }

  droppedLogFields(): string[] {
    const out: string[] = [];
    for (const f of this.list()) if (f.kind === 'drop_log_fields' && f.fields) out.push(...f.fields);
    return out;
  }

  metricsOutage(): boolean {
    return this.list().some((f) => f.kind === 'metrics_outage');
  }

  /** Whether this one recording should tell the `mode` lie (decided per recording, by rate). */
  metricsLie(mode: MetricsLieMode): boolean {
    return this.list().some((f) => f.kind === 'metrics_lie' && f.mode === mode && this.hit(f));
  }
}

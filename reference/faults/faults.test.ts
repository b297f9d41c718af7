import { describe, expect, it } from 'vitest';
import { ServiceError } from '../shared/errors.ts';
import { parseFaultSpec, sampleLatency, type FaultSpec } from './model.ts';
import { FaultStore } from './store.ts';

function spec(input: unknown): FaultSpec {
  const s = parseFaultSpec(input);
  if (s instanceof ServiceError) throw s;
  return s;
}

describe('fault specs', () => {
  it('derives the service of single-place kinds and defaults rate to 1', () => {
    expect(spec({ kind: 'step_failure', ttl_seconds: 10 })).toMatchObject({ service: 'processing', rate: 1 });
    expect(spec({ kind: 'pipeline_crash', ttl_seconds: 10 }).service).toBe('workflows');
    expect(spec({ kind: 'break_propagation', hop: 'workflows->processing', ttl_seconds: 5 }).service).toBe('workflows');
    expect(spec({ kind: 'break_propagation', hop: 'client->backend-api', ttl_seconds: 5 }).service).toBe('backend-api');
    expect(spec({ kind: 'http_error', service: 'backend-api', ttl_seconds: 5 }).status_code).toBe(500);
  });

  it('reports every problem at once, with a hint', () => {
    const e = parseFaultSpec({ kind: 'http_error', ttl_seconds: -1, rate: 2, status_code: 200 });
    expect(e).toBeInstanceOf(ServiceError);
    const msg = (e as ServiceError).message;
    for (const word of ['ttl_seconds', 'rate', 'status_code', 'service is required']) expect(msg).toContain(word);
    expect((e as ServiceError).hint).toContain('docs/reference-system.md');
    expect(parseFaultSpec({ kind: 'step_failure', service: 'backend-api', ttl_seconds: 1 })).toBeInstanceOf(
      ServiceError,
    );
    expect(
      parseFaultSpec({ kind: 'drop_log_fields', service: 'workflows', ttl_seconds: 1, fields: [] }),
    ).toBeInstanceOf(ServiceError);
    expect(
      parseFaultSpec({ kind: 'latency', service: 'workflows', ttl_seconds: 1, latency: { distribution: 'weird' } }),
    ).toBeInstanceOf(ServiceError);
  });

  it('metrics_lie: applied by backend-api, mode required and checked, all problems at once', () => {
    expect(spec({ kind: 'metrics_lie', mode: 'duration_ms', ttl_seconds: 30 })).toMatchObject({
      service: 'backend-api',
      mode: 'duration_ms',
      rate: 1,
    });
    const e = parseFaultSpec({ kind: 'metrics_lie', service: 'processing', mode: 'lie_loudly', ttl_seconds: 0 });
    expect(e).toBeInstanceOf(ServiceError);
    const msg = (e as ServiceError).message;
    expect(msg).toContain('ttl_seconds');
    expect(msg).toContain('a metrics_lie fault is applied by backend-api, not processing');
    expect(msg).toContain('mode must be one of code_as_200, duration_ms, skip_execution_count');
    expect((parseFaultSpec({ kind: 'metrics_lie', ttl_seconds: 5 }) as ServiceError).message).toContain(
      'mode must be one of',
    );
    expect(
      (
        parseFaultSpec({
          kind: 'metrics_outage',
          service: 'workflows',
          mode: 'code_as_200',
          ttl_seconds: 5,
        }) as ServiceError
      ).message,
    ).toContain('mode applies only to kind metrics_lie');
  });

  it('samples latency distributions', () => {
    expect(sampleLatency({ distribution: 'fixed', ms: 40 })).toBe(40);
    expect(sampleLatency({ distribution: 'uniform', min_ms: 10, max_ms: 20 }, () => 0.5)).toBe(15);
    expect(sampleLatency({ distribution: 'exponential', mean_ms: 100 }, () => 1 - Math.exp(-1))).toBeCloseTo(100);
  });
});

describe('fault store', () => {
  it('expires faults by TTL without anyone resetting them, and tells who expired', () => {
    let now = 1_000_000;
    const expired: string[] = [];
    const store = new FaultStore({ now: () => now, onExpire: (f) => expired.push(f.id) });
    const f = store.add(spec({ kind: 'http_error', service: 'backend-api', ttl_seconds: 2, status_code: 503 }));
    expect(f.expires_at).toBe(new Date(1_002_000).toISOString());
    expect(store.httpError('GET', '/v1/pipelines/', '/v1/pipelines/')).toBe(503);
    now += 1999;
    expect(store.list()).toHaveLength(1);
    now += 1;
    expect(store.httpError('GET', '/v1/pipelines/', '/v1/pipelines/')).toBeUndefined();
    expect(store.list()).toEqual([]);
    expect(expired).toEqual([f.id]);
  });

  it('tolerates a listener that reads the store while being told of an expiry (the logger does)', () => {
    let now = 0;
    const seen: number[] = [];
    const store: FaultStore = new FaultStore({
      now: () => now,
      onExpire: () => seen.push(store.droppedLogFields().length),
    });
    store.add(spec({ kind: 'drop_log_fields', service: 'backend-api', ttl_seconds: 1, fields: ['trace_id'] }));
    now = 5000;
    expect(store.list()).toEqual([]);
    expect(seen).toEqual([0]);
  });

  it('matches routes by method, template or prefix, and never touches admin/metrics by default', () => {
    const store = new FaultStore();
    store.add(
      spec({
        kind: 'http_error',
        service: 'backend-api',
        ttl_seconds: 60,
        match: { method: 'get', route: '/v1/executions/*' },
      }),
    );
    expect(store.httpError('GET', '/v1/executions/:id', '/v1/executions/abc')).toBe(500);
    expect(store.httpError('POST', '/v1/executions/', '/v1/executions/')).toBeUndefined();
    expect(store.httpError('GET', '/v1/pipelines/', '/v1/pipelines/')).toBeUndefined();
    store.reset();
    store.add(
      spec({ kind: 'latency', service: 'backend-api', ttl_seconds: 60, latency: { distribution: 'fixed', ms: 30 } }),
    );
    expect(store.latencyMs('GET', '/v1/pipelines/', '/v1/pipelines/')).toBe(30);
    expect(store.latencyMs('GET', '/admin/faults', '/admin/faults')).toBe(0);
    expect(store.latencyMs('GET', '/metrics', '/metrics')).toBe(0);
  });

  it('applies rates with the injected random source', () => {
    let r = 0.3;
    const store = new FaultStore({ random: () => r });
    store.add(spec({ kind: 'step_failure', ttl_seconds: 60, rate: 0.5, step: 'resize' }));
    expect(store.stepFailure('resize')).toBeDefined();
    expect(store.stepFailure('filter')).toBeUndefined();
    r = 0.7;
    expect(store.stepFailure('resize')).toBeUndefined();
  });

  it('metrics_lie: tells only its own lie, per recording by rate, until its TTL', () => {
    let now = 0;
    let r = 0.2;
    const store = new FaultStore({ now: () => now, random: () => r });
    expect(store.metricsLie('code_as_200')).toBe(false);
    store.add(spec({ kind: 'metrics_lie', mode: 'code_as_200', ttl_seconds: 10, rate: 0.5 }));
    expect(store.metricsLie('code_as_200')).toBe(true);
    expect(store.metricsLie('duration_ms')).toBe(false);
    expect(store.metricsLie('skip_execution_count')).toBe(false);
    r = 0.8;
    expect(store.metricsLie('code_as_200')).toBe(false);
    r = 0.2;
    now = 10_000;
    expect(store.metricsLie('code_as_200')).toBe(false);
  });

  it('lists, removes and resets; answers the other fault kinds', () => {
    const store = new FaultStore();
    const a = store.add(spec({ kind: 'metrics_outage', service: 'processing', ttl_seconds: 60 }));
    store.add(
      spec({ kind: 'drop_log_fields', service: 'processing', ttl_seconds: 60, fields: ['trace_id', 'span_id'] }),
    );
    store.add(spec({ kind: 'break_propagation', hop: 'backend-api->workflows', ttl_seconds: 60 }));
    expect(store.metricsOutage()).toBe(true);
    expect(store.droppedLogFields()).toEqual(['trace_id', 'span_id']);
    expect(store.propagationBroken('backend-api->workflows')).toBe(true);
    expect(store.propagationBroken('workflows->processing')).toBe(false);
    expect(store.remove(a.id)).toBe(true);
    expect(store.metricsOutage()).toBe(false);
    expect(store.reset()).toBe(2);
    expect(store.list()).toEqual([]);
  });
});

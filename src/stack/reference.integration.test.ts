/**
 * The reference system inside the real embedded stack: its telemetry lands in the real
 * Prometheus, Jaeger and log files, and every fault changes the right signal and goes away
 * on expiry or reset. No sleeps: every wait is a condition under a deadline.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackDown, stackUp, stackUrls, type StackUrls } from './lifecycle.ts';
import { waitFor } from '../util/wait.ts';
import { admin, ApiClient, TRACEPARENT } from '../../reference/testing/client.ts';
import { promValue, randomTraceId, readLog, waitLog, waitProm, waitTrace } from '../../reference/testing/observe.ts';

const Q1 =
  '(sum(rate(http_requests_total{job="backend-api",code=~"2..|3.."}[5m])) / sum(rate(http_requests_total{job="backend-api"}[5m]))) * 100';
const Q2 = 'histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket{job="backend-api"}[5m])) by (le))';
const Q3 =
  '(sum(rate(pipeline_executions_total{status="success"}[5m])) / sum(rate(pipeline_executions_total[5m]))) * 100';

describe('reference system in the embedded stack (real Prometheus, Jaeger, log files)', () => {
  let dir: string;
  let u: StackUrls;
  let api: ApiClient;
  let pipelineId: string;
  const fault = (body: unknown) => admin(u.backendApi, u.adminToken, 'POST', '/admin/faults', body);
  const reset = () => admin(u.backendApi, u.adminToken, 'DELETE');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slo-ref-'));
    const up = await stackUp({ stateDir: dir, scrapeInterval: '1s', portStrategy: 'ephemeral' });
    u = stackUrls(up.state);
    api = await new ApiClient(u.backendApi).login();
    pipelineId = await api.createPipeline();
  });

  afterAll(async () => {
    if (u) await stackDown({ stateDir: dir });
    await rm(dir, { recursive: true, force: true });
  });

  it('walk: one trace per execution across all three services; logs, exemplars and SLO queries agree', async () => {
    const traceId = randomTraceId();
    const id = await api.createExecution(pipelineId, { traceparent: TRACEPARENT(traceId) });
    expect(await api.waitTerminal(id)).toBe('completed');

    const spans = await waitTrace(
      u.jaegerQuery,
      traceId,
      (s) =>
        ['imageflow-backend-api', 'imageflow-workflows', 'imageflow-processing'].every((svc) =>
          s.some((x) => x.service === svc),
        ) && s.some((x) => x.name.startsWith('workflow ')),
    );
    const root = spans.find((s) => s.name === 'POST /v1/executions/');
    expect(root?.parentSpanId).toBe('b7ad6b7169203331');
    expect(root?.attributes).toMatchObject({ 'http.method': 'POST', 'user.id': 'admin', 'pipeline.id': pipelineId });

    const started = await waitLog(
      u.appLogs['backend-api'],
      (r) => r.message === 'Pipeline execution started' && r.execution_id === id,
    );
    expect(started.trace_id).toBe(traceId);
    expect(started.span_id).toBe(root?.spanId);

    for (const job of ['backend-api', 'workflows', 'processing'])
      await waitProm(u.prometheus, `up{job="${job}"}`, (v) => v === 1);
    await waitProm(
      u.prometheus,
      'sum(pipeline_executions_total{job="backend-api",status="success"})',
      (v) => (v ?? 0) >= 1,
    );
    // rate() over a series needs it to move between two scrapes: keep traffic flowing while waiting.
    for (const q of [Q1, Q2, Q3]) {
      const r = await waitFor(
        async () => {
          await fetch(`${u.backendApi}/v1/pipelines/`, { headers: api.headers() });
          if (q === Q3) await api.createExecution(pipelineId);
          const v = await promValue(u.prometheus, q);
          return { done: v !== undefined && Number.isFinite(v), value: v, reason: `${q} = ${v}` };
        },
        { timeoutMs: 20_000, intervalMs: 300 },
      );
      expect(r.ok, r.reason).toBe(true);
    }
    await waitProm(
      u.prometheus,
      'sum(pipeline_processing_steps_duration_seconds_count{job="processing"})',
      (v) => (v ?? 0) >= 3,
    );
    await waitProm(
      u.prometheus,
      'sum(ai_model_inference_duration_seconds_count{job="processing"})',
      (v) => (v ?? 0) >= 1,
    );
    await waitProm(
      u.prometheus,
      'count(image_processing_throughput_bytes_per_second{job="processing"})',
      (v) => (v ?? 0) >= 1,
    );

    // TP-4: exemplars carry trace ids that resolve in Jaeger.
    const ex = await waitFor(
      async () => {
        const now = Date.now() / 1000;
        const q = encodeURIComponent('http_requests_total{job="backend-api"}');
        const res = await fetch(`${u.prometheus}/api/v1/query_exemplars?query=${q}&start=${now - 600}&end=${now + 60}`);
        const body = (await res.json()) as { data: Array<{ exemplars: Array<{ labels: { trace_id?: string } }> }> };
        const ids = body.data.flatMap((s) => s.exemplars.map((e) => e.labels.trace_id)).filter((x): x is string => !!x);
        return { done: ids.includes(traceId), value: ids, reason: `${ids.length} exemplar trace ids` };
      },
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    expect(ex.ok).toBe(true);
  });

  it('http_error: 5xx in http_requests_total and error logs; gone after the TTL', async () => {
    const f = await fault({
      kind: 'http_error',
      service: 'backend-api',
      ttl_seconds: 3,
      status_code: 503,
      match: { method: 'GET', route: '/v1/components/' },
    });
    expect(f.status).toBe(201);
    const res = await fetch(`${u.backendApi}/v1/components/`, { headers: api.headers() });
    expect(res.status).toBe(503);
    await waitProm(
      u.prometheus,
      'sum(http_requests_total{job="backend-api",code="503",route="/v1/components/"})',
      (v) => (v ?? 0) >= 1,
    );
    await waitLog(
      u.appLogs['backend-api'],
      (r) =>
        r.level === 'error' &&
        (r.otel as { attributes: Record<string, unknown> }).attributes['http.status_code'] === 503,
    );
    // Expiry by itself, no reset.
    const healed = await waitFor(
      async () => {
        const r = await fetch(`${u.backendApi}/v1/components/`, { headers: api.headers() });
        return { done: r.status === 200, reason: `HTTP ${r.status}` };
      },
      { timeoutMs: 6000, intervalMs: 200 },
    );
    expect(healed.ok).toBe(true);
    expect((await admin(u.backendApi, u.adminToken, 'GET')).body.faults).toEqual([]);
  });

  it('latency: slow requests land above the 2 s bucket edge; expiry restores speed', async () => {
    await fault({
      kind: 'latency',
      service: 'backend-api',
      ttl_seconds: 4,
      match: { method: 'GET', route: '/v1/auth/me' },
      latency: { distribution: 'fixed', ms: 2100 },
    });
    const t0 = Date.now();
    expect((await fetch(`${u.backendApi}/v1/auth/me`, { headers: api.headers() })).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2000);
    const slow =
      'sum(http_request_duration_seconds_count{job="backend-api",route="/v1/auth/me"}) - sum(http_request_duration_seconds_bucket{job="backend-api",route="/v1/auth/me",le="2"})';
    await waitProm(u.prometheus, slow, (v) => (v ?? 0) >= 1);
    const fast = await waitFor(
      async () => {
        const t = Date.now();
        await fetch(`${u.backendApi}/v1/auth/me`, { headers: api.headers() });
        return { done: Date.now() - t < 500, reason: `${Date.now() - t} ms` };
      },
      { timeoutMs: 8000, intervalMs: 200 },
    );
    expect(fast.ok).toBe(true);
  });

  it('step_failure: failed execution, pipeline_executions_total{status="failed"}, error span in processing', async () => {
    const before =
      (await promValue(u.prometheus, 'sum(pipeline_executions_total{job="backend-api",status="failed"})')) ?? 0;
    await fault({ kind: 'step_failure', ttl_seconds: 30, step: 'ai_detection' });
    const traceId = randomTraceId();
    const id = await api.createExecution(pipelineId, { traceparent: TRACEPARENT(traceId) });
    expect(await api.waitTerminal(id)).toBe('failed');
    await reset();
    await waitProm(
      u.prometheus,
      'sum(pipeline_executions_total{job="backend-api",status="failed"})',
      (v) => (v ?? 0) > before,
    );
    // Each service exports its spans in batches of its own: wait for both error spans.
    const spans = await waitTrace(
      u.jaegerQuery,
      traceId,
      (s) =>
        s.some((x) => x.service === 'imageflow-processing' && x.statusCode === 2) &&
        s.some((x) => x.service === 'imageflow-workflows' && x.name === 'step detect' && x.statusCode === 2),
    );
    expect(
      spans.some((x) => x.service === 'imageflow-workflows' && x.name === 'step detect' && x.statusCode === 2),
    ).toBe(true);
    expect(await api.waitTerminal(await api.createExecution(pipelineId))).toBe('completed');
  });

  it('pipeline_crash: counted as status="error"', async () => {
    const before =
      (await promValue(u.prometheus, 'sum(pipeline_executions_total{job="backend-api",status="error"})')) ?? 0;
    await fault({ kind: 'pipeline_crash', ttl_seconds: 30 });
    const id = await api.createExecution(pipelineId);
    expect(await api.waitTerminal(id)).toBe('failed');
    await reset();
    await waitProm(
      u.prometheus,
      'sum(pipeline_executions_total{job="backend-api",status="error"})',
      (v) => (v ?? 0) > before,
    );
    const rec = await waitLog(
      u.appLogs.workflows,
      (r) => r.execution_id === id && String(r.message).includes('crashed'),
    );
    expect(rec.level).toBe('error');
  });

  it('break_propagation backend-api->workflows: the workflow runs in a second trace', async () => {
    await fault({ kind: 'break_propagation', hop: 'backend-api->workflows', ttl_seconds: 30 });
    const traceId = randomTraceId();
    const id = await api.createExecution(pipelineId, { traceparent: TRACEPARENT(traceId) });
    expect(await api.waitTerminal(id)).toBe('completed');
    await reset();
    const submitted = await waitLog(
      u.appLogs.workflows,
      (r) => r.execution_id === id && String(r.message).endsWith('submitted'),
    );
    expect(submitted.trace_id).not.toBe(traceId);
    // The second trace reaches Jaeger after the first one's backend spans (ended earlier, same exporter order).
    await waitTrace(u.jaegerQuery, String(submitted.trace_id), (s) =>
      s.some((x) => x.service === 'imageflow-processing'),
    );
    const original = await waitTrace(u.jaegerQuery, traceId, (s) => s.length > 0);
    expect(new Set(original.map((s) => s.service))).toEqual(new Set(['imageflow-backend-api']));
  });

  it('drop_log_fields: records lose trace_id/span_id until the fault expires', async () => {
    await fault({ kind: 'drop_log_fields', service: 'backend-api', ttl_seconds: 3, fields: ['trace_id', 'span_id'] });
    const marker = randomTraceId();
    await fetch(`${u.backendApi}/v1/pipelines/${marker}`, { headers: api.headers() });
    const rec = await waitLog(u.appLogs['backend-api'], (r) => String(r.message).includes(marker));
    expect('trace_id' in rec).toBe(false);
    expect('span_id' in rec).toBe(false);
    expect(rec.otel).toBeDefined();
    const restored = await waitFor(
      async () => {
        const m = randomTraceId();
        await fetch(`${u.backendApi}/v1/pipelines/${m}`, { headers: api.headers() });
        const r = (await readLog(u.appLogs['backend-api'])).find((x) => String(x.message).includes(m));
        return { done: r !== undefined && typeof r.trace_id === 'string', reason: 'trace_id still dropped' };
      },
      { timeoutMs: 8000, intervalMs: 250 },
    );
    expect(restored.ok).toBe(true);
  });

  it('metrics_outage: the target goes down in Prometheus, and up again after reset', async () => {
    await fault({ kind: 'metrics_outage', service: 'processing', ttl_seconds: 60 });
    await waitProm(u.prometheus, 'up{job="processing"}', (v) => v === 0);
    await reset();
    await waitProm(u.prometheus, 'up{job="processing"}', (v) => v === 1);
  });
});

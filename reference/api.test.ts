import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './testing/wait.ts';
import { startCluster, type Cluster } from './testing/cluster.ts';
import { admin, ApiClient, TRACEPARENT } from './testing/client.ts';

const SECRET = 'unit-test-secret';

async function metricsText(url: string, openMetrics = true): Promise<string> {
  const res = await fetch(`${url}/metrics`, {
    headers: openMetrics ? { accept: 'application/openmetrics-text; version=1.0.0' } : {},
  });
  return res.text();
}

function sample(text: string, prefix: string): number {
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line ? Number(line.slice(prefix.length).trim().split(' ')[0]) : 0;
}

async function logLines(c: Cluster, service: string): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(join(c.dir, `app-${service}.jsonl`), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('reference ImageFlowCanvas (three services in-process, real HTTP between them)', () => {
  let c: Cluster;
  let api: ApiClient;
  let pipelineId: string;

  beforeAll(async () => {
    c = await startCluster({ IMAGEFLOW_JWT_SECRET: SECRET });
    api = await new ApiClient(c.backend.url).login();
    pipelineId = await api.createPipeline();
  });
  afterAll(async () => c?.stop());

  it('runs an execution to completed with one output per step, in one trace across all services', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const id = await api.createExecution(pipelineId, { traceparent: TRACEPARENT(traceId) });
    expect(await api.waitTerminal(id)).toBe('completed');
    const exec = await api.execution(id);
    // resize → 1 image, ai_detection → image + json, filter → 1 image
    expect(exec.output_files).toHaveLength(4);
    const names = (exec.output_files as Array<{ filename: string }>).map((f) => f.filename);
    expect(names).toEqual([`${id}_resized.jpg`, `${id}_detected.jpg`, `${id}_detected.json`, `${id}_final.jpg`]);

    const done = await waitFor(
      async () => {
        const spans = c.spans().filter((s) => s.spanContext().traceId === traceId);
        const services = new Set(spans.map((s) => s.resource.attributes['service.name']));
        return {
          done: services.size === 3 && spans.some((s) => s.name.startsWith('workflow ')),
          value: spans,
          reason: [...services].join(','),
        };
      },
      { timeoutMs: 5000 },
    );
    expect(done.ok).toBe(true);
    const spans = done.value ?? [];
    // TP-1: the client span is the parent of the backend's server span.
    const root = spans.find((s) => s.name === 'POST /v1/executions/');
    expect(root?.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    // TP-2: every span's parent is in the trace (or is the client's span): no orphans, one root.
    const ids = new Set(spans.map((s) => s.spanContext().spanId));
    const orphans = spans.filter((s) => !ids.has(s.parentSpanContext?.spanId ?? '') && s !== root);
    expect(orphans.map((s) => s.name)).toEqual([]);
    // TP-3: the design's attribute names.
    expect(root?.attributes).toMatchObject({
      'http.method': 'POST',
      'http.status_code': 202,
      'user.id': 'admin',
      'pipeline.id': pipelineId,
    });
    const procServer = spans.find(
      (s) =>
        s.name === 'POST /v1/process/:component' && s.resource.attributes['service.name'] === 'imageflow-processing',
    );
    expect(procServer).toBeDefined();
  });

  it('logs "Pipeline execution started" (LOG-3) with the active span ids (LOG-2)', async () => {
    const traceId = '1af7651916cd43dd8448eb211c80319c';
    const id = await api.createExecution(pipelineId, { traceparent: TRACEPARENT(traceId) });
    await api.waitTerminal(id);
    const lines = await logLines(c, 'backend-api');
    const started = lines.find((l) => l.message === 'Pipeline execution started' && l.execution_id === id);
    expect(started).toMatchObject({ trace_id: traceId, level: 'info', service: 'backend-api', user_id: 'admin' });
    expect(started?.span_id).toMatch(/^[0-9a-f]{16}$/);
    const root = c.spans().find((s) => s.spanContext().traceId === traceId && s.name === 'POST /v1/executions/');
    expect(started?.span_id).toBe(root?.spanContext().spanId);
    expect((started?.otel as { attributes: Record<string, unknown> }).attributes['http.status_code']).toBe(202);
    const wf = await logLines(c, 'workflows');
    expect(wf.some((l) => l.trace_id === traceId && l.execution_id === id)).toBe(true);
  });

  it('answers bad input per the contract and counts it in http_requests_total', async () => {
    const before = await metricsText(c.backend.url);
    const h = api.headers();
    // 401: missing, garbage and expired tokens
    expect((await fetch(`${c.backend.url}/v1/pipelines/`)).status).toBe(401);
    expect((await fetch(`${c.backend.url}/v1/pipelines/`, { headers: { authorization: 'Bearer nope' } })).status).toBe(
      401,
    );
    const expired = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('admin')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(new TextEncoder().encode(SECRET));
    expect(
      (await fetch(`${c.backend.url}/v1/pipelines/`, { headers: { authorization: `Bearer ${expired}` } })).status,
    ).toBe(401);
    expect(
      (
        await fetch(`${c.backend.url}/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"username":"admin","password":"x"}',
        })
      ).status,
    ).toBe(401);
    // 400: bad parameters JSON, malformed multipart, not multipart
    expect((await api.createExecutionRaw(pipelineId, { parameters: '{not json' })).status).toBe(400);
    const malformed = await fetch(`${c.backend.url}/v1/executions/`, {
      method: 'POST',
      headers: { ...h, 'content-type': 'multipart/form-data; boundary=XYZ' },
      body: '--XYZ\r\nContent-Disposition: form-data; name="pipeline_id"\r\n\r\nabc\r\n--XYZ\r\nContent-Disposition: form-data; name="input_files"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\ntrunc',
    });
    expect(malformed.status).toBe(400);
    expect(
      (
        await fetch(`${c.backend.url}/v1/executions/`, {
          method: 'POST',
          headers: { ...h, 'content-type': 'application/json' },
          body: '{}',
        })
      ).status,
    ).toBe(400);
    // 404: unknown ids
    expect((await fetch(`${c.backend.url}/v1/executions/unknown`, { headers: h })).status).toBe(404);
    expect((await fetch(`${c.backend.url}/v1/pipelines/unknown`, { headers: h })).status).toBe(404);
    expect((await api.createExecutionRaw('unknown-pipeline')).status).toBe(404);
    expect((await fetch(`${c.backend.url}/v1/executions/unknown/cancel`, { method: 'POST', headers: h })).status).toBe(
      404,
    );
    expect((await fetch(`${c.backend.url}/v1/no-such-route`, { headers: h })).status).toBe(404);

    const after = await metricsText(c.backend.url);
    const delta = (p: string) => sample(after, p) - sample(before, p);
    expect(delta('http_requests_total{code="401",method="GET",route="/v1/pipelines/"}')).toBe(3);
    expect(delta('http_requests_total{code="401",method="POST",route="/v1/auth/login"}')).toBe(1);
    expect(delta('http_requests_total{code="400",method="POST",route="/v1/executions/"}')).toBe(3);
    expect(delta('http_requests_total{code="404",method="GET",route="/v1/executions/:id"}')).toBe(1);
    expect(delta('http_requests_total{code="404",method="POST",route="/v1/executions/"}')).toBe(1);
    expect(delta('http_requests_total{code="404",method="GET",route="unmatched"}')).toBe(1);
  });

  it('exposes OpenMetrics with trace exemplars, and plain Prometheus text otherwise', async () => {
    const om = await metricsText(c.backend.url);
    expect(om.trimEnd().endsWith('# EOF')).toBe(true);
    expect(om).toMatch(/http_requests_total\{[^}]*\} \d+ # \{trace_id="[0-9a-f]{32}",span_id="[0-9a-f]{16}"\}/);
    expect(om).toMatch(/http_request_duration_seconds_bucket\{le="2",/);
    expect(om).toMatch(/pipeline_executions_total\{status="success"\} [1-9]/);
    expect(om).toContain('pipeline_executions_total{status="failed"} 0');
    expect(om).toContain('pipeline_concurrent_executions 0');
    expect(om).toContain('pipeline_execution_duration_seconds_bucket{le="600",status="success"}');
    const text = await metricsText(c.backend.url, false);
    expect(text).toContain('# TYPE http_requests_total counter');
    expect(text).not.toContain('# {trace_id');
    expect(text).not.toContain('# EOF');
    const proc = await metricsText(c.processing.url);
    expect(proc).toMatch(/pipeline_processing_steps_duration_seconds_count\{step="resize"\} [1-9]/);
    expect(proc).toMatch(/ai_model_inference_duration_seconds_count\{model="yolo11n"\} [1-9]/);
    expect(proc).toMatch(/image_processing_throughput_bytes_per_second\{step="filter"\} \d/);
    expect(proc).not.toContain('http_requests_total');
  });

  it('does not count cancelled executions as failed', async () => {
    await admin(c.backend.url, c.adminToken, 'POST', '/admin/faults', {
      kind: 'latency',
      service: 'processing',
      ttl_seconds: 5,
      latency: { distribution: 'fixed', ms: 400 },
    });
    const before = await metricsText(c.backend.url);
    const id = await api.createExecution(pipelineId);
    const res = await fetch(`${c.backend.url}/v1/executions/${id}/cancel`, { method: 'POST', headers: api.headers() });
    expect(res.status).toBe(200);
    expect((await api.execution(id)).status).toBe('cancelled');
    await admin(c.backend.url, c.adminToken, 'DELETE');
    const after = await metricsText(c.backend.url);
    for (const s of ['failed', 'error', 'success']) {
      const p = `pipeline_executions_total{status="${s}"}`;
      expect(sample(after, p)).toBe(sample(before, p));
    }
  });

  it('metrics_lie: 5xx counted as 200, milliseconds observed as seconds, executions not counted', async () => {
    try {
      const post = async (body: Record<string, unknown>) =>
        expect((await admin(c.backend.url, c.adminToken, 'POST', '/admin/faults', body)).status).toBe(201);
      const count = (t: string, code: string) =>
        sample(t, `http_requests_total{code="${code}",method="GET",route="/v1/pipelines/"}`);
      await post({ kind: 'http_error', service: 'backend-api', ttl_seconds: 30, match: { route: '/v1/pipelines/' } });
      await post({ kind: 'metrics_lie', mode: 'code_as_200', ttl_seconds: 30 });
      let before = await metricsText(c.backend.url);
      const res = await fetch(`${c.backend.url}/v1/pipelines/`, { headers: api.headers() });
      expect(res.status).toBe(500);
      let after = await metricsText(c.backend.url);
      expect(count(after, '200') - count(before, '200')).toBe(1);
      expect(count(after, '500') - count(before, '500')).toBe(0);
      await admin(c.backend.url, c.adminToken, 'DELETE');

      await post({ kind: 'metrics_lie', mode: 'duration_ms', ttl_seconds: 30 });
      await post({
        kind: 'latency',
        service: 'backend-api',
        ttl_seconds: 30,
        latency: { distribution: 'fixed', ms: 50 },
        match: { route: '/v1/components/' },
      });
      const sum = (t: string) =>
        sample(t, 'http_request_duration_seconds_sum{code="200",method="GET",route="/v1/components/"}');
      before = await metricsText(c.backend.url);
      expect((await fetch(`${c.backend.url}/v1/components/`, { headers: api.headers() })).status).toBe(200);
      after = await metricsText(c.backend.url);
      // About 50 ms elapsed (timers may fire a little early): honest would be ~0.05 s, the lie says ~50 "s".
      expect(sum(after) - sum(before)).toBeGreaterThan(40);
      await admin(c.backend.url, c.adminToken, 'DELETE');

      await post({ kind: 'metrics_lie', mode: 'skip_execution_count', ttl_seconds: 30 });
      before = await metricsText(c.backend.url);
      expect(await api.waitTerminal(await api.createExecution(pipelineId))).toBe('completed');
      after = await metricsText(c.backend.url);
      expect(sample(after, 'pipeline_executions_total{status="success"}')).toBe(
        sample(before, 'pipeline_executions_total{status="success"}'),
      );
      await admin(c.backend.url, c.adminToken, 'DELETE');
      // Honest again once the fault is gone.
      expect(await api.waitTerminal(await api.createExecution(pipelineId))).toBe('completed');
      const honest = await metricsText(c.backend.url);
      expect(sample(honest, 'pipeline_executions_total{status="success"}')).toBe(
        sample(after, 'pipeline_executions_total{status="success"}') + 1,
      );
    } finally {
      await admin(c.backend.url, c.adminToken, 'DELETE');
    }
  });

  it('admin API: token and loopback required; backend-api fans out to the owning service', async () => {
    expect((await admin(c.backend.url, 'wrong', 'GET')).status).toBe(401);
    const bad = await admin(c.backend.url, c.adminToken, 'POST', '/admin/faults', { kind: 'nope' });
    expect(bad.status).toBe(400);
    const f = await admin(c.backend.url, c.adminToken, 'POST', '/admin/faults', {
      kind: 'step_failure',
      ttl_seconds: 30,
      step: 'filter',
    });
    expect(f.status).toBe(201);
    expect(f.body.service).toBe('processing');
    expect(c.processing.rt.faults.list().map((x) => x.id)).toEqual([f.body.id]);
    const listed = await admin(c.backend.url, c.adminToken, 'GET');
    expect((listed.body.faults as unknown[]).length).toBe(1);
    const id = await api.createExecution(pipelineId);
    expect(await api.waitTerminal(id)).toBe('failed');
    expect((await api.execution(id)).error_message).toContain('filter');
    expect((await admin(c.backend.url, c.adminToken, 'DELETE')).body.cleared).toBe(1);
    expect(await api.waitTerminal(await api.createExecution(pipelineId))).toBe('completed');
  });
});

import { randomUUID } from 'node:crypto';
import { context, trace } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { callPeer } from '../shared/peer.ts';
import type { Runtime } from '../shared/runtime.ts';
import { exemplarFor, type BackendMetrics, type PipelineOutcome } from '../telemetry/metrics.ts';
import type { WorkflowEvent, WorkflowSubmission } from '../workflows/protocol.ts';
import type { FileStore } from './files.ts';
import { applyEvent, TERMINAL } from './lifecycle.ts';
import type { Execution, OutputFile, Pipeline } from './types.ts';

interface ExecRecord {
  exec: Execution;
  userId: string;
  createdMs: number;
  /** The create request's span: exemplar for the terminal counter increment. */
  ids: { traceId: string; spanId: string } | undefined;
}

interface Upload {
  filename: string;
  contentType: string;
  data: Buffer;
}

type ParsedCreate =
  | { pipelineId: string; parameters: Record<string, unknown>; priority: string; files: Upload[] }
  | { status: number; detail: string };

/** Reads the multipart create body; every malformation is a 400 value, never a throw. */
async function parseCreate(req: FastifyRequest): Promise<ParsedCreate> {
  if (!req.isMultipart())
    return { status: 400, detail: 'expected multipart/form-data with pipeline_id and input_files' };
  const fields: Record<string, string> = {};
  const files: Upload[] = [];
  try {
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        const data = await part.toBuffer();
        if (part.fieldname === 'input_files')
          files.push({ filename: part.filename || 'upload.bin', contentType: part.mimetype, data });
      } else {
        fields[part.fieldname] = String(part.value);
      }
    }
  } catch (err) {
    return { status: 400, detail: `malformed multipart body: ${(err as Error).message}` };
  }
  if (!fields.pipeline_id) return { status: 400, detail: 'pipeline_id is required' };
  if (files.length === 0) return { status: 400, detail: 'at least one input_files part is required' };
  let parameters: Record<string, unknown> = {};
  if (fields.parameters !== undefined && fields.parameters !== '') {
    try {
      const p: unknown = JSON.parse(fields.parameters);
      if (!p || typeof p !== 'object' || Array.isArray(p))
        return { status: 400, detail: 'parameters must be a JSON object' };
      parameters = p as Record<string, unknown>;
    } catch {
      return { status: 400, detail: 'Invalid JSON in parameters' };
    }
  }
  return { pipelineId: fields.pipeline_id, parameters, priority: fields.priority || 'normal', files };
}

const MAX_EXECUTIONS = 50_000;

export function registerExecutionRoutes(
  app: FastifyInstance,
  rt: Runtime,
  deps: { pipelines: Map<string, Pipeline>; files: FileStore; metrics: BackendMetrics },
): void {
  const records = new Map<string, ExecRecord>();
  const { metrics, files } = deps;

  const finish = (rec: ExecRecord, outcome: PipelineOutcome | 'cancelled') => {
    metrics.concurrent.dec();
    // Cancelled executions are neither successes nor failures: they are not counted.
    if (outcome === 'cancelled') return;
    const ex = exemplarFor(rec.ids);
    // The metrics_lie fault "forgets" to count (the truth checks must notice).
    if (!rt.faults.metricsLie('skip_execution_count'))
      metrics.executions.inc({ labels: { status: outcome }, value: 1, ...(ex ? { exemplarLabels: ex } : {}) });
    metrics.executionDuration.observe({
      labels: { status: outcome },
      value: (Date.now() - rec.createdMs) / 1000,
      ...(ex ? { exemplarLabels: ex } : {}),
    });
  };

  const evict = () => {
    if (records.size <= MAX_EXECUTIONS) return;
    for (const [id, r] of records) {
      if (TERMINAL.has(r.exec.status)) records.delete(id);
      if (records.size <= MAX_EXECUTIONS * 0.9) break;
    }
  };

  app.post('/v1/executions/', async (req, reply) => {
    const parsed = await parseCreate(req);
    if ('status' in parsed) return reply.code(parsed.status).send({ detail: parsed.detail });
    const pipeline = deps.pipelines.get(parsed.pipelineId);
    req.logCtx.pipeline_id = parsed.pipelineId;
    if (!pipeline) return reply.code(404).send({ detail: 'Pipeline not found' });
    const stored = await Promise.all(parsed.files.map((f) => files.save(f.data, f.filename, f.contentType)));
    const now = new Date();
    const id = randomUUID();
    const exec: Execution = {
      execution_id: id,
      pipeline_id: pipeline.id,
      status: 'pending',
      priority: parsed.priority,
      parameters: parsed.parameters,
      input_files: stored.map((s) => s.file_id),
      progress: { current_step: null, total_steps: pipeline.components.length, completed_steps: 0, percentage: 0 },
      steps: pipeline.components.map((c, i) => ({
        step_id: `${id}-step-${i}`,
        name: c.name,
        component_name: c.component_type,
        status: 'pending',
        started_at: null,
        completed_at: null,
        error_message: null,
        resource_usage: null,
        output_data: null,
      })),
      output_files: [],
      workflow_name: null,
      created_at: now.toISOString(),
      started_at: null,
      completed_at: null,
      error_message: null,
      error_details: null,
    };
    const span = trace.getSpan(context.active());
    span?.setAttributes({ 'execution.id': id, 'pipeline.id': pipeline.id });
    const rec: ExecRecord = {
      exec,
      userId: req.logCtx.user_id ?? 'unknown',
      createdMs: now.getTime(),
      ids: span?.spanContext(),
    };
    records.set(id, rec);
    evict();
    metrics.concurrent.inc();
    Object.assign(req.logCtx, {
      execution_id: id,
      input_files: parsed.files.map((f) => f.filename),
      parameters: parsed.parameters,
    });
    // LOG-3, with the status the response is about to carry.
    rt.logger.info('Pipeline execution started', {
      ...req.logCtx,
      http: { method: req.method, url: req.url, status_code: 202 },
    });

    const submission: WorkflowSubmission = {
      execution_id: id,
      pipeline_id: pipeline.id,
      user_id: rec.userId,
      components: pipeline.components.map((c) => ({
        name: c.name,
        component_type: c.component_type,
        parameters: c.parameters,
      })),
      input_files: parsed.files.map((f, i) => ({
        file_id: stored[i]?.file_id ?? '',
        filename: f.filename,
        content_type: f.contentType,
        content_base64: f.data.toString('base64'),
      })),
      parameters: parsed.parameters,
    };
    const r = await callPeer(rt.tracer, {
      peer: 'workflows',
      method: 'POST',
      url: `${rt.config.workflowsUrl ?? 'http://127.0.0.1:0'}/v1/workflows`,
      body: submission,
      propagate: !rt.faults.propagationBroken('backend-api->workflows'),
      timeoutMs: 10_000,
    });
    if (!r.ok) {
      // Could not hand the execution to the engine: an infrastructure error, not a pipeline failure.
      applyEvent(
        exec,
        { type: 'execution_error', error_message: `workflow submission failed: ${r.error.message}` },
        new Date().toISOString(),
      );
      finish(rec, 'error');
      rt.logger.error(`Workflow submission failed: ${r.error.message}`, req.logCtx);
      return reply.code(503).send({ detail: 'workflow engine unavailable', execution_id: id });
    }
    const estimated = new Date(now.getTime() + 5000 * pipeline.components.length).toISOString();
    return reply.code(202).send({ execution_id: id, status: 'pending', estimated_completion: estimated });
  });

  app.get<{ Querystring: { limit?: string; offset?: string; pipeline_id?: string } }>(
    '/v1/executions/',
    async (req, reply) => {
      const limit = req.query.limit === undefined ? 50 : Number(req.query.limit);
      const offset = req.query.offset === undefined ? 0 : Number(req.query.offset);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000 || !Number.isInteger(offset) || offset < 0) {
        return reply.code(400).send({ detail: 'limit must be 1..1000 and offset >= 0' });
      }
      const all = [...records.values()]
        .map((r) => r.exec)
        .filter((e) => !req.query.pipeline_id || e.pipeline_id === req.query.pipeline_id);
      all.reverse(); // newest first: the map keeps insertion order
      return all.slice(offset, offset + limit);
    },
  );

  app.get<{ Params: { id: string } }>('/v1/executions/:id', async (req, reply) => {
    const rec = records.get(req.params.id);
    if (!rec) return reply.code(404).send({ detail: 'Execution not found' });
    Object.assign(req.logCtx, { execution_id: rec.exec.execution_id, pipeline_id: rec.exec.pipeline_id });
    return rec.exec;
  });

  app.post<{ Params: { id: string } }>('/v1/executions/:id/cancel', async (req, reply) => {
    const rec = records.get(req.params.id);
    if (!rec || TERMINAL.has(rec.exec.status))
      return reply.code(404).send({ detail: 'Execution not found or not cancellable' });
    Object.assign(req.logCtx, { execution_id: rec.exec.execution_id, pipeline_id: rec.exec.pipeline_id });
    rec.exec.status = 'cancelled';
    rec.exec.completed_at = new Date().toISOString();
    for (const s of rec.exec.steps) if (s.status === 'pending' || s.status === 'running') s.status = 'skipped';
    finish(rec, 'cancelled');
    await callPeer(rt.tracer, {
      peer: 'workflows',
      method: 'POST',
      url: `${rt.config.workflowsUrl ?? ''}/v1/workflows/${encodeURIComponent(rec.exec.execution_id)}/cancel`,
      propagate: true,
      timeoutMs: 5000,
    });
    rt.logger.info('Pipeline execution cancelled', req.logCtx);
    return { message: 'Execution cancelled', execution_id: rec.exec.execution_id, status: 'cancelled' };
  });

  // Internal: the workflow engine reports transitions here (not public API, not in http metrics).
  app.post<{ Params: { id: string }; Body: WorkflowEvent }>('/internal/executions/:id/events', async (req, reply) => {
    const rec = records.get(req.params.id);
    if (!rec) return reply.code(404).send({ detail: 'Execution not found' });
    const ev = req.body;
    Object.assign(req.logCtx, {
      execution_id: rec.exec.execution_id,
      pipeline_id: rec.exec.pipeline_id,
      user_id: rec.userId,
    });
    let outputs: OutputFile[] = [];
    if (ev.type === 'step_completed' && !TERMINAL.has(rec.exec.status)) {
      outputs = await Promise.all(
        ev.outputs.map(async (o) => {
          const f = await files.save(Buffer.from(o.content_base64, 'base64'), o.filename, o.content_type);
          return {
            file_id: f.file_id,
            filename: f.filename,
            file_size: f.size,
            content_type: f.content_type,
            download_url: `/v1/files/${f.file_id}/download`,
          };
        }),
      );
    }
    const applied = applyEvent(rec.exec, ev, new Date().toISOString(), outputs);
    if (applied.ignored) return { ignored: applied.ignored };
    if (applied.outcome) {
      finish(rec, applied.outcome);
      const msg = `Pipeline execution ${rec.exec.status}${applied.outcome === 'error' ? ' (error)' : ''}`;
      if (applied.outcome === 'success') rt.logger.info(msg, req.logCtx);
      else rt.logger.error(`${msg}: ${rec.exec.error_message ?? ''}`, req.logCtx);
    }
    return { status: rec.exec.status };
  });
}

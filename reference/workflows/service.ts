import { context, SpanStatusCode, trace, type Context } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import { createApp } from '../shared/app.ts';
import { callPeer } from '../shared/peer.ts';
import type { Runtime } from '../shared/runtime.ts';
import { workflowMetrics } from '../telemetry/metrics.ts';
import type { LogContext } from '../telemetry/log-record.ts';
import type { ProcessResponse, WireFile } from '../processing/service.ts';
import { STEP_TIMEOUT_MS, stepParameters, type WorkflowEvent, type WorkflowSubmission } from './protocol.ts';

interface Job {
  sub: WorkflowSubmission;
  workflowName: string;
  /** The submit request's context: the run continues that trace. */
  ctx: Context;
  cancelled: boolean;
}

/**
 * Plays Argo Workflows: accepts an execution, queues it under a parallelism limit, runs its
 * steps in order by calling processing, and reports every transition back to backend-api.
 */
export function buildWorkflows(rt: Runtime): FastifyInstance {
  const app = createApp(rt, { bodyLimit: 100 * 1024 * 1024 });
  const m = workflowMetrics(rt.registry);
  const jobs = new Map<string, Job>();
  const queue: Job[] = [];
  let running = 0;

  const report = async (job: Job, ev: WorkflowEvent) => {
    if (!rt.config.backendUrl) return;
    const r = await callPeer(rt.tracer, {
      peer: 'backend-api',
      method: 'POST',
      url: `${rt.config.backendUrl}/internal/executions/${encodeURIComponent(job.sub.execution_id)}/events`,
      body: ev,
      propagate: true,
      timeoutMs: 10_000,
    });
    if (!r.ok) rt.logger.error(`Reporting ${ev.type} failed: ${r.error.message}`, logCtx(job));
  };

  const logCtx = (job: Job): LogContext => ({
    execution_id: job.sub.execution_id,
    pipeline_id: job.sub.pipeline_id,
    user_id: job.sub.user_id ?? null,
    input_files: job.sub.input_files.map((f) => f.filename),
    parameters: job.sub.parameters,
  });

  const runJob = async (job: Job) => {
    const sub = job.sub;
    await rt.tracer.startActiveSpan(`workflow ${job.workflowName}`, async (wfSpan) => {
      wfSpan.setAttributes({
        'execution.id': sub.execution_id,
        'pipeline.id': sub.pipeline_id,
        'workflow.name': job.workflowName,
      });
      await report(job, { type: 'execution_started', workflow_name: job.workflowName });
      rt.logger.info(`Workflow ${job.workflowName} started`, logCtx(job));
      // Each step's output feeds the next step, per input file.
      let current: WireFile[] = sub.input_files;
      for (const [i, c] of sub.components.entries()) {
        if (job.cancelled) break;
        const crash = rt.faults.pipelineCrash(c.component_type);
        if (crash) {
          wfSpan.setAttribute('fault.injected', 'pipeline_crash');
          wfSpan.setStatus({ code: SpanStatusCode.ERROR, message: 'workflow controller crashed' });
          rt.logger.error(
            `Workflow ${job.workflowName} crashed before step ${c.name} (injected fault ${crash.id})`,
            logCtx(job),
          );
          await report(job, {
            type: 'execution_error',
            error_message: `workflow controller crashed (injected fault ${crash.id})`,
          });
          wfSpan.end();
          return;
        }
        await report(job, { type: 'step_started', step_index: i });
        const outcome = await rt.tracer.startActiveSpan(`step ${c.name}`, async (stepSpan) => {
          stepSpan.setAttributes({ 'pipeline.step': c.component_type, 'step.name': c.name, 'step.index': i });
          const next: WireFile[] = [];
          const all: WireFile[] = [];
          const usage = { duration_ms: 0, input_bytes: 0, output_bytes: 0 };
          let detections: unknown;
          for (const [fi, file] of current.entries()) {
            const r = await callPeer(rt.tracer, {
              peer: 'processing',
              method: 'POST',
              url: `${rt.config.processingUrl ?? ''}/v1/process/${encodeURIComponent(c.component_type)}`,
              body: {
                execution_id: sub.execution_id,
                step_id: `${sub.execution_id}-step-${i}`,
                pipeline_id: sub.pipeline_id,
                output_basename: fi === 0 ? sub.execution_id : `${sub.execution_id}_${fi}`,
                parameters: stepParameters(c, sub.parameters),
                input: {
                  filename: file.filename,
                  content_type: file.content_type,
                  content_base64: file.content_base64,
                },
              },
              propagate: !rt.faults.propagationBroken('workflows->processing'),
              timeoutMs: STEP_TIMEOUT_MS[c.component_type] ?? 30_000,
            });
            if (!r.ok) {
              const detail = (r.body as { detail?: string } | undefined)?.detail ?? r.error.message;
              stepSpan.setStatus({ code: SpanStatusCode.ERROR, message: detail });
              stepSpan.end();
              return { ok: false as const, error: detail };
            }
            const res = r.body as ProcessResponse;
            const [primary] = res.outputs;
            if (primary) next.push(primary);
            all.push(...res.outputs);
            usage.duration_ms += res.resource_usage.duration_ms;
            usage.input_bytes += res.resource_usage.input_bytes;
            usage.output_bytes += res.resource_usage.output_bytes;
            if (res.detections !== undefined) detections = res.detections;
          }
          stepSpan.end();
          return { ok: true as const, next, all, usage, detections };
        });
        if (!outcome.ok) {
          m.steps.inc({ step: c.component_type, status: 'failed' });
          rt.logger.error(`Step ${c.name} failed: ${outcome.error}`, logCtx(job));
          await report(job, { type: 'step_failed', step_index: i, error_message: outcome.error });
          await report(job, {
            type: 'execution_failed',
            error_message: `step ${c.name} failed: ${outcome.error}`,
            failed_nodes: [c.name],
          });
          wfSpan.setStatus({ code: SpanStatusCode.ERROR, message: `step ${c.name} failed` });
          wfSpan.end();
          return;
        }
        m.steps.inc({ step: c.component_type, status: 'completed' });
        await report(job, {
          type: 'step_completed',
          step_index: i,
          outputs: outcome.all,
          resource_usage: outcome.usage,
          ...(outcome.detections !== undefined ? { detections: outcome.detections } : {}),
        });
        current = outcome.next;
      }
      if (!job.cancelled) {
        await report(job, { type: 'execution_completed' });
        rt.logger.info(`Workflow ${job.workflowName} succeeded`, logCtx(job));
      }
      wfSpan.end();
    });
  };

  const pump = () => {
    while (running < rt.config.workflowParallelism && queue.length > 0) {
      const job = queue.shift() as Job;
      running++;
      m.queued.set(queue.length);
      void context
        .with(job.ctx, () => runJob(job))
        .catch((err: unknown) => {
          context.with(job.ctx, () =>
            rt.logger.error(`Workflow ${job.workflowName} crashed: ${(err as Error).message}`, logCtx(job)),
          );
          return report(job, { type: 'execution_error', error_message: `workflow crashed: ${(err as Error).message}` });
        })
        .finally(() => {
          running--;
          jobs.delete(job.sub.execution_id);
          pump();
        });
    }
  };

  app.post<{ Body: WorkflowSubmission }>('/v1/workflows', async (req, reply) => {
    const sub = req.body;
    if (
      !sub ||
      typeof sub.execution_id !== 'string' ||
      !Array.isArray(sub.components) ||
      !Array.isArray(sub.input_files)
    ) {
      return reply.code(400).send({ detail: 'body needs execution_id, components[] and input_files[]' });
    }
    const workflowName = `imageflow-${sub.execution_id.slice(0, 8)}`;
    const job: Job = { sub, workflowName, ctx: context.active(), cancelled: false };
    req.logCtx = logCtx(job);
    trace
      .getSpan(context.active())
      ?.setAttributes({ 'execution.id': sub.execution_id, 'pipeline.id': sub.pipeline_id });
    jobs.set(sub.execution_id, job);
    queue.push(job);
    m.queued.set(queue.length);
    rt.logger.info(`Workflow ${workflowName} submitted`, req.logCtx);
    pump();
    return reply.code(202).send({ workflow_name: workflowName });
  });

  app.post<{ Params: { id: string } }>('/v1/workflows/:id/cancel', async (req, reply) => {
    const job = jobs.get(req.params.id);
    if (!job) return reply.code(404).send({ detail: 'no such workflow' });
    job.cancelled = true;
    const qi = queue.indexOf(job);
    if (qi >= 0) {
      queue.splice(qi, 1);
      jobs.delete(req.params.id);
      m.queued.set(queue.length);
    }
    return { cancelled: req.params.id };
  });
  return app;
}

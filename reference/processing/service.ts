import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import { createApp } from '../shared/app.ts';
import type { Runtime } from '../shared/runtime.ts';
import { exemplarFor, processingMetrics } from '../telemetry/metrics.ts';
import {
  aiDetection,
  enhancement,
  filter,
  resize,
  type ComponentResult,
  type ImageBlob,
  type Params,
} from './components.ts';

/** Wire format of one step between workflows and processing (images travel base64 in JSON). */
export interface ProcessRequest {
  execution_id: string;
  step_id: string;
  pipeline_id?: string;
  output_basename?: string;
  parameters?: Params;
  input: { filename: string; content_type?: string; content_base64: string };
}

export interface WireFile {
  filename: string;
  content_type: string;
  content_base64: string;
}

export interface ProcessResponse {
  outputs: WireFile[];
  detections?: unknown;
  resource_usage: { duration_ms: number; input_bytes: number; output_bytes: number };
}

const COMPONENTS = ['resize', 'ai_detection', 'filter', 'enhancement'] as const;
type ComponentName = (typeof COMPONENTS)[number];

export function buildProcessing(rt: Runtime): FastifyInstance {
  const app = createApp(rt);
  const m = processingMetrics(rt.registry);

  app.post<{ Params: { component: string }; Body: ProcessRequest }>('/v1/process/:component', async (req, reply) => {
    const component = req.params.component as ComponentName;
    if (!COMPONENTS.includes(component)) {
      return reply.code(404).send({ detail: `unknown component "${req.params.component}"` });
    }
    const body = req.body;
    if (!body || typeof body.input?.content_base64 !== 'string' || typeof body.execution_id !== 'string') {
      return reply.code(400).send({ detail: 'body needs execution_id, step_id and input.content_base64' });
    }
    req.logCtx = {
      execution_id: body.execution_id,
      pipeline_id: body.pipeline_id ?? null,
      input_files: [body.input.filename],
      parameters: body.parameters ?? {},
    };
    const span = trace.getSpan(context.active());
    span?.setAttributes({
      'pipeline.step': component,
      'execution.id': body.execution_id,
      ...(body.pipeline_id ? { 'pipeline.id': body.pipeline_id } : {}),
    });

    const injected = rt.faults.stepFailure(component);
    if (injected) {
      span?.setAttribute('fault.injected', 'step_failure');
      span?.setStatus({ code: SpanStatusCode.ERROR, message: 'injected step failure' });
      rt.logger.error(`Step ${component} failed: injected fault ${injected.id}`, req.logCtx);
      return reply.code(500).send({ detail: `step ${component} failed: injected fault ${injected.id}` });
    }

    const input: ImageBlob = {
      filename: body.input.filename,
      contentType: body.input.content_type ?? 'application/octet-stream',
      data: Buffer.from(body.input.content_base64, 'base64'),
    };
    const base = body.output_basename ?? body.execution_id;
    const params = body.parameters ?? {};
    const started = performance.now();
    let result: ComponentResult;
    try {
      result = await rt.tracer.startActiveSpan(`process ${component}`, async (s) => {
        s.setAttributes({ 'pipeline.step': component, 'image.input_bytes': input.data.length });
        try {
          switch (component) {
            case 'resize':
              return await resize(input, params, base);
            case 'filter':
              return await filter(input, params, base);
            case 'enhancement':
              return await enhancement(input, params, base);
            case 'ai_detection':
              return await aiDetection(input, params, base, rt.config.aiLatencyMs);
          }
        } catch (err) {
          s.recordException(err as Error);
          s.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
          throw err;
        } finally {
          s.end();
        }
      });
    } catch (err) {
      // Undecodable image or bad parameter: the step fails, which is the client's doing (422).
      span?.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      rt.logger.error(`Step ${component} failed: ${(err as Error).message}`, req.logCtx);
      return reply.code(422).send({ detail: `step ${component} failed: ${(err as Error).message}` });
    }
    const seconds = (performance.now() - started) / 1000;
    const ex = exemplarFor(span?.spanContext());
    m.stepDuration.observe({ labels: { step: component }, value: seconds, ...(ex ? { exemplarLabels: ex } : {}) });
    m.throughput.set({ step: component }, input.data.length / Math.max(seconds, 1e-6));
    if (result.inferenceSeconds !== undefined) {
      const model = typeof params.model_name === 'string' ? params.model_name : 'yolo11n';
      m.inference.observe({ labels: { model }, value: result.inferenceSeconds, ...(ex ? { exemplarLabels: ex } : {}) });
    }
    const outputs = [result.image, ...result.extra];
    const response: ProcessResponse = {
      outputs: outputs.map((o) => ({
        filename: o.filename,
        content_type: o.contentType,
        content_base64: o.data.toString('base64'),
      })),
      ...(result.detections ? { detections: result.detections } : {}),
      resource_usage: {
        duration_ms: Math.round(seconds * 1000),
        input_bytes: input.data.length,
        output_bytes: outputs.reduce((a, o) => a + o.data.length, 0),
      },
    };
    rt.logger.info(`Step ${component} completed in ${Math.round(seconds * 1000)}ms`, req.logCtx);
    return response;
  });
  return app;
}

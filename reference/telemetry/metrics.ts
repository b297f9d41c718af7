import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** A registry in OpenMetrics mode: the only mode in which prom-client emits exemplars (TP-4). */
export function newRegistry(): Registry<'application/openmetrics-text; version=1.0.0; charset=utf-8'> {
  const reg = new Registry<'application/openmetrics-text; version=1.0.0; charset=utf-8'>();
  reg.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  collectDefaultMetrics({ register: reg });
  return reg;
}

type OMRegistry = ReturnType<typeof newRegistry>;

/** Bucket edges in seconds; 2 is an exact edge so P95 < 2 s is measurable (spec finding 9). */
export const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10];
/** Pipeline durations; 600 s is an exact edge (KM-8 threshold: 10 min). */
export const PIPELINE_BUCKETS = [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1200, 3600];
export const STEP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];

export interface BackendMetrics {
  httpRequests: Counter<'code' | 'method' | 'route'>;
  httpDuration: Histogram<'code' | 'method' | 'route'>;
  executions: Counter<'status'>;
  concurrent: Gauge;
  executionDuration: Histogram<'status'>;
}

export const PIPELINE_OUTCOMES = ['success', 'failed', 'error'] as const;
export type PipelineOutcome = (typeof PIPELINE_OUTCOMES)[number];

export function backendMetrics(reg: OMRegistry): BackendMetrics {
  const executions = new Counter({
    name: 'pipeline_executions_total',
    help: 'Pipeline executions that reached a terminal state, by outcome (success|failed|error); cancelled ones are not counted',
    labelNames: ['status'],
    registers: [reg],
    enableExemplars: true,
  });
  // Zero series exist from the start, so Q-3 and AL-3 compute (0 / n) instead of "no data".
  for (const s of PIPELINE_OUTCOMES) executions.inc({ labels: { status: s }, value: 0 });
  const executionDuration = new Histogram({
    name: 'pipeline_execution_duration_seconds',
    help: 'Pipeline execution time from creation to terminal state, by outcome - KM-8 (mean = _sum / _count)',
    labelNames: ['status'],
    buckets: PIPELINE_BUCKETS,
    registers: [reg],
    enableExemplars: true,
  });
  // Likewise zero from the start: the first execution's duration is then a visible increase.
  for (const s of PIPELINE_OUTCOMES) executionDuration.zero({ status: s });
  return {
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'Public REST API requests by status code, method and route template',
      labelNames: ['code', 'method', 'route'],
      registers: [reg],
      enableExemplars: true,
    }),
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Public REST API response time in seconds',
      labelNames: ['code', 'method', 'route'],
      buckets: HTTP_BUCKETS,
      registers: [reg],
      enableExemplars: true,
    }),
    executions,
    concurrent: new Gauge({
      name: 'pipeline_concurrent_executions',
      help: 'Pipeline executions in flight (pending or running) - KM-6',
      registers: [reg],
    }),
    executionDuration,
  };
}

export interface ProcessingMetrics {
  stepDuration: Histogram<'step'>;
  inference: Histogram<'model'>;
  throughput: Gauge<'step'>;
}

export function processingMetrics(reg: OMRegistry): ProcessingMetrics {
  return {
    stepDuration: new Histogram({
      name: 'pipeline_processing_steps_duration_seconds',
      help: 'Processing time of one pipeline step (component) in seconds',
      labelNames: ['step'],
      buckets: STEP_BUCKETS,
      registers: [reg],
      enableExemplars: true,
    }),
    inference: new Histogram({
      name: 'ai_model_inference_duration_seconds',
      help: 'AI model inference time in seconds',
      labelNames: ['model'],
      buckets: STEP_BUCKETS,
      registers: [reg],
      enableExemplars: true,
    }),
    throughput: new Gauge({
      name: 'image_processing_throughput_bytes_per_second',
      help: 'Input bytes per second of the most recent image processed by a step',
      labelNames: ['step'],
      registers: [reg],
    }),
  };
}

export interface WorkflowMetrics {
  steps: Counter<'step' | 'status'>;
  queued: Gauge;
}

export function workflowMetrics(reg: OMRegistry): WorkflowMetrics {
  return {
    steps: new Counter({
      name: 'workflow_steps_total',
      help: 'Workflow steps finished, by component and step status (completed|failed)',
      labelNames: ['step', 'status'],
      registers: [reg],
    }),
    queued: new Gauge({
      name: 'workflow_executions_queued',
      help: 'Executions waiting for a free workflow slot (parallelism limit)',
      registers: [reg],
    }),
  };
}

/** Exemplar labels for the active span; undefined when there is none. */
export function exemplarFor(ids: { traceId: string; spanId: string } | undefined): Record<string, string> | undefined {
  return ids ? { trace_id: ids.traceId, span_id: ids.spanId } : undefined;
}

/**
 * OpenMetrics text → Prometheus 0.0.4 text, for clients that do not ask for OpenMetrics.
 * prom-client can render only one format per registry, and its OpenMetrics mode renames
 * counter families (drops `_total`), so converting the one rendering is the safe way.
 */
export function openMetricsToPrometheusText(om: string, counterFamilies: ReadonlySet<string>): string {
  const out: string[] = [];
  for (const line of om.split('\n')) {
    if (line === '# EOF' || line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+)(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta;
      const renamed = name !== undefined && counterFamilies.has(name) ? `${name}_total` : name;
      out.push(`# ${kind} ${renamed}${rest ?? ''}`);
      continue;
    }
    const hash = line.indexOf(' # {');
    out.push(hash >= 0 ? line.slice(0, hash) : line);
  }
  return `${out.join('\n')}\n`;
}

export const PROMETHEUS_TEXT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Renders the registry in the format the Accept header asks for. */
export async function renderMetrics(
  reg: OMRegistry,
  accept: string | undefined,
): Promise<{ body: string; contentType: string }> {
  const om = await reg.metrics();
  if (accept?.includes('application/openmetrics-text')) return { body: om, contentType: reg.contentType };
  const counters = new Set(
    reg
      .getMetricsAsArray()
      .filter((m) => (m as unknown as { type: string }).type === 'counter')
      .map((m) => (m as unknown as { name: string }).name),
  );
  return { body: openMetricsToPrometheusText(om, counters), contentType: PROMETHEUS_TEXT_TYPE };
}

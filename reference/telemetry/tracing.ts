import type { Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace-node';
import type { LogResource } from './log-record.ts';

let registered = false;

export interface Tracing {
  tracer: Tracer;
  /** Flushes pending spans and stops exporting (SIGTERM path). */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  resource: LogResource;
  /** OTLP/HTTP base URL; undefined → spans are created (ids for logs/exemplars) but not exported. */
  otlpEndpoint: string | undefined;
  /** Extra processors (tests use an in-memory exporter). */
  extraProcessors?: SpanProcessor[];
}

/**
 * One NodeTracerProvider per process. `register()` installs the AsyncLocalStorage context
 * manager and the W3C trace-context + baggage propagator, which is what carries the trace
 * client → backend-api → workflows → processing.
 */
export function startTracing(opts: TracingOptions): Tracing {
  const processors: SpanProcessor[] = [...(opts.extraProcessors ?? [])];
  if (opts.otlpEndpoint) {
    const exporter = new OTLPTraceExporter({ url: `${opts.otlpEndpoint}/v1/traces` });
    // Short delay so a test waiting for a trace in Jaeger does not wait 5 s for the batch.
    processors.push(
      new BatchSpanProcessor(exporter, { scheduledDelayMillis: 500, maxQueueSize: 8192, maxExportBatchSize: 1024 }),
    );
  }
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ ...opts.resource }),
    spanProcessors: processors,
  });
  // The context manager and propagator are process-global: install them once. Tracers come from
  // this provider (not the global one) so tests can run all three services in one process.
  if (!registered) {
    provider.register();
    registered = true;
  }
  return {
    tracer: provider.getTracer('imageflow-reference', opts.resource['service.version']),
    shutdown: () => provider.shutdown(),
  };
}

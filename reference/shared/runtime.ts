import type { Tracer } from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-node';
import { OTEL_SERVICE_NAMES, type ServiceConfig } from '../config.ts';
import { FaultStore } from '../faults/store.ts';
import type { LogResource } from '../telemetry/log-record.ts';
import { Logger } from '../telemetry/logger.ts';
import { newRegistry } from '../telemetry/metrics.ts';
import { startTracing } from '../telemetry/tracing.ts';

/** Everything a service's routes need: config and the three telemetry signals plus faults. */
export interface Runtime {
  config: ServiceConfig;
  tracer: Tracer;
  logger: Logger;
  faults: FaultStore;
  registry: ReturnType<typeof newRegistry>;
  /** Flush spans and logs. */
  close(): Promise<void>;
}

export function resourceFor(config: ServiceConfig): LogResource {
  return {
    'service.name': OTEL_SERVICE_NAMES[config.service],
    'service.version': config.version,
    'deployment.environment': config.environment,
    'k8s.namespace.name': config.k8sNamespace,
    'k8s.pod.name': config.podName,
  };
}

export function createRuntime(config: ServiceConfig, opts: { extraProcessors?: SpanProcessor[] } = {}): Runtime {
  const resource = resourceFor(config);
  const tracing = startTracing({
    resource,
    otlpEndpoint: config.otlpEndpoint,
    ...(opts.extraProcessors ? { extraProcessors: opts.extraProcessors } : {}),
  });
  // The logger reads the fault store, and the store logs expiries: wire through a late binding.
  const late: { logger?: Logger } = {};
  const faults = new FaultStore({
    onExpire: (f) =>
      late.logger?.info(`Fault expired: ${f.kind} ${f.id}`, { parameters: { fault_id: f.id, kind: f.kind } }),
  });
  const log = new Logger({
    service: config.service,
    version: config.version,
    resource,
    file: config.logFile,
    stdout: config.logStdout,
    droppedFields: () => faults.droppedLogFields(),
  });
  late.logger = log;
  return {
    config,
    tracer: tracing.tracer,
    logger: log,
    faults,
    registry: newRegistry(),
    close: async () => {
      await tracing.shutdown();
      await log.close();
    },
  };
}

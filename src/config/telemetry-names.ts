import { resolve } from 'node:path';
import { HarnessError } from '../util/errors.ts';
import { telemetryNamesSchema as targetConfigSchema, type TelemetryNames as TargetConfig } from '../model/context.ts';
import { loadDataFile } from '../util/schema-file.ts';

/** The reference system's services as the telemetry names them (the trace checks' `services`). */
export const DEFAULT_SERVICES: Record<string, string> = {
  'backend-api': 'imageflow-backend-api',
  workflows: 'imageflow-workflows',
  processing: 'imageflow-processing',
};

/**
 * Names the spec leaves open, defaulting to the reference system's (docs/reference-system.md):
 * a real deployment overrides them with `--target FILE` (YAML, same keys).
 */
export const DEFAULT_TARGET: TargetConfig = {
  job: 'backend-api',
  metrics: {
    // KM-6: concurrent pipeline executions (gauge).
    executionsInFlight: 'pipeline_concurrent_executions',
    // KM-8: pipeline execution time (histogram; mean = _sum / _count).
    executionDuration: 'pipeline_execution_duration_seconds',
    // KM-4 average and SLI-2 P95 come from this histogram (named by the spec).
    httpDuration: 'http_request_duration_seconds',
    httpRequests: 'http_requests_total',
    executions: 'pipeline_executions_total',
  },
  executionStatus: { completed: 'success', failed: 'failed', error: 'error' },
  // The reference system (like most services) does not count its health probe.
  uninstrumentedRoutes: ['GET /v1/health'],
  // The trace checks' service names → the reference's OTel service.name.
  services: DEFAULT_SERVICES,
};

/** Fills what a partial mapping leaves out with the defaults. */
export function withDefaults(t: Partial<TargetConfig>): TargetConfig {
  return {
    job: t.job ?? DEFAULT_TARGET.job,
    metrics: { ...DEFAULT_TARGET.metrics, ...(t.metrics ?? {}) },
    executionStatus: { ...DEFAULT_TARGET.executionStatus, ...(t.executionStatus ?? {}) },
    uninstrumentedRoutes: t.uninstrumentedRoutes ?? DEFAULT_TARGET.uninstrumentedRoutes,
    services: { ...DEFAULT_SERVICES, ...(t.services ?? {}) },
  };
}

/** The telemetry names mapping (`--telemetry-map FILE`), read by the one schema loader. */
export async function loadTarget(file: string | undefined): Promise<TargetConfig | HarnessError> {
  if (!file) return DEFAULT_TARGET;
  try {
    return withDefaults(
      await loadDataFile<Partial<TargetConfig>>(resolve(file), targetConfigSchema, 'telemetry names mapping'),
    );
  } catch (err) {
    if (err instanceof HarnessError) return err;
    throw err;
  }
}

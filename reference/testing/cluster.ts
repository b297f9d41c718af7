import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { loadConfig, type ServiceName } from '../config.ts';
import { startService, type RunningService } from '../server.ts';

export interface Cluster {
  backend: RunningService;
  workflows: RunningService;
  processing: RunningService;
  dir: string;
  adminToken: string;
  /** Finished spans of all three services. */
  spans(): ReadableSpan[];
  stop(): Promise<void>;
}

/**
 * The three services in this process on ephemeral loopback ports, spans captured in memory.
 * Real HTTP between them, so propagation is tested across the wire.
 */
export async function startCluster(env: Record<string, string> = {}): Promise<Cluster> {
  const dir = await mkdtemp(join(tmpdir(), 'imageflow-ref-'));
  const exporter = new InMemorySpanExporter();
  const adminToken = 'test-admin-token';
  const cfg = (service: ServiceName, extra: Record<string, string>) => {
    const c = loadConfig(service, {
      IMAGEFLOW_HOST: '127.0.0.1',
      IMAGEFLOW_PORT: '0',
      IMAGEFLOW_LOG_FILE: join(dir, `app-${service}.jsonl`),
      IMAGEFLOW_LOG_STDOUT: '0',
      IMAGEFLOW_DATA_DIR: join(dir, 'data'),
      IMAGEFLOW_ADMIN_TOKEN: adminToken,
      IMAGEFLOW_AI_LATENCY_MS: '1-5',
      ...env,
      ...extra,
    });
    if (c instanceof Error) throw c;
    return c;
  };
  const processors = () => [new SimpleSpanProcessor(exporter)];
  const processing = await startService(cfg('processing', {}), { extraProcessors: processors() });
  const workflows = await startService(cfg('workflows', { IMAGEFLOW_PROCESSING_URL: processing.url }), {
    extraProcessors: processors(),
  });
  const backend = await startService(
    cfg('backend-api', { IMAGEFLOW_WORKFLOWS_URL: workflows.url, IMAGEFLOW_PROCESSING_URL: processing.url }),
    { extraProcessors: processors() },
  );
  workflows.rt.config.backendUrl = backend.url;
  return {
    backend,
    workflows,
    processing,
    dir,
    adminToken,
    spans: () => exporter.getFinishedSpans(),
    stop: async () => {
      await Promise.all([backend.stop(200), workflows.stop(200), processing.stop(200)]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

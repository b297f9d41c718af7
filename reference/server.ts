import type { FastifyInstance } from 'fastify';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-node';
import type { ServiceConfig } from './config.ts';
import { buildBackend } from './backend/service.ts';
import { buildProcessing } from './processing/service.ts';
import { createRuntime, type Runtime } from './shared/runtime.ts';
import { buildWorkflows } from './workflows/service.ts';

export interface RunningService {
  app: FastifyInstance;
  rt: Runtime;
  url: string;
  /** Stop accepting, give in-flight requests `graceMs`, then cut connections; flush spans and logs. */
  stop(graceMs?: number): Promise<void>;
}

/** Builds and starts one service (used by main.ts and by tests in-process). */
export async function startService(
  config: ServiceConfig,
  opts: { extraProcessors?: SpanProcessor[] } = {},
): Promise<RunningService> {
  const rt = createRuntime(config, opts);
  const app =
    config.service === 'backend-api'
      ? (await buildBackend(rt)).app
      : config.service === 'workflows'
        ? buildWorkflows(rt)
        : buildProcessing(rt);
  await app.listen({ host: config.host, port: config.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  rt.config.port = port;
  rt.logger.info(`${config.service} listening on http://${config.host}:${port}`);
  return {
    app,
    rt,
    url: `http://${config.host}:${port}`,
    stop: async (graceMs = 2000) => {
      // Keep-alive connections a client never closes would hold close() open for the whole
      // keep-alive timeout (72 s); after the grace period they are cut.
      const cut = setTimeout(() => app.server.closeAllConnections(), graceMs);
      await app.close();
      clearTimeout(cut);
      await rt.close();
    },
  };
}

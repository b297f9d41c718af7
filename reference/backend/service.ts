import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { createApp } from '../shared/app.ts';
import type { Runtime } from '../shared/runtime.ts';
import { backendMetrics } from '../telemetry/metrics.ts';
import { Auth } from './auth.ts';
import { registerExecutionRoutes } from './executions.ts';
import { FileStore, fileView } from './files.ts';
import { registerPipelineRoutes } from './pipelines.ts';
import type { Pipeline } from './types.ts';

/** Routes that need no bearer token. */
const OPEN = new Set(['/v1/auth/login', '/v1/health', '/metrics']);

export async function buildBackend(
  rt: Runtime,
  opts: { auth?: Auth } = {},
): Promise<{ app: FastifyInstance; auth: Auth }> {
  const metrics = backendMetrics(rt.registry);
  const app = createApp(rt, {
    httpMetrics: metrics,
    adminPeers: { workflows: rt.config.workflowsUrl, processing: rt.config.processingUrl },
  });
  await app.register(multipart, { limits: { fileSize: 20 * 1024 * 1024, files: 20 } });
  const auth = opts.auth ?? new Auth(rt.config.users, rt.config.jwtSecret, rt.config.tokenTtlSeconds);
  const files = new FileStore(rt.config.dataDir);
  const pipelines = new Map<string, Pipeline>();

  app.addHook('preHandler', async (req, reply) => {
    const route = req.routeOptions.url ?? '';
    if (!route.startsWith('/v1/') || OPEN.has(route)) return undefined;
    const user = await auth.verify(req.headers.authorization);
    if (!user) {
      return reply.code(401).header('www-authenticate', 'Bearer').send({ detail: 'Could not validate credentials' });
    }
    req.logCtx.user_id = user.username;
    return undefined;
  });

  app.post('/v1/auth/login', async (req, reply) => {
    const body = (req.body ?? {}) as { username?: unknown; password?: unknown };
    const user = auth.check(body.username, body.password);
    if (!user) return reply.code(401).send({ detail: 'Incorrect username or password' });
    req.logCtx.user_id = user.username;
    return { access_token: await auth.issue(user), token_type: 'bearer', expires_in: auth.ttlSeconds };
  });

  app.get('/v1/auth/me', async (req) => {
    const user = await auth.verify(req.headers.authorization);
    return { username: user?.username, role: user?.role };
  });

  registerPipelineRoutes(app, pipelines);
  registerExecutionRoutes(app, rt, { pipelines, files, metrics });

  app.post('/v1/files/', async (req, reply) => {
    if (!req.isMultipart()) return reply.code(400).send({ detail: 'expected multipart/form-data with a file part' });
    try {
      for await (const part of req.parts()) {
        if (part.type === 'file' && part.fieldname === 'file') {
          const f = await files.save(await part.toBuffer(), part.filename || 'upload.bin', part.mimetype);
          return reply.code(201).send(fileView(f));
        }
      }
    } catch (err) {
      return reply.code(400).send({ detail: `malformed multipart body: ${(err as Error).message}` });
    }
    return reply.code(400).send({ detail: 'a "file" part is required' });
  });

  app.get<{ Params: { id: string } }>('/v1/files/:id', async (req, reply) => {
    const f = files.get(req.params.id);
    return f ? fileView(f) : reply.code(404).send({ detail: 'File not found' });
  });

  app.get<{ Params: { id: string } }>('/v1/files/:id/download', async (req, reply) => {
    const f = files.get(req.params.id);
    if (!f) return reply.code(404).send({ detail: 'File not found' });
    return reply
      .type(f.content_type)
      .header('content-disposition', `attachment; filename="${f.filename.replace(/"/g, '')}"`)
      .send(await files.read(f));
  });

  app.delete<{ Params: { id: string } }>('/v1/files/:id', async (req, reply) => {
    return (await files.delete(req.params.id))
      ? { message: 'File deleted' }
      : reply.code(404).send({ detail: 'File not found' });
  });

  return { app, auth };
}

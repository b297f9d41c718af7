import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { COMPONENT_CATALOG, COMPONENT_TYPES, type Pipeline, type PipelineComponent } from './types.ts';

interface PipelineBody {
  name?: unknown;
  description?: unknown;
  components?: unknown;
}

/** Validates a create/update body; returns the problem text or the parsed parts. */
export function parsePipelineBody(
  body: unknown,
): { name: string; description: string | null; components: PipelineComponent[] } | string {
  if (!body || typeof body !== 'object') return 'body must be a JSON object';
  const b = body as PipelineBody;
  if (typeof b.name !== 'string' || b.name.trim() === '') return 'name is required';
  if (!Array.isArray(b.components) || b.components.length === 0) return 'components must be a non-empty array';
  const components: PipelineComponent[] = [];
  for (const [i, c] of (b.components as unknown[]).entries()) {
    if (!c || typeof c !== 'object') return `components[${i}] must be an object`;
    const o = c as Record<string, unknown>;
    if (typeof o.component_type !== 'string' || !(COMPONENT_TYPES as readonly string[]).includes(o.component_type)) {
      return `components[${i}].component_type must be one of ${COMPONENT_TYPES.join(', ')}`;
    }
    if (
      o.parameters !== undefined &&
      (typeof o.parameters !== 'object' || o.parameters === null || Array.isArray(o.parameters))
    ) {
      return `components[${i}].parameters must be an object`;
    }
    components.push({
      id: typeof o.id === 'string' ? o.id : randomUUID(),
      name: typeof o.name === 'string' && o.name ? o.name : `${o.component_type}-${i + 1}`,
      component_type: o.component_type,
      parameters: (o.parameters as Record<string, unknown> | undefined) ?? {},
      dependencies: Array.isArray(o.dependencies)
        ? o.dependencies.filter((d): d is string => typeof d === 'string')
        : [],
    });
  }
  return { name: b.name, description: typeof b.description === 'string' ? b.description : null, components };
}

export function registerPipelineRoutes(app: FastifyInstance, pipelines: Map<string, Pipeline>): void {
  app.get('/v1/components/', async () => COMPONENT_CATALOG);

  app.get('/v1/pipelines/', async () => [...pipelines.values()].reverse());

  app.post('/v1/pipelines/', async (req, reply) => {
    const parsed = parsePipelineBody(req.body);
    // 422 for a body that parses but does not validate, as the FastAPI original does.
    if (typeof parsed === 'string') return reply.code(422).send({ detail: parsed });
    const now = new Date().toISOString();
    const p: Pipeline = {
      id: randomUUID(),
      ...parsed,
      created_by: req.logCtx.user_id ?? 'unknown',
      created_at: now,
      updated_at: now,
    };
    pipelines.set(p.id, p);
    req.logCtx.pipeline_id = p.id;
    return reply.code(201).send(p);
  });

  app.get<{ Params: { id: string } }>('/v1/pipelines/:id', async (req, reply) => {
    const p = pipelines.get(req.params.id);
    if (!p) return reply.code(404).send({ detail: 'Pipeline not found' });
    req.logCtx.pipeline_id = p.id;
    return p;
  });

  app.put<{ Params: { id: string } }>('/v1/pipelines/:id', async (req, reply) => {
    const p = pipelines.get(req.params.id);
    if (!p) return reply.code(404).send({ detail: 'Pipeline not found' });
    const parsed = parsePipelineBody(req.body);
    if (typeof parsed === 'string') return reply.code(422).send({ detail: parsed });
    Object.assign(p, parsed, { updated_at: new Date().toISOString() });
    req.logCtx.pipeline_id = p.id;
    return p;
  });

  app.delete<{ Params: { id: string } }>('/v1/pipelines/:id', async (req, reply) => {
    if (!pipelines.delete(req.params.id)) return reply.code(404).send({ detail: 'Pipeline not found' });
    req.logCtx.pipeline_id = req.params.id;
    return { message: 'Pipeline deleted' };
  });
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServiceName } from '../config.ts';
import type { Runtime } from '../shared/runtime.ts';
import { parseFaultSpec, type Fault } from './model.ts';

/** Admin base URLs of the other services (backend-api is the front door for all faults). */
export type AdminPeers = Partial<Record<ServiceName, string>>;

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

function authorised(rt: Runtime, req: FastifyRequest): boolean {
  const auth = req.headers.authorization;
  const token = auth?.startsWith('Bearer ') ? auth.slice(7) : req.headers['x-admin-token'];
  return token === rt.config.adminToken && LOOPBACK.has(req.socket.remoteAddress ?? '');
}

async function forward(
  rt: Runtime,
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${rt.config.adminToken ?? ''}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  } catch (err) {
    return { status: 502, body: { detail: `peer admin API at ${base} failed: ${(err as Error).message}` } };
  }
}

/**
 * Fault admin API (enabled only when IMAGEFLOW_ADMIN_TOKEN is set; loopback callers only):
 *   GET    /admin/faults        active faults (backend-api: of all three services)
 *   POST   /admin/faults        add one fault (backend-api forwards to the fault's service)
 *   DELETE /admin/faults        reset (backend-api: all three services)
 *   DELETE /admin/faults/:id    remove one
 */
export function registerAdmin(app: FastifyInstance, rt: Runtime, peers: AdminPeers): void {
  const self = rt.config.service;
  const guard = async (req: FastifyRequest, reply: FastifyReply) => {
    if (!authorised(rt, req)) return reply.code(401).send({ detail: 'admin token required (loopback only)' });
    return undefined;
  };
  const peerList = Object.entries(peers).filter(([s, u]) => s !== self && u) as Array<[ServiceName, string]>;

  app.get('/admin/faults', { preHandler: guard }, async () => {
    const faults: Fault[] = [...rt.faults.list()];
    for (const [, base] of peerList) {
      const r = await forward(rt, base, 'GET', '/admin/faults');
      const list = (r.body as { faults?: Fault[] } | undefined)?.faults;
      if (r.status === 200 && Array.isArray(list)) faults.push(...list);
    }
    return { faults };
  });

  app.post('/admin/faults', { preHandler: guard }, async (req, reply) => {
    const spec = parseFaultSpec(req.body);
    if (spec instanceof Error) return reply.code(400).send({ detail: spec.message, hint: spec.hint });
    if (spec.service !== self) {
      const base = peers[spec.service];
      if (!base) {
        return reply
          .code(400)
          .send({ detail: `this is ${self}; post ${spec.service} faults to ${spec.service}'s admin API` });
      }
      const r = await forward(rt, base, 'POST', '/admin/faults', req.body);
      return reply.code(r.status).send(r.body);
    }
    const fault = rt.faults.add(spec);
    rt.logger.warn(`Fault injected: ${fault.kind} ${fault.id} for ${fault.ttl_seconds}s`, {
      parameters: { fault_id: fault.id, kind: fault.kind },
    });
    return reply.code(201).send(fault);
  });

  app.delete('/admin/faults', { preHandler: guard }, async () => {
    let cleared = rt.faults.reset();
    for (const [, base] of peerList) {
      const r = await forward(rt, base, 'DELETE', '/admin/faults');
      cleared += (r.body as { cleared?: number } | undefined)?.cleared ?? 0;
    }
    rt.logger.warn(`Faults reset (${cleared} cleared)`);
    return { cleared };
  });

  app.delete<{ Params: { id: string } }>('/admin/faults/:id', { preHandler: guard }, async (req, reply) => {
    if (rt.faults.remove(req.params.id)) return { removed: req.params.id };
    for (const [, base] of peerList) {
      const r = await forward(rt, base, 'DELETE', `/admin/faults/${encodeURIComponent(req.params.id)}`);
      if (r.status === 200) return r.body;
    }
    return reply.code(404).send({ detail: `no active fault ${req.params.id}` });
  });
}

import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type RouteOptions } from 'fastify';
import type { LogContext } from '../telemetry/log-record.ts';
import { exemplarFor, renderMetrics, type BackendMetrics } from '../telemetry/metrics.ts';
import { registerAdmin, type AdminPeers } from '../faults/admin.ts';
import type { Runtime } from './runtime.ts';
import { setTimeout as delay } from 'node:timers/promises';

declare module 'fastify' {
  interface FastifyRequest {
    /** The SERVER span of this request. */
    span: Span | null;
    /** Context with `span` active: handlers run inside it (see the onRoute hook). */
    spanCtx: Context | null;
    /** What the request's log records carry (user, execution, pipeline ids). */
    logCtx: LogContext;
  }
}

export interface AppOptions {
  /** backend-api only: the public API's http metrics (metric ownership: no other service counts). */
  httpMetrics?: Pick<BackendMetrics, 'httpRequests' | 'httpDuration'>;
  /** backend-api only: peers whose admin APIs it fans out to. */
  adminPeers?: AdminPeers;
  bodyLimit?: number;
}

/** Routes that are not part of the public API: not counted in http metrics, not access-logged. */
function isPublicRoute(route: string): boolean {
  return route.startsWith('/v1/') && route !== '/v1/health';
}

function quiet(route: string): boolean {
  return route === '/metrics' || route === '/v1/health';
}

/**
 * The Fastify app every service shares: a SERVER span per request (W3C context extracted),
 * request faults (latency, error), http metrics with exemplars, access logs, /v1/health,
 * /metrics and the fault admin API.
 */
export function createApp(rt: Runtime, opts: AppOptions = {}): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: opts.bodyLimit ?? 50 * 1024 * 1024, return503OnClosing: true });
  app.decorateRequest('span', null);
  app.decorateRequest('spanCtx', null);
  // Fastify wants null for reference-type decorations; onRequest sets a fresh object per request.
  app.decorateRequest('logCtx', null as unknown as LogContext);

  // Every handler runs with the request span active, so child spans, outgoing calls and log
  // records join the trace without passing context by hand.
  app.addHook('onRoute', (route: RouteOptions) => {
    const handler = route.handler;
    route.handler = function wrapped(this: FastifyInstance, req: FastifyRequest, reply: FastifyReply) {
      return context.with(req.spanCtx ?? context.active(), () => handler.call(this, req, reply));
    } as RouteOptions['handler'];
  });

  app.addHook('onRequest', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    req.logCtx = {};
    // The client→backend-api hop can be cut by a fault: the incoming traceparent is ignored.
    const ignoreParent = rt.config.service === 'backend-api' && rt.faults.propagationBroken('client->backend-api');
    const parent = ignoreParent ? ROOT_CONTEXT : propagation.extract(ROOT_CONTEXT, req.headers);
    const path = req.url.split('?')[0] ?? req.url;
    const span = rt.tracer.startSpan(
      `${req.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          // The design's (older) attribute names next to the current semantic conventions.
          'http.method': req.method,
          'http.url': req.url,
          'http.route': route,
          'http.request.method': req.method,
          'url.path': path,
          'server.port': rt.config.port,
        },
      },
      parent,
    );
    req.span = span;
    req.spanCtx = trace.setSpan(parent, span);

    const added = rt.faults.latencyMs(req.method, route, path);
    if (added > 0) {
      span.setAttribute('fault.latency_ms', Math.round(added));
      await delay(added);
    }
    const code = rt.faults.httpError(req.method, route, path);
    if (code !== undefined) {
      span.setAttribute('fault.injected', 'http_error');
      return reply.code(code).send({ detail: `injected fault: HTTP ${code}` });
    }
    return undefined;
  });

  app.addHook('onResponse', async (req, reply) => {
    const span = req.span;
    if (!span) return;
    const route = req.routeOptions.url ?? 'unmatched';
    const code = reply.statusCode;
    span.setAttributes({ 'http.status_code': code, 'http.response.status_code': code });
    if (req.logCtx.user_id) span.setAttribute('user.id', req.logCtx.user_id);
    if (req.logCtx.pipeline_id) span.setAttribute('pipeline.id', req.logCtx.pipeline_id);
    if (code >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${code}` });
    const ids = span.spanContext();
    span.end();
    // Unknown paths under /v1 are client errors against the API too (SLI-1 counts them).
    const countable = isPublicRoute(route) || (route === 'unmatched' && req.url.startsWith('/v1/'));
    if (opts.httpMetrics && countable) {
      // The metrics_lie fault makes the telemetry lie here (the truth checks must notice).
      const recorded = code >= 500 && rt.faults.metricsLie('code_as_200') ? 200 : code;
      const labels = { code: String(recorded), method: req.method, route };
      const exemplarLabels = exemplarFor(ids);
      opts.httpMetrics.httpRequests.inc({ labels, value: 1, ...(exemplarLabels ? { exemplarLabels } : {}) });
      opts.httpMetrics.httpDuration.observe({
        labels,
        value: rt.faults.metricsLie('duration_ms') ? reply.elapsedTime : reply.elapsedTime / 1000,
        ...(exemplarLabels ? { exemplarLabels } : {}),
      });
    }
    if (!quiet(route)) {
      context.with(req.spanCtx ?? ROOT_CONTEXT, () => {
        const ctx = { ...req.logCtx, http: { method: req.method, url: req.url, status_code: code } };
        const msg = `${req.method} ${req.url} ${code} ${reply.elapsedTime.toFixed(1)}ms`;
        if (code >= 500) rt.logger.error(msg, ctx);
        else rt.logger.info(msg, ctx);
      });
    }
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) {
      req.span?.recordException(err);
      context.with(req.spanCtx ?? ROOT_CONTEXT, () =>
        rt.logger.error(`Unhandled error: ${err.message}`, {
          ...req.logCtx,
          http: { method: req.method, url: req.url, status_code: status },
        }),
      );
    }
    void reply.code(status).send({ detail: status >= 500 ? 'internal server error' : err.message });
  });

  app.setNotFoundHandler((_req, reply) => {
    void reply.code(404).send({ detail: 'Not Found' });
  });

  app.get('/v1/health', async () => ({ status: 'healthy', service: rt.config.service, version: rt.config.version }));

  app.get('/metrics', async (req, reply) => {
    if (rt.faults.metricsOutage()) {
      return reply.code(503).send({ detail: 'injected fault: metrics exposition stopped' });
    }
    const { body, contentType } = await renderMetrics(rt.registry, req.headers.accept);
    return reply.type(contentType).send(body);
  });

  if (rt.config.adminToken) registerAdmin(app, rt, opts.adminPeers ?? {});
  return app;
}

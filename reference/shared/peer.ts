import { context, propagation, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { ServiceError } from './errors.ts';

export interface PeerCall {
  peer: string;
  method: 'GET' | 'POST';
  url: string;
  body?: unknown;
  /** False when a break_propagation fault cuts this hop: no traceparent is sent. */
  propagate: boolean;
  timeoutMs: number;
}

export type PeerResult =
  { ok: true; status: number; body: unknown } | { ok: false; status?: number; body?: unknown; error: ServiceError };

/**
 * One HTTP call to a peer service inside a CLIENT span, with W3C trace context injected into
 * the headers (the hop of TP-2). Never throws: transport errors and non-2xx come back as values.
 */
export async function callPeer(tracer: Tracer, call: PeerCall): Promise<PeerResult> {
  const u = new URL(call.url);
  const span = tracer.startSpan(`${call.method} ${u.pathname}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      'http.method': call.method,
      'http.request.method': call.method,
      'http.url': call.url,
      'url.full': call.url,
      'server.address': u.hostname,
      'server.port': Number(u.port),
      'peer.service': call.peer,
    },
  });
  const headers: Record<string, string> = { accept: 'application/json' };
  if (call.body !== undefined) headers['content-type'] = 'application/json';
  if (call.propagate) propagation.inject(trace.setSpan(context.active(), span), headers);
  try {
    const res = await fetch(call.url, {
      method: call.method,
      headers,
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
      signal: AbortSignal.timeout(call.timeoutMs),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text for the error message
    }
    span.setAttributes({ 'http.status_code': res.status, 'http.response.status_code': res.status });
    if (res.status >= 400) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${res.status}` });
      return {
        ok: false,
        status: res.status,
        body,
        error: new ServiceError('PEER_HTTP', `${call.peer} answered ${res.status} to ${call.method} ${u.pathname}`, {
          details: typeof text === 'string' ? text.slice(0, 500) : undefined,
        }),
      };
    }
    return { ok: true, status: res.status, body };
  } catch (err) {
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
    return {
      ok: false,
      error: new ServiceError('PEER_UNREACHABLE', `${call.peer} did not answer ${call.method} ${u.pathname}`, {
        cause: err,
        hint: `is ${call.peer} running at ${u.origin}?`,
      }),
    };
  } finally {
    span.end();
  }
}

import { readFile } from 'node:fs/promises';
import { waitFor } from './wait.ts';

/** Instant query → the first sample's value, or undefined when the result is empty. */
export async function promValue(prometheus: string, query: string): Promise<number | undefined> {
  const res = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await res.json()) as { status: string; data?: { result: Array<{ value: [number, string] }> } };
  if (body.status !== 'success') throw new Error(`query failed: ${query}`);
  const v = body.data?.result[0]?.value[1];
  return v === undefined ? undefined : Number(v);
}

/** Waits until a PromQL value satisfies `pred`; returns it (throws with the last value on timeout). */
export async function waitProm(
  prometheus: string,
  query: string,
  pred: (v: number | undefined) => boolean,
  timeoutMs = 20_000,
): Promise<number | undefined> {
  const r = await waitFor(
    async () => {
      const v = await promValue(prometheus, query);
      return { done: pred(v), value: v, reason: `${query} = ${v}` };
    },
    { timeoutMs, intervalMs: 250 },
  );
  if (!r.ok) throw new Error(`timed out: ${r.reason}`);
  return r.value;
}

export interface JaegerSpan {
  service: string;
  name: string;
  spanId: string;
  parentSpanId: string;
  statusCode: number;
  attributes: Record<string, unknown>;
}

interface OtlpAttr {
  key: string;
  value: { stringValue?: string; intValue?: string | number; boolValue?: boolean };
}

/** A trace from Jaeger's stable api_v3 (OTLP JSON); undefined while it is not there (404). */
export async function jaegerTrace(jaegerQuery: string, traceId: string): Promise<JaegerSpan[] | undefined> {
  const res = await fetch(`${jaegerQuery}/api/v3/traces/${traceId}`);
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`jaeger answered ${res.status}`);
  const body = (await res.json()) as {
    result: {
      resourceSpans: Array<{
        resource: { attributes: OtlpAttr[] };
        scopeSpans: Array<{
          spans: Array<{
            name: string;
            spanId: string;
            parentSpanId?: string;
            status?: { code?: number };
            attributes?: OtlpAttr[];
          }>;
        }>;
      }>;
    };
  };
  const out: JaegerSpan[] = [];
  for (const rs of body.result.resourceSpans) {
    const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';
    for (const ss of rs.scopeSpans) {
      for (const s of ss.spans) {
        const attributes: Record<string, unknown> = {};
        for (const a of s.attributes ?? [])
          attributes[a.key] = a.value.stringValue ?? a.value.intValue ?? a.value.boolValue;
        out.push({
          service,
          name: s.name,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId ?? '',
          statusCode: s.status?.code ?? 0,
          attributes,
        });
      }
    }
  }
  return out;
}

export async function waitTrace(
  jaegerQuery: string,
  traceId: string,
  pred: (spans: JaegerSpan[]) => boolean,
  timeoutMs = 20_000,
): Promise<JaegerSpan[]> {
  const r = await waitFor(
    async () => {
      const spans = await jaegerTrace(jaegerQuery, traceId);
      return {
        done: spans !== undefined && pred(spans),
        value: spans,
        reason: spans ? `${spans.length} spans` : 'not in Jaeger yet',
      };
    },
    { timeoutMs, intervalMs: 250 },
  );
  if (!r.ok || !r.value) throw new Error(`trace ${traceId}: ${r.reason}`);
  return r.value;
}

export async function readLog(path: string): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export async function waitLog(
  path: string,
  pred: (r: Record<string, unknown>) => boolean,
  timeoutMs = 10_000,
): Promise<Record<string, unknown>> {
  const r = await waitFor(
    async () => {
      const rec = (await readLog(path)).find(pred);
      return { done: rec !== undefined, value: rec, reason: 'no matching log record yet' };
    },
    { timeoutMs, intervalMs: 100 },
  );
  if (!r.ok || !r.value) throw new Error(`log ${path}: ${r.reason}`);
  return r.value;
}

export function randomTraceId(): string {
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

import type { AttrValue, Span, SpanKind, SpanStatus } from '../model/trace.ts';

/**
 * OTLP JSON (as Jaeger's api_v3 answers it) → the small span model. Tolerant of both enum
 * spellings (numbers, or `SPAN_KIND_SERVER` names) and of base64 IDs (protobuf's JSON
 * mapping) next to the hex IDs Jaeger sends; anything unreadable is left out, not guessed.
 */

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
}
interface OtlpKeyValue {
  key?: string;
  value?: OtlpValue;
}
interface OtlpSpan {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  kind?: number | string;
  startTimeUnixNano?: string | number;
  endTimeUnixNano?: string | number;
  attributes?: OtlpKeyValue[];
  status?: { code?: number | string; message?: string };
}
interface OtlpResourceSpans {
  resource?: { attributes?: OtlpKeyValue[] };
  scopeSpans?: Array<{ spans?: OtlpSpan[] }>;
}

const KINDS: SpanKind[] = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

function kindOf(k: number | string | undefined): SpanKind {
  if (typeof k === 'number') return KINDS[k] ?? 'unspecified';
  const name = (k ?? '').replace(/^SPAN_KIND_/, '').toLowerCase();
  return (KINDS as string[]).includes(name) ? (name as SpanKind) : 'unspecified';
}

function statusOf(c: number | string | undefined): SpanStatus {
  if (c === 1 || c === 'STATUS_CODE_OK') return 'ok';
  if (c === 2 || c === 'STATUS_CODE_ERROR') return 'error';
  return 'unset';
}

/** Hex IDs pass through (lower-cased); base64 IDs of the right byte length become hex. */
export function hexId(id: string | undefined, bytes: number): string | undefined {
  if (!id) return undefined;
  if (new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(id)) return id.toLowerCase();
  const b = Buffer.from(id, 'base64');
  return b.length === bytes ? b.toString('hex') : undefined;
}

function valueOf(v: OtlpValue | undefined): AttrValue | undefined {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.intValue !== undefined) {
    // int64 above 2^53 stays a string rather than silently losing digits.
    const n = Number(v.intValue);
    return Number.isSafeInteger(n) ? n : String(v.intValue);
  }
  if (v.arrayValue) return JSON.stringify((v.arrayValue.values ?? []).map(valueOf));
  return undefined;
}

function attrs(list: OtlpKeyValue[] | undefined): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const kv of list ?? []) {
    const v = valueOf(kv.value);
    if (kv.key && v !== undefined) out[kv.key] = v;
  }
  return out;
}

const nanosToMs = (n: string | number | undefined): number => (n === undefined ? Number.NaN : Number(n) / 1e6);

/** `{"result":{"resourceSpans":[…]}}` (or the bare `{"resourceSpans":[…]}`) → spans. */
export function spansFromOtlp(doc: unknown): Span[] {
  const d = doc as { result?: { resourceSpans?: OtlpResourceSpans[] }; resourceSpans?: OtlpResourceSpans[] } | null;
  const rss = d?.result?.resourceSpans ?? d?.resourceSpans ?? [];
  const out: Span[] = [];
  for (const rs of rss) {
    const res = attrs(rs.resource?.attributes);
    const service = typeof res['service.name'] === 'string' ? res['service.name'] : 'unknown_service';
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        const traceId = hexId(s.traceId, 16);
        const spanId = hexId(s.spanId, 8);
        if (!traceId || !spanId) continue;
        const parent = hexId(s.parentSpanId, 8);
        const span: Span = {
          traceId,
          spanId,
          service,
          name: s.name ?? '',
          kind: kindOf(s.kind),
          status: statusOf(s.status?.code),
          attributes: attrs(s.attributes),
          start: nanosToMs(s.startTimeUnixNano),
          end: nanosToMs(s.endTimeUnixNano),
        };
        if (parent && !/^0+$/.test(parent)) span.parentSpanId = parent;
        if (s.status?.message) span.statusMessage = s.status.message;
        out.push(span);
      }
    }
  }
  return out;
}

/** Trace IDs in a find-traces answer, with their span counts. */
export function traceIdsFromOtlp(doc: unknown): Array<{ traceId: string; spans: number; start: number }> {
  const out = new Map<string, { traceId: string; spans: number; start: number }>();
  for (const s of spansFromOtlp(doc)) {
    const t = out.get(s.traceId) ?? { traceId: s.traceId, spans: 0, start: s.start };
    t.spans++;
    t.start = Math.min(t.start, s.start);
    out.set(s.traceId, t);
  }
  return [...out.values()];
}

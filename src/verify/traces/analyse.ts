import type { TraceSample } from '../../model/ledger.ts';
import { DEFAULT_SERVICES } from '../../config/telemetry-names.ts';
import type { TraceIndex } from './selector.ts';
import type { Span, TraceRecord } from '../../model/trace.ts';

/**
 * What one trace says about propagation. Pure: spans in, findings out. Every problem names
 * the hop (`caller → callee`) so a broken trace points at the service that lost the context.
 */

export const short = (id: string | undefined): string => (id ? `${id.slice(0, 8)}…` : '?');

export interface Naming {
  /** Logical → telemetry (for queries). */
  telemetry: (logical: string) => string;
  /** Telemetry → logical (for selectors and messages). */
  logical: (span: Span) => string;
}

export function naming(map: Record<string, string> = DEFAULT_SERVICES): Naming {
  const back = new Map(Object.entries(map).map(([l, t]) => [t, l]));
  return { telemetry: (l) => map[l] ?? l, logical: (s) => back.get(s.service) ?? s.service };
}

/** Does the server span continue the client's context: same trace, the client span its parent? */
export function entrySpans(t: TraceIndex, sample: TraceSample, entry: string): Span[] {
  return t.spans.filter((s) => s.kind === 'server' && t.service(s) === entry && s.parentSpanId === sample.spanId);
}

/**
 * Problems breaking the trace: a second root, a span whose parent is missing (orphan), a peer
 * call the peer answered (it has a status code) but no span of the peer continued.
 */
export function brokenHops(t: TraceIndex, sample: TraceSample, entry: string): string[] {
  const problems: string[] = [];
  const callersOf = (svc: string) => [
    ...new Set(
      t.spans.filter((c) => c.kind === 'client' && c.attributes['peer.service'] === svc).map((c) => t.service(c)),
    ),
  ];
  const roots = t.spans.filter((s) => !s.parentSpanId || !t.byId.has(s.parentSpanId));
  // The entry span hangs under the client's span, which the client does not export.
  const isEntry = (s: Span) =>
    sample.spanId ? s.parentSpanId === sample.spanId : s === [...roots].sort((a, b) => a.start - b.start)[0];
  for (const s of roots) {
    if (isEntry(s)) continue;
    const svc = t.service(s);
    if (s.parentSpanId) {
      const caller = svc === entry && sample.spanId ? 'client' : callersOf(svc).join('|') || '?';
      problems.push(`${caller} → ${svc}: parent span ${short(s.parentSpanId)} missing (span "${s.name}")`);
    } else problems.push(`? → ${svc}: a second root span "${s.name}" (${short(s.spanId)})`);
  }
  for (const c of t.spans) {
    const peer = c.attributes['peer.service'];
    if (c.kind !== 'client' || typeof peer !== 'string' || c.attributes['http.status_code'] === undefined) continue;
    if ((t.children.get(c.spanId) ?? []).some((k) => t.service(k) === peer)) continue;
    problems.push(`${t.service(c)} → ${peer}: no ${peer} span continues client span ${short(c.spanId)} ("${c.name}")`);
  }
  if (sample.spanId && !roots.some((s) => s.parentSpanId === sample.spanId)) {
    const r = roots[0];
    problems.push(
      `client → ${entry}: no span has the client's span ${short(sample.spanId)} as parent` +
        (r ? ` (root: "${r.name}" of ${t.service(r)}, parent ${r.parentSpanId ? short(r.parentSpanId) : 'none'})` : ''),
    );
  }
  return problems;
}

/** Service dependency edges (`caller -> callee`) where a span's parent is in another service. */
export function edgesOf(t: TraceIndex): string[] {
  const out = new Set<string>();
  for (const s of t.spans) {
    const p = s.parentSpanId ? t.byId.get(s.parentSpanId) : undefined;
    if (p && t.service(p) !== t.service(s)) out.add(`${t.service(p)} -> ${t.service(s)}`);
  }
  return [...out].sort();
}

/**
 * Missing traces: `lost` when a trace sent later did arrive (the store is not merely behind:
 * a later sampled trace, or any trace of the entry service the store began later),
 * `lagging` when none sent at or after it arrived yet.
 */
export function classifyMissing(
  samples: TraceSample[],
  records: Map<string, TraceRecord>,
  /** The newest start (unix ms) of any trace the store holds for the entry service. */
  storeNewest = -Infinity,
): { lost: TraceSample[]; lagging: TraceSample[] } {
  let newestFound = storeNewest;
  for (const s of samples)
    if (records.get(s.traceId)?.state === 'found') newestFound = Math.max(newestFound, Date.parse(s.time));
  const missing = samples.filter((s) => records.get(s.traceId)?.state !== 'found');
  return {
    lost: missing.filter((s) => Date.parse(s.time) < newestFound),
    lagging: missing.filter((s) => Date.parse(s.time) >= newestFound),
  };
}

import type { Span, TraceFindObs } from '../../model/trace.ts';
import type { TraceQuery } from './trace-query.ts';

/**
 * TP-5's pure part: which traces of a find-traces answer an alert's `trace_query` matches,
 * and, when none, what was measured about its tags. Tags compare as Jaeger compares them:
 * the attribute's string form equals the value; `error=true` also matches a span with error
 * status (Jaeger shows OTLP's error status as the tag `error=true`).
 */

/** A trace's page in the Jaeger UI (the bare ID without a UI base). */
export const traceLink = (base: string | undefined, id: string): string =>
  base ? `${base.replace(/\/+$/, '')}/trace/${id}` : id;

/** A span of the query's service (and operation) carrying every tag of the query. */
export function spanMatches(
  s: Span,
  q: { service: string; operation?: string; tags: Record<string, string> },
): boolean {
  if (s.service !== q.service) return false;
  if (q.operation !== undefined && s.name !== q.operation) return false;
  return Object.entries(q.tags).every(([k, v]) => {
    const a = s.attributes[k];
    if (a !== undefined && String(a) === v) return true;
    return k === 'error' && v === 'true' && s.status === 'error';
  });
}

export interface LinkMeasure {
  /** Distinct traces in the answer. */
  traces: number;
  /** Trace IDs with a matching span. */
  matched: string[];
  /** Per tag: the values seen on the service's spans (string form), and why the value can never match. */
  tags: Array<{ key: string; value: string; seen: Array<string | number | boolean>; never?: string }>;
}

const STATUS_CLASS = /^([1-5])xx$/i;

/** Measures the search answer against the query (`service` as the store names it). */
export function measureLink(q: TraceQuery, service: string, found: TraceFindObs): LinkMeasure {
  const own = { ...q, service };
  const ids = new Set(found.spans.map((s) => s.traceId));
  const matched = [...new Set(found.spans.filter((s) => spanMatches(s, own)).map((s) => s.traceId))];
  const tags = Object.entries(q.tags).map(([key, value]) => {
    const withKey = found.spans.filter((s) => s.service === service && s.attributes[key] !== undefined);
    const seen = [...new Set(withKey.map((s) => s.attributes[key]!))].sort((a, b) =>
      String(a).localeCompare(String(b)),
    );
    const numeric = seen.length > 0 && seen.every((v) => typeof v === 'number');
    if (!numeric || /^-?[0-9]+(\.[0-9]+)?$/.test(value)) return { key, value, seen };
    // A number's string form is digits: a value that is not one can never equal it.
    const cls = STATUS_CLASS.exec(value);
    let never = `${value} is not a number while ${key} holds numbers`;
    if (cls) {
      const lo = Number(cls[1]) * 100;
      const inClass = new Set(
        withKey
          .filter((s) => (s.attributes[key] as number) >= lo && (s.attributes[key] as number) < lo + 100)
          .map((s) => s.traceId),
      );
      never = `0 traces match ${key}=${value} while ${inClass.size} traces in the window have ${key} ${value} (${lo}…${lo + 99})`;
    }
    return { key, value, seen, never };
  });
  return { traces: ids.size, matched, tags };
}

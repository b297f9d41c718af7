import type { CheckBase } from '../../model/check.ts';
import type { Observation } from '../../model/observation.ts';
import type { Request } from '../../model/request.ts';
import { substituteMetrics } from '../placeholders.ts';
import { isoRange, unexpected, verdict, violated } from '../verdict.ts';
import { traceLink as link } from '../traces/trace-link.ts';
import { defineKind } from './kind.ts';

/**
 * TP-4 by behaviour: the trace IDs Prometheus holds as exemplars resolve to traces in the
 * trace store. First pass: the exemplars (`/api/v1/query_exemplars`); follow-up: a bounded
 * sample of their trace IDs looked up in Jaeger (with the source's normal polling).
 */
export interface ExemplarTracesCheck extends CheckBase {
  source: 'exemplar-traces';
  selector: string;
  /** Exemplar label that carries the trace ID. */
  traceIdLabel: string;
  /** At most this many distinct trace IDs are looked up (default 20). */
  sample?: number;
}

export const DEFAULT_EXEMPLAR_SAMPLE = 20;

/**
 * The distinct trace IDs of the exemplars, oldest first, thinned evenly to at most `n`
 * (the newest always kept: it is the one most likely still arriving). Pure.
 */
export function sampleExemplarIds(o: Observation | undefined, label: string, n: number): string[] {
  if (o?.kind !== 'exemplars') return [];
  const first = new Map<string, number>();
  for (const e of o.series.flatMap((s) => s.exemplars)) {
    const id = e.labels[label];
    const seen = id ? first.get(id) : undefined;
    if (id && (seen === undefined || e.timestamp < seen)) first.set(id, e.timestamp);
  }
  const ids = [...first.entries()].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0])).map(([id]) => id);
  if (ids.length <= n) return ids;
  if (n <= 1) return ids.slice(-n);
  return Array.from({ length: n }, (_, i) => ids[Math.round((i * (ids.length - 1)) / (n - 1))]!);
}

export const exemplarTraces = defineKind<ExemplarTracesCheck>({
  source: 'exemplar-traces',
  schema: {
    properties: {
      selector: { type: 'string' },
      traceIdLabel: { type: 'string' },
      sample: { type: 'integer', minimum: 1, maximum: 200 },
    },
    required: ['selector', 'traceIdLabel'],
  },
  load(check, { where, target, problems }) {
    check.selector = substituteMetrics(check.selector, target, problems, `${where}/selector`);
  },
  requests: (check, ctx, _ledger, win) => [
    { key: 'main', backend: 'prometheus', op: 'exemplars', query: check.selector, start: win.start, end: ctx.evalTime },
  ],
  followUp(check, first): Request[] {
    const ids = sampleExemplarIds(first.main, check.traceIdLabel, check.sample ?? DEFAULT_EXEMPLAR_SAMPLE);
    // No expected services: a trace counts once it is there and its span count settled.
    return ids.length
      ? [{ key: 'traces', backend: 'traces', op: 'get', traces: ids.map((id) => ({ id, services: [] })) }]
      : [];
  },
  evaluate(check, obs, ctx, _ledger, win) {
    const o = obs.main;
    const n = check.sample ?? DEFAULT_EXEMPLAR_SAMPLE;
    const common = {
      queries: [check.selector],
      range: isoRange({ start: win.start, end: ctx.evalTime }),
      expected: `every sampled exemplar ${check.traceIdLabel} (at most ${n}) is a trace in the trace store`,
    };
    if (o?.kind !== 'exemplars')
      return verdict(check, 'inconclusive', 'unexpected observation', {
        ...common,
        reason: unexpected(o, 'exemplars'),
      });
    const exemplars = o.series.reduce((k, s) => k + s.exemplars.length, 0);
    const ids = sampleExemplarIds(o, check.traceIdLabel, n);
    if (ids.length === 0)
      return verdict(
        check,
        'inconclusive',
        exemplars === 0
          ? 'no exemplars in the window: nothing to look up in the trace store'
          : `none of the ${exemplars} exemplars in the window carries a ${check.traceIdLabel} label`,
        { ...common, observed: `${exemplars} exemplars`, reason: 'no exemplar trace IDs to resolve' },
      );
    const t = obs.traces;
    if (t?.kind !== 'traces')
      return verdict(check, 'inconclusive', 'unexpected observation', { ...common, reason: unexpected(t, 'traces') });
    const byId = new Map(t.traces.map((r) => [r.traceId, r]));
    const missing = ids.filter((id) => byId.get(id)?.state !== 'found');
    const found = ids.length - missing.length;
    const details = {
      exemplars,
      sampled: ids.length,
      found,
      missing,
      spans: Object.fromEntries(ids.map((id) => [id, byId.get(id)?.spans.length ?? 0])),
    };
    if (missing.length === 0)
      return verdict(
        check,
        'pass',
        `all ${ids.length} sampled exemplar trace IDs (of ${exemplars} exemplars) resolve to traces in the trace store`,
        {
          ...common,
          observed: `${found}/${ids.length} found`,
          details,
          links: ids.slice(0, 3).map((id) => link(t.from, id)),
        },
      );
    const shown = missing.slice(0, 5).join(', ') + (missing.length > 5 ? `, … (${missing.length - 5} more)` : '');
    return verdict(
      check,
      violated(check),
      `${missing.length} of ${ids.length} sampled exemplar trace IDs are not in the trace store: ${shown}`,
      {
        ...common,
        observed: `${found}/${ids.length} found`,
        details,
        links: missing.slice(0, 3).map((id) => link(t.from, id)),
      },
    );
  },
});

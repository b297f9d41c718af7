import type { CheckBase } from '../../model/check.ts';
import { substituteMetrics } from '../placeholders.ts';
import { isoRange, unexpected, verdict, violated } from '../verdict.ts';
import { defineKind } from './kind.ts';

export interface PromExemplarsCheck extends CheckBase {
  source: 'prometheus-exemplars';
  selector: string;
  /** Exemplar label that must carry a W3C trace ID. */
  traceIdLabel: string;
}

const TRACE_ID = /^[0-9a-f]{32}$/;

export const prometheusExemplars = defineKind<PromExemplarsCheck>({
  source: 'prometheus-exemplars',
  schema: {
    properties: { selector: { type: 'string' }, traceIdLabel: { type: 'string' } },
    required: ['selector', 'traceIdLabel'],
  },
  load(check, { where, target, problems }) {
    check.selector = substituteMetrics(check.selector, target, problems, `${where}/selector`);
  },
  requests: (check, ctx, _ledger, win) => [
    { key: 'main', backend: 'prometheus', op: 'exemplars', query: check.selector, start: win.start, end: ctx.evalTime },
  ],
  evaluate(check, obs, ctx, _ledger, win) {
    const o = obs.main;
    const common = {
      queries: [check.selector],
      range: isoRange({ start: win.start, end: ctx.evalTime }),
      expected: `exemplars with a 32-hex ${check.traceIdLabel}`,
    };
    if (o?.kind !== 'exemplars')
      return verdict(check, 'inconclusive', 'unexpected observation', {
        ...common,
        reason: unexpected(o, 'exemplars'),
      });
    const all = o.series.flatMap((s) => s.exemplars);
    if (all.length === 0) {
      return verdict(
        check,
        violated(check),
        'no exemplars in the window (is exemplar storage on and the target scraped as OpenMetrics?)',
        { ...common, observed: 0 },
      );
    }
    const bad = all.filter((e) => !TRACE_ID.test(e.labels[check.traceIdLabel] ?? ''));
    const ok = bad.length === 0;
    return verdict(
      check,
      ok ? 'pass' : violated(check),
      ok
        ? `${all.length} exemplars, all carry a W3C trace ID`
        : `${bad.length}/${all.length} exemplars lack a valid ${check.traceIdLabel}`,
      {
        ...common,
        observed: `${all.length} exemplars, ${bad.length} invalid`,
        details: { sample: all.slice(0, 3) },
      },
    );
  },
});

import type { CheckBase } from '../../model/check.ts';
import { substituteMetrics } from '../placeholders.ts';
import { isoRange, promLink, unexpected, verdict, violated } from '../verdict.ts';
import { rangeOf } from '../window.ts';
import { defineKind } from './kind.ts';

/** Every selector/expression must return at least one series with samples in the window. */
export interface PromSeriesCheck extends CheckBase {
  source: 'prometheus-series';
  selectors: string[];
  /** `present` (default): the series must exist. `absent`: they must not (measured findings). */
  expect?: 'present' | 'absent';
}

export const prometheusSeries = defineKind<PromSeriesCheck>({
  source: 'prometheus-series',
  evidence: 'conformance',
  schema: {
    properties: {
      selectors: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 },
      expect: { enum: ['present', 'absent'] },
    },
    required: ['selectors'],
  },
  load(check, { where, target, problems }) {
    check.selectors = check.selectors.map((s, j) => substituteMetrics(s, target, problems, `${where}/selectors/${j}`));
  },
  requests: (check, ctx, _ledger, win) =>
    // count_over_time tells "has samples in the window" without pulling every sample.
    check.selectors.map((s, i) => ({
      key: `s${i}`,
      backend: 'prometheus',
      op: 'instant',
      query: `count_over_time(${s}[${rangeOf(win, ctx)}])`,
      time: ctx.evalTime,
    })),
  evaluate(check, obs, ctx, _ledger, win, queries) {
    const expect = check.expect ?? 'present';
    const found: Record<string, number> = {};
    for (const [i, sel] of check.selectors.entries()) {
      const o = obs[`s${i}`];
      if (o?.kind !== 'vector')
        return verdict(check, 'inconclusive', 'unexpected observation', { queries, reason: unexpected(o, 'vector') });
      found[sel] = o.samples.length;
    }
    const missing = Object.entries(found)
      .filter(([, n]) => n === 0)
      .map(([s]) => s);
    const present = Object.entries(found)
      .filter(([, n]) => n > 0)
      .map(([s]) => s);
    const common = {
      queries,
      range: isoRange({ start: win.start, end: ctx.evalTime }),
      details: { seriesPerSelector: found },
      links: queries.flatMap((q) => promLink(ctx, q, { start: win.start, end: ctx.evalTime })).slice(0, 3),
    };
    if (expect === 'present') {
      const ok = missing.length === 0;
      return verdict(
        check,
        ok ? 'pass' : violated(check),
        ok
          ? `all ${present.length} selector(s) have samples in the window`
          : `no samples in the window for: ${missing.join(', ')}`,
        {
          ...common,
          observed: `${present.length}/${check.selectors.length} present`,
          expected: 'every selector has samples',
        },
      );
    }
    const ok = present.length === 0;
    return verdict(
      check,
      ok ? 'pass' : violated(check),
      ok ? `none of ${check.selectors.join(', ')} exists` : `present: ${present.join(', ')}`,
      {
        ...common,
        observed: `${present.length}/${check.selectors.length} present`,
        expected: 'absent',
      },
    );
  },
});

import type { CheckBase } from '../../model/check.ts';
import { substituteMetrics } from '../placeholders.ts';
import { fmt, isoRange, promLink, unexpected, verdict, violated } from '../verdict.ts';
import { rangeOf } from '../window.ts';
import { defineKind } from './kind.ts';

export interface PromBucketCheck extends CheckBase {
  source: 'prometheus-buckets';
  /** The `_bucket` series selector. */
  selector: string;
  /** The `le` bound that must exist (seconds). */
  bound: number;
}

export const prometheusBuckets = defineKind<PromBucketCheck>({
  source: 'prometheus-buckets',
  evidence: 'conformance',
  schema: { properties: { selector: { type: 'string' }, bound: { type: 'number' } }, required: ['selector', 'bound'] },
  load(check, { where, target, problems }) {
    check.selector = substituteMetrics(check.selector, target, problems, `${where}/selector`);
  },
  requests: (check, ctx, _ledger, win) => [
    {
      key: 'main',
      backend: 'prometheus',
      op: 'instant',
      query: `count by (le) (last_over_time(${check.selector}[${rangeOf(win, ctx)}]))`,
      time: ctx.evalTime,
    },
  ],
  evaluate(check, obs, ctx, _ledger, win, queries) {
    const query = queries[0] ?? check.selector;
    const o = obs.main;
    const common = {
      queries: [query],
      range: isoRange({ start: win.start, end: ctx.evalTime }),
      links: promLink(ctx, query, { start: win.start, end: ctx.evalTime }),
      expected: `a bucket with le="${check.bound}"`,
    };
    if (o?.kind !== 'vector')
      return verdict(check, 'inconclusive', 'unexpected observation', { ...common, reason: unexpected(o, 'vector') });
    const les = o.samples
      .map((s) => Number(s.labels.le === '+Inf' ? Infinity : s.labels.le))
      .filter((x) => !Number.isNaN(x))
      .sort((a, b) => a - b);
    if (les.length === 0)
      return verdict(check, 'inconclusive', 'no histogram buckets found in the window', {
        ...common,
        reason: 'no series',
      });
    const has = les.some((le) => Math.abs(le - check.bound) < 1e-9);
    const below = les.filter((le) => le < check.bound).pop();
    const above = les.find((le) => le > check.bound);
    return verdict(
      check,
      has ? 'pass' : violated(check),
      has
        ? `the histogram has a bucket edge at ${check.bound}: the threshold is measured exactly`
        : `no bucket edge at ${check.bound}; nearest edges ${below ?? '-'} and ${above ?? '-'}: the threshold can only be bracketed`,
      { ...common, observed: les.map((l) => fmt(l)).join(', ') },
    );
  },
});

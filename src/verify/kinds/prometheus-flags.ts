import type { CheckBase, Comparator } from '../../model/check.ts';
import { parseDuration } from '../../util/duration.ts';
import { compare } from '../compare.ts';
import { comparator } from '../schema-parts.ts';
import { unexpected, verdict, violated } from '../verdict.ts';
import { defineKind } from './kind.ts';

export interface PromFlagCheck extends CheckBase {
  source: 'prometheus-flags';
  flag: string;
  comparator: Comparator;
  /** A Prometheus duration (`180d`) or a number. */
  target: string;
}

export const prometheusFlags = defineKind<PromFlagCheck>({
  source: 'prometheus-flags',
  evidence: 'conformance',
  schema: {
    properties: { flag: { type: 'string' }, comparator, target: { type: 'string' } },
    required: ['flag', 'comparator', 'target'],
  },
  load(check, { where, problems }) {
    if (parseDuration(check.target) === undefined && Number.isNaN(Number(check.target)))
      problems.push(`${where}/target: "${check.target}" is neither a duration nor a number`);
  },
  requests: () => [{ key: 'main', backend: 'prometheus', op: 'flags' }],
  evaluate(check, obs, ctx) {
    const o = obs.main;
    const links = ctx.urls.prometheus ? [`${ctx.urls.prometheus.replace(/\/$/, '')}/flags`] : [];
    const expected = `${check.flag} ${check.comparator} ${check.target}`;
    if (o?.kind !== 'flags')
      return verdict(check, 'inconclusive', 'unexpected observation', {
        links,
        expected,
        reason: unexpected(o, 'flags'),
      });
    const raw = o.flags[check.flag];
    if (raw === undefined)
      return verdict(check, 'inconclusive', `Prometheus reports no flag ${check.flag}`, {
        links,
        expected,
        reason: 'flag not reported',
      });
    const num = (s: string) => parseDuration(s) ?? Number(s);
    const value = num(raw);
    const target = num(check.target);
    // Prometheus 2.x reports an unset retention as "0s" and applies the 15d default.
    const effective = check.flag === 'storage.tsdb.retention.time' && value === 0 ? 15 * 86400 : value;
    const ok = compare(effective, check.comparator, target);
    return verdict(
      check,
      ok ? 'pass' : violated(check),
      `${check.flag}=${raw}${effective !== value ? ' (unset: default 15d applies)' : ''}`,
      {
        links,
        expected,
        observed: raw,
      },
    );
  },
});

import type { CheckBase } from '../../model/check.ts';
import { unexpected, verdict, violated } from '../verdict.ts';
import { defineKind } from './kind.ts';

export interface PromTargetsCheck extends CheckBase {
  source: 'prometheus-targets';
  jobs: string[];
  /** Jobs that are judged only when Prometheus has them configured (e.g. cAdvisor). */
  optionalJobs?: string[];
}

export const prometheusTargets = defineKind<PromTargetsCheck>({
  source: 'prometheus-targets',
  evidence: 'conformance',
  schema: {
    properties: {
      jobs: { type: 'array', items: { type: 'string' }, minItems: 1 },
      optionalJobs: { type: 'array', items: { type: 'string' } },
    },
    required: ['jobs'],
  },
  requests: () => [{ key: 'main', backend: 'prometheus', op: 'targets' }],
  evaluate(check, obs, ctx) {
    const o = obs.main;
    const links = ctx.urls.prometheus ? [`${ctx.urls.prometheus.replace(/\/$/, '')}/targets`] : [];
    if (o?.kind !== 'targets')
      return verdict(check, 'inconclusive', 'unexpected observation', { links, reason: unexpected(o, 'targets') });
    const problems: string[] = [];
    const status: Record<string, string> = {};
    for (const job of [...check.jobs, ...(check.optionalJobs ?? [])]) {
      const ts = o.targets.filter((t) => t.job === job);
      const optional = !check.jobs.includes(job);
      if (ts.length === 0) {
        status[job] = optional ? 'not deployed (optional)' : 'not configured';
        if (!optional) problems.push(`${job}: no target`);
        continue;
      }
      const down = ts.filter((t) => t.health !== 'up');
      status[job] = down.length
        ? `${down.length}/${ts.length} down: ${down.map((d) => d.lastError || d.health).join('; ')}`
        : `${ts.length} up`;
      if (down.length) problems.push(`${job}: ${status[job]}`);
    }
    const ok = problems.length === 0;
    return verdict(
      check,
      ok ? 'pass' : violated(check),
      ok ? `every job is up: ${check.jobs.join(', ')}` : problems.join('; '),
      {
        links,
        observed: Object.entries(status)
          .map(([j, s]) => `${j}=${s}`)
          .join(', '),
        expected: 'every listed job has targets, all up',
        details: { status },
      },
    );
  },
});

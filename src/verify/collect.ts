import { HarnessError } from '../util/errors.ts';
import type { AlertmanagerSource } from '../sources/alertmanager.ts';
import type { LogSource } from '../sources/logs.ts';
import type { PrometheusSource } from '../sources/prometheus.ts';
import type { Ledger } from '../ledger/types.ts';
import { requestsFor } from './plan.ts';
import type { Check, EvalContext, Observation, Observations, Request } from './types.ts';

export interface Sources {
  prometheus?: PrometheusSource;
  alertmanager?: AlertmanagerSource;
  logs?: LogSource;
}

function asObs(backend: string, r: Observation | HarnessError): Observation {
  return r instanceof HarnessError ? { kind: 'error', backend, code: r.code, message: r.message } : r;
}

async function fetchOne(req: Request, s: Sources): Promise<Observation> {
  const missing = (b: string): Observation => ({
    kind: 'error',
    backend: b,
    code: 'SOURCE_NOT_CONFIGURED',
    message: `no ${b} source`,
  });
  if (req.backend === 'alertmanager')
    return s.alertmanager ? asObs('alertmanager', await s.alertmanager.alerts()) : missing('alertmanager');
  if (req.backend === 'logs') {
    if (!s.logs) return missing('logs');
    if (req.op === 'records') return asObs('logs', await s.logs.records(req.start, req.end));
    // The services' own files are no store to follow (ARCH-4 is skipped): nothing to look up.
    if (!s.logs.findTraces) return { kind: 'log-traces', store: s.logs.store, from: [], found: [] };
    const r = await s.logs.findTraces(req.ids, req.start, req.end);
    return r instanceof HarnessError ? asObs('logs', r) : { kind: 'log-traces', store: s.logs.store, ...r };
  }
  const p = s.prometheus;
  if (!p) return missing('prometheus');
  switch (req.op) {
    case 'range':
      return asObs('prometheus', await p.range(req.query, req.start, req.end, req.step));
    case 'instant':
      return asObs('prometheus', await p.instant(req.query, req.time));
    case 'flags':
      return asObs('prometheus', await p.flags());
    case 'rules':
      return asObs('prometheus', await p.rules());
    case 'targets':
      return asObs('prometheus', await p.targets());
    case 'alerts':
      return asObs('prometheus', await p.alerts());
    case 'alertmanagers':
      return asObs('prometheus', await p.alertmanagers());
    case 'exemplars':
      return asObs('prometheus', await p.exemplars(req.query, req.start, req.end));
  }
}

/**
 * Fetches every observation the checks need, with bounded concurrency. Identical requests
 * (rules, targets, the same query at the same time) are fetched once and shared. Never
 * throws: a failed fetch is recorded as an error observation for the core to judge.
 */
export async function collect(
  checks: Check[],
  ctx: EvalContext,
  ledger: Ledger | undefined,
  sources: Sources,
  concurrency = 6,
): Promise<Observations> {
  const plan = checks.flatMap((c) =>
    requestsFor(c, ctx, ledger).map((r) => ({ check: c.id, req: r, key: JSON.stringify({ ...r, key: undefined }) })),
  );
  const cache = new Map<string, Promise<Observation>>();
  const out: Observations = {};
  let next = 0;
  const worker = async () => {
    while (next < plan.length) {
      const item = plan[next++]!;
      let p = cache.get(item.key);
      if (!p) {
        p = fetchOne(item.req, sources).catch((err: unknown) => ({
          kind: 'error' as const,
          backend: item.req.backend,
          code: 'SOURCE_FAILED',
          message: err instanceof Error ? err.message : String(err),
        }));
        cache.set(item.key, p);
      }
      (out[item.check] ??= {})[item.req.key] = await p;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, plan.length) }, worker));
  return out;
}

import type { EvalContext } from '../model/context.ts';
import type { Ledger } from '../model/ledger.ts';
import type { Observation, Observations, SourceErrorObs } from '../model/observation.ts';
import type { Request } from '../model/request.ts';
import { listBackends, type Backends } from '../sources/backends.ts';
import type { Check } from './kinds/index.ts';
import { followUpsFor, requestsFor } from './plan.ts';
import { firstError } from './verdict.ts';

/** The opened backend the request names answers it; none opened is an error observation. */
function fetchOne(req: Request, backends: Backends): Promise<Observation> {
  const b = listBackends(backends).find((x) => x.name === req.backend);
  if (b) return b.fetch(req);
  const missing: SourceErrorObs = {
    kind: 'error',
    backend: req.backend,
    code: 'SOURCE_NOT_CONFIGURED',
    message: `no ${req.backend} source`,
  };
  return Promise.resolve(missing);
}

type PlanItem = { check: string; req: Request; key: string };

const planOf = (check: string, reqs: Request[]): PlanItem[] =>
  reqs.map((r) => ({ check, req: r, key: JSON.stringify({ ...r, key: undefined }) }));

/**
 * Fetches every observation the checks need, with bounded concurrency. Identical requests
 * (rules, targets, the same query at the same time) are fetched once and shared. A second
 * pass fetches the follow-up requests of the kinds that have them (requests built from the
 * first answers), for the checks whose first answers carry no source error. Never throws: a
 * failed fetch is recorded as an error observation for the core to judge.
 */
export async function collect(
  checks: Check[],
  ctx: EvalContext,
  ledger: Ledger | undefined,
  backends: Backends,
  opts: { concurrency?: number; deadlineAt?: number; now?: () => number } = {},
): Promise<Observations> {
  const concurrency = opts.concurrency ?? 6;
  const now = opts.now ?? Date.now;
  const cache = new Map<string, Promise<Observation>>();
  const out: Observations = {};
  const run = async (plan: PlanItem[]) => {
    let next = 0;
    const worker = async () => {
      while (next < plan.length) {
        const item = plan[next++]!;
        let p = cache.get(item.key);
        if (!p && opts.deadlineAt !== undefined && now() > opts.deadlineAt) {
          // Past the overall deadline nothing new is fetched: not observed, never passed.
          p = Promise.resolve({
            kind: 'error' as const,
            backend: item.req.backend,
            code: 'VERIFY_DEADLINE',
            message: 'not fetched: the verification deadline had passed (a slow or failing backend; see --deadline)',
          });
          cache.set(item.key, p);
        }
        if (!p) {
          p = fetchOne(item.req, backends).catch((err: unknown) => ({
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
  };
  await run(checks.flatMap((c) => planOf(c.id, requestsFor(c, ctx, ledger))));
  // The first answers with an error are judged inconclusive as they are: nothing to follow.
  await run(
    checks.flatMap((c) => {
      const first = out[c.id] ?? {};
      return firstError(first) ? [] : planOf(c.id, followUpsFor(c, first, ctx, ledger));
    }),
  );
  return out;
}

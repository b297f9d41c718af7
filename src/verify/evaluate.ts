import type { EvalContext } from '../model/context.ts';
import type { Ledger } from '../model/ledger.ts';
import type { Observations } from '../model/observation.ts';
import type { Request } from '../model/request.ts';
import type { Outcome, Verdict } from '../model/verdict.ts';
import { kindOf, type Check } from './kinds/index.ts';
import { followUpsFor, requestsFor } from './plan.ts';
import { firstError, isoRange, verdict } from './verdict.ts';
import { checkWindow } from './window.ts';

function backendsOf(reqs: Request[]): Set<Request['backend']> {
  return new Set(reqs.map((r) => r.backend));
}

function queriesOf(reqs: Request[]): string[] {
  return [...new Set(reqs.flatMap((r) => ('query' in r ? [r.query] : [])))];
}

/** Checks × observations × ledger → verdicts. Pure: no I/O, no clock. */
export function evaluate(
  checks: Check[],
  observations: Observations,
  ledger: Ledger | undefined,
  ctx: EvalContext,
): Verdict[] {
  return checks.map((c) => evaluateOne(c, observations[c.id] ?? {}, ledger, ctx));
}

export function evaluateOne(
  check: Check,
  obs: Observations[string],
  ledger: Ledger | undefined,
  ctx: EvalContext,
): Verdict {
  const reqs = requestsFor(check, ctx, ledger);
  const queries = queriesOf(reqs);
  const win = checkWindow(check, ctx, ledger);
  const range = isoRange({ start: win.start, end: ctx.evalTime });
  // Not observed is never passed: an unconfigured backend leaves its checks undecided.
  const unconfigured = (rs: Request[]) => {
    const b = [...backendsOf(rs)].find((x) => !ctx.backends[x]);
    return b === undefined
      ? undefined
      : verdict(check, 'inconclusive', `the ${b} backend is not configured`, {
          queries,
          range,
          reason: `no ${b} configured`,
        });
  };
  const off = unconfigured(reqs);
  if (off) return off;
  if (check.phase && ledger && !ledger.phases.some((p) => p.name === check.phase)) {
    return verdict(check, 'inconclusive', `the run has no phase "${check.phase}"`, {
      queries,
      range,
      reason: 'phase not in the ledger',
    });
  }
  if (check.minTraffic && ledger) {
    const { requests, executions } = check.minTraffic;
    const short: string[] = [];
    if (requests !== undefined && ledger.requests.total < requests)
      short.push(`${ledger.requests.total} requests < ${requests}`);
    if (executions !== undefined && ledger.executions.created < executions)
      short.push(`${ledger.executions.created} executions < ${executions}`);
    if (short.length)
      return verdict(check, 'inconclusive', `not enough traffic to judge: ${short.join(', ')}`, {
        queries,
        range,
        reason: 'not enough traffic to judge',
      });
  }
  const kind = kindOf(check);
  if (kind.needsLedger && !ledger) {
    return verdict(check, 'skipped', 'needs the ground-truth ledger of a run', {
      queries,
      range,
      reason: 'no ledger (verify without run)',
    });
  }
  // The follow-ups are built from the first answers exactly as collect built them (from
  // first answers without an error: a follow-up's own backend unconfigured is named as such).
  const follow = followUpsFor(check, obs, ctx, ledger);
  const followOff = unconfigured(follow);
  if (followOff) return followOff;
  const err = firstError(obs);
  if (err) {
    return verdict(check, 'inconclusive', `${err.backend}: ${err.message}`, {
      queries,
      range,
      reason: `${err.backend} ${err.code}: ${err.message}`,
    });
  }
  for (const r of [...reqs, ...follow]) {
    if (!obs[r.key])
      return verdict(check, 'inconclusive', `no observation "${r.key}" was collected`, {
        queries,
        range,
        reason: 'not collected',
      });
  }
  const v = kind.evaluate(check, obs, ctx, ledger, win, queries);
  return { ...v, evidence: v.evidence ?? kind.evidence ?? 'behaviour' };
}

/**
 * Precedence for the run's overall status: one fail fails the gate; anything unobserved
 * makes it inconclusive; and a run in which no gate check was judged at all (every one
 * skipped, or none selected) is inconclusive too — nothing proven is never a pass.
 */
export function overall(verdicts: Verdict[]): Outcome {
  const gate = verdicts.filter((v) => v.severity === 'gate');
  if (gate.some((v) => v.outcome === 'fail')) return 'fail';
  if (gate.some((v) => v.outcome === 'inconclusive')) return 'inconclusive';
  if (!gate.some((v) => v.outcome === 'pass')) return 'inconclusive';
  if (verdicts.some((v) => v.outcome === 'warn' || v.outcome === 'fail')) return 'warn';
  return 'pass';
}

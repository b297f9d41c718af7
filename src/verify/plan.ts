import type { EvalContext } from '../model/context.ts';
import type { Ledger } from '../model/ledger.ts';
import type { Request } from '../model/request.ts';
import { kindOf, type Check } from './kinds/index.ts';
import type { CheckObservations } from './kinds/kind.ts';
import { checkWindow } from './window.ts';

/** Everything one check needs fetched, keyed by the names its evaluator reads. Pure. */
export function requestsFor(check: Check, ctx: EvalContext, ledger: Ledger | undefined): Request[] {
  return kindOf(check).requests(check, ctx, ledger, checkWindow(check, ctx, ledger));
}

/** The requests a check builds from its first answers (none for most kinds). Pure. */
export function followUpsFor(
  check: Check,
  first: CheckObservations,
  ctx: EvalContext,
  ledger: Ledger | undefined,
): Request[] {
  return kindOf(check).followUp?.(check, first, ctx, ledger, checkWindow(check, ctx, ledger)) ?? [];
}

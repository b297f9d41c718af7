import type { CheckBase } from '../model/check.ts';
import type { EvalContext } from '../model/context.ts';
import type { Ledger } from '../model/ledger.ts';
import { formatDuration } from '../util/duration.ts';
import type { Window } from './kinds/kind.ts';

/** The time range one check judges: its phase when it names one, else the run window. */
export function checkWindow(check: CheckBase, ctx: EvalContext, ledger: Ledger | undefined): Window {
  if (check.phase && ledger) {
    const p = ledger.phases.find((x) => x.name === check.phase);
    if (p) {
      const s = Date.parse(p.start) / 1000;
      const e = Date.parse(p.end) / 1000;
      return {
        start: alignDown(s, ctx.stepSeconds),
        end: Math.max(alignUp(e, ctx.stepSeconds), alignDown(s, ctx.stepSeconds)),
      };
    }
  }
  return ctx.window;
}

export function alignDown(t: number, step: number): number {
  return Math.floor(t / step) * step;
}
export function alignUp(t: number, step: number): number {
  return Math.ceil(t / step) * step;
}

/**
 * `$range` for instant checks: from one scrape interval before the window start to the
 * evaluation time, whole seconds. The extra interval lets rate()/increase() see the last
 * sample taken before the traffic began; without it, what happened before the window's
 * first in-range scrape is lost (a short run could read as "0 executions/h").
 */
export function rangeOf(win: { start: number }, ctx: EvalContext): string {
  return formatDuration(Math.max(ctx.stepSeconds, Math.ceil(ctx.evalTime - win.start + ctx.scrapeIntervalSeconds)));
}

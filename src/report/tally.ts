import type { Outcome, Verdict } from '../model/verdict.ts';

export type Tally = Record<Outcome, number>;

/** How many verdicts have each outcome: the one count every report and summary shows. */
export function tally(verdicts: ReadonlyArray<Pick<Verdict, 'outcome'>>): Tally {
  const t: Tally = { pass: 0, fail: 0, warn: 0, inconclusive: 0, skipped: 0 };
  for (const v of verdicts) t[v.outcome] += 1;
  return t;
}

/** "35 pass, 0 fail, 6 warn, 0 inconclusive, 0 skipped" (the separator varies by medium). */
export function tallyText(t: Tally, sep = ', '): string {
  return (['pass', 'fail', 'warn', 'inconclusive', 'skipped'] as const).map((o) => `${t[o]} ${o}`).join(sep);
}

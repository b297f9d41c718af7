import { EXIT } from '../util/exit-codes.ts';

/**
 * How a run ended, worst first: the order is the precedence when several apply (a run
 * interrupted while a check failed is interrupted; a harness failure hides any verdict,
 * since the verdicts it did reach judge an incomplete run).
 */
export const RUN_STATUSES = ['interrupted', 'error', 'fail', 'inconclusive', 'pass'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** The exit code of each status: the contract of README's table and `--help`. */
export const STATUS_EXIT: Record<RunStatus, number> = {
  interrupted: EXIT.interrupted,
  error: EXIT.error,
  fail: EXIT.gateFailed,
  inconclusive: EXIT.inconclusive,
  pass: EXIT.ok,
};

/** The status that wins among several (undefined entries are ignored); none at all is inconclusive. */
export function worstStatus(...statuses: Array<RunStatus | undefined>): RunStatus {
  let worst: RunStatus | undefined;
  for (const s of statuses) {
    if (s !== undefined && (worst === undefined || RUN_STATUSES.indexOf(s) < RUN_STATUSES.indexOf(worst))) worst = s;
  }
  // Nothing decided the run (e.g. nothing was verified): never read that as a pass.
  return worst ?? 'inconclusive';
}

/** The status an exit code stands for (a verification stage answers with an exit code). */
export function statusOfExitCode(code: number): RunStatus {
  const s = RUN_STATUSES.find((k) => STATUS_EXIT[k] === code);
  // A code outside the table is no verdict anyone can read as a pass.
  return s ?? 'error';
}

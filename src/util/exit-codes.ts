/** Exit codes are a contract (README, `--help`): one table for every command. */
export const EXIT = {
  ok: 0,
  gateFailed: 1,
  usage: 2,
  inconclusive: 3,
  error: 4,
  interrupted: 130,
} as const;

/** A verdict outcome as the gate's exit code: warnings and skips do not fail the gate. */
export function gateExitCode(outcome: 'pass' | 'fail' | 'warn' | 'inconclusive' | 'skipped'): number {
  return outcome === 'fail' ? EXIT.gateFailed : outcome === 'inconclusive' ? EXIT.inconclusive : EXIT.ok;
}

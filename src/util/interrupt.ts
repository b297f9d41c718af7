/**
 * Runs `fn` with an AbortSignal that fires on Ctrl-C (SIGINT) or SIGTERM, so the work can
 * stop what it started and clean up before the process exits. The handlers are removed
 * afterwards; a second Ctrl-C while cleaning up is ignored rather than killing the cleanup.
 */
export const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export async function withInterrupt<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ctl = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (!ctl.signal.aborted) {
      process.stderr.write(`\n${sig}: stopping, cleaning up (started processes are stopped)…\n`);
      ctl.abort(new Error(`interrupted by ${sig}`));
    }
  };
  // SIGHUP too: a closed terminal or ssh session must not skip the cleanup.
  for (const sig of STOP_SIGNALS) process.on(sig, onSignal);
  try {
    return await fn(ctl.signal);
  } finally {
    for (const sig of STOP_SIGNALS) process.off(sig, onSignal);
  }
}

/** Polling under a deadline: eventual consistency made explicit, never a blind sleep. */
export interface PollResult<T> {
  done: boolean;
  value?: T;
  reason: string;
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Called between attempts; lets a caller give up early (e.g. the child process died). */
  abort?: () => string | undefined;
}

export interface WaitOutcome<T> {
  ok: boolean;
  value?: T;
  /** Why the last attempt was not done (or why we gave up). */
  reason: string;
  attempts: number;
  elapsedMs: number;
}

export async function waitFor<T>(probe: () => Promise<PollResult<T>>, opts: WaitOptions): Promise<WaitOutcome<T>> {
  const start = Date.now();
  const interval = opts.intervalMs ?? 100;
  let attempts = 0;
  let reason: string;
  for (;;) {
    attempts++;
    try {
      const r = await probe();
      if (r.done) {
        return { ok: true, value: r.value as T, reason: r.reason, attempts, elapsedMs: Date.now() - start };
      }
      reason = r.reason;
    } catch (err) {
      reason = err instanceof Error ? err.message : String(err);
    }
    const aborted = opts.abort?.();
    if (aborted) return { ok: false, reason: aborted, attempts, elapsedMs: Date.now() - start };
    const left = opts.timeoutMs - (Date.now() - start);
    if (left <= 0) return { ok: false, reason, attempts, elapsedMs: Date.now() - start };
    await delay(Math.min(interval, left));
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

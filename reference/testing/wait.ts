/** Polling under a deadline for the reference system's tests and bench: never a blind sleep. */
export async function waitFor<T>(
  probe: () => Promise<{ done: boolean; value?: T; reason: string }>,
  opts: { timeoutMs: number; intervalMs?: number },
): Promise<{ ok: boolean; value?: T; reason: string }> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    let reason: string;
    try {
      const r = await probe();
      if (r.done) return { ok: true, value: r.value, reason: r.reason };
      reason = r.reason;
    } catch (err) {
      reason = err instanceof Error ? err.message : String(err);
    }
    const left = deadline - Date.now();
    if (left <= 0) return { ok: false, reason };
    await new Promise((res) => setTimeout(res, Math.min(opts.intervalMs ?? 100, left)));
  }
}

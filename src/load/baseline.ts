import { prometheusSource } from '../sources/prometheus.ts';
import type { Endpoint } from '../sources/http.ts';
import { parseDuration } from '../util/duration.ts';
import { HarnessError } from '../util/errors.ts';
import { waitFor } from '../util/wait.ts';

/**
 * Before traffic starts, waits until Prometheus has scraped the API's job once more: the
 * counters' last sample before the traffic is the baseline every rate()/increase() of the
 * run's window is measured from. Without it (a stack started a moment ago), a short run's
 * first increments are invisible and its rates read as zero. Reads through the same
 * transport (auth, no redirects) as verification.
 */
export async function waitForBaselineScrape(opts: {
  prometheus: Endpoint;
  job: string;
  scrapeInterval?: string;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}): Promise<{ ok: boolean; reason: string; waitedMs: number; at?: number }> {
  const since = Date.now() / 1000;
  const scrapeS = parseDuration(opts.scrapeInterval ?? '15s') ?? 15;
  const prom = prometheusSource({ timeoutMs: 5000, retries: 0, ...opts.prometheus }, opts.env ?? process.env);
  if (prom instanceof HarnessError) return { ok: false, reason: prom.message, waitedMs: 0 };
  const query = `timestamp(up{job=${JSON.stringify(opts.job)}} == 1)`;
  const r = await waitFor(
    async () => {
      const v = await prom.instant(query, Date.now() / 1000);
      if (v instanceof HarnessError) return { done: false, reason: v.message };
      const last = Math.max(...v.samples.map((s) => s.value), 0);
      return last >= since
        ? { done: true, value: last, reason: `job "${opts.job}" scraped at ${new Date(last * 1000).toISOString()}` }
        : {
            done: false,
            reason: last
              ? `last scrape of job "${opts.job}" predates the run`
              : `job "${opts.job}" not up in Prometheus`,
          };
    },
    {
      timeoutMs: Math.min(60_000, Math.max(5_000, 3 * scrapeS * 1000)),
      intervalMs: 250,
      abort: () => (opts.signal?.aborted ? 'interrupted' : undefined),
    },
  );
  return {
    ok: r.ok,
    reason: r.reason,
    waitedMs: r.elapsedMs,
    ...(r.ok && r.value !== undefined ? { at: r.value } : {}),
  };
}

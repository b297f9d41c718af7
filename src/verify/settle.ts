import { HarnessError } from '../util/errors.ts';
import { waitFor } from '../util/wait.ts';
import type { PrometheusSource } from '../sources/prometheus.ts';
import { isTransient } from '../sources/http.ts';
import type { LogStore } from '../sources/logs.ts';
import type { Ledger } from '../model/ledger.ts';
import { loggedSamples } from './kinds/logs.ts';

export interface SettleResult {
  ok: boolean;
  reason: string;
  /** Unix seconds of the newest scrape seen (the evaluation time when ok). */
  lastScrape?: number;
  waitedMs: number;
}

/**
 * Waits until every job has been scraped after `after` (the end of traffic), so the
 * counters include the last request. Polls under a deadline; never sleeps blindly.
 * Also waits one rule-evaluation interval past that scrape so ALERTS reflect it.
 */
export async function settle(
  prom: PrometheusSource,
  jobs: string[],
  after: number,
  opts: {
    timeoutMs: number;
    intervalMs?: number;
    evaluationIntervalSeconds?: number;
    now?: () => number;
    /** Stops the wait (Ctrl-C): the result is not ok, the reason says interrupted. */
    signal?: AbortSignal;
  },
): Promise<SettleResult> {
  const now = opts.now ?? (() => Date.now() / 1000);
  const evalLag = opts.evaluationIntervalSeconds ?? 0;
  // The first scrape after traffic, once seen; then one evaluation interval more.
  let firstAfter: number | undefined;
  // An unreachable Prometheus will not become reachable by waiting for scrapes: stop early.
  let fatal: string | undefined;
  // A server error that outlasts the source's own retries three polls running is a broken
  // Prometheus, not a lagging one: waiting out the whole settle budget would not cure it.
  let serverErrors = 0;
  const w = await waitFor<number>(
    async () => {
      const stamps: number[] = [];
      for (const job of jobs) {
        const t = await prom.lastScrape(job);
        if (t instanceof HarnessError) {
          // Nor will refused credentials, a redirect or a non-Prometheus answer.
          if (t.code === 'SOURCE_UNREACHABLE' || !isTransient(t)) fatal = t.message;
          if (t.code === 'SOURCE_HTTP_5XX' && ++serverErrors >= 3) fatal = `${t.message} (3 polls running)`;
          return { done: false, reason: t.message };
        }
        serverErrors = 0;
        if (t === undefined) return { done: false, reason: `no scrape of job ${job} yet` };
        stamps.push(t);
      }
      const oldest = Math.min(...stamps);
      if (oldest < after)
        return {
          done: false,
          reason: `last scrape ${(after - oldest).toFixed(1)} s before traffic ended`,
          value: oldest,
        };
      firstAfter ??= oldest;
      if (now() < firstAfter + evalLag)
        return { done: false, reason: 'waiting one rule evaluation interval', value: firstAfter };
      return { done: true, value: firstAfter, reason: 'scraped after traffic ended' };
    },
    { timeoutMs: opts.timeoutMs, intervalMs: opts.intervalMs ?? 500, abort: () => fatal ?? interrupted(opts.signal) },
  );
  if (w.ok) return { ok: true, reason: w.reason, lastScrape: w.value, waitedMs: w.elapsedMs };
  // Report the newest scrape we know of so the truth checks can state their tolerance.
  const last = await Promise.all(jobs.map((j) => prom.lastScrape(j)));
  const known = last.filter((x): x is number => typeof x === 'number');
  return {
    ok: false,
    reason: `settle deadline: ${w.reason}`,
    lastScrape: known.length ? Math.min(...known) : undefined,
    waitedMs: w.elapsedMs,
  };
}

const interrupted = (signal: AbortSignal | undefined) => (signal?.aborted ? 'interrupted' : undefined);

/** Errors that waiting will not cure: stop waiting at once. */
const PERMANENT = /^(CONFIG_|SOURCE_HTTP$|SOURCE_NO_INDEX|SOURCE_NOT_ELASTICSEARCH|SOURCE_BAD_RESPONSE)/;

/**
 * A log store lags behind the services (shipper buffers, index refresh). Before the log
 * checks read it, wait until the newest request the client sampled on a logged route is
 * findable by its trace ID, or the deadline passes (then the checks judge what is there,
 * and ARCH-4 tells lost records from late ones).
 */
export async function settleLogs(
  logs: Pick<LogStore, 'findTraces'>,
  ledger: Ledger,
  unlogged: string[],
  opts: { timeoutMs: number; intervalMs?: number; signal?: AbortSignal },
): Promise<SettleResult> {
  const last = loggedSamples(ledger, unlogged, -Infinity, Infinity)
    .sort((a, b) => Date.parse(a.time) - Date.parse(b.time))
    .at(-1);
  if (!last) return { ok: true, reason: 'no sampled request to wait for', waitedMs: 0 };
  const t = Date.parse(last.time) / 1000;
  let fatal: string | undefined;
  const w = await waitFor(
    async () => {
      // Slack on both sides: a store may stamp a record with the time it was shipped.
      const r = await logs.findTraces([last.traceId], t - 60, Date.now() / 1000 + 600);
      if (r instanceof HarnessError) {
        if (PERMANENT.test(r.code)) fatal = r.message;
        return { done: false, reason: r.message };
      }
      const found = r.found.includes(last.traceId);
      return { done: found, reason: found ? 'found' : `trace ${last.traceId} (${last.route}) not in the store yet` };
    },
    { timeoutMs: opts.timeoutMs, intervalMs: opts.intervalMs ?? 500, abort: () => fatal ?? interrupted(opts.signal) },
  );
  return {
    ok: w.ok,
    reason: w.ok ? `the last sampled request (${last.route} at ${last.time}) is in the store` : w.reason,
    waitedMs: w.elapsedMs,
  };
}

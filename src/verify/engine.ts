import { fileURLToPath } from 'node:url';
import type { EvalContext, TelemetryNames } from '../model/context.ts';
import type { Ledger } from '../model/ledger.ts';
import type { Observations } from '../model/observation.ts';
import type { Outcome, Verdict } from '../model/verdict.ts';
import {
  closeBackends,
  configuredBackends,
  openBackends,
  type Backends,
  type BackendsConfig,
} from '../sources/backends.ts';
import type { JaegerConfig } from '../sources/jaeger.ts';
import type { ElasticsearchLogConfig } from '../sources/elasticsearch-logs.ts';
import type { Endpoint } from '../sources/http.ts';
import { redactUrl } from '../util/redact.ts';
import { parseDuration } from '../util/duration.ts';
import { HarnessError } from '../util/errors.ts';
import { which } from '../util/proc.ts';
import { collect } from './collect.ts';
import { evaluate, overall } from './evaluate.ts';
import type { Check } from './kinds/index.ts';
import { loadChecks } from './load.ts';
import { settle, settleLogs, type SettleResult } from './settle.ts';
import { loadTarget, withDefaults } from '../config/telemetry-names.ts';
import { alignDown, alignUp } from './window.ts';

export const DEFAULT_CHECKS_DIR = fileURLToPath(new URL('../../checks/', import.meta.url));

export interface VerifyOptions {
  prometheus?: Endpoint;
  alertmanager?: Endpoint;
  /** JSON-lines log files or directories. */
  logs?: string[];
  /** Or the log store: an Elasticsearch index (wins over `logs`). */
  logStore?: ElasticsearchLogConfig;
  /** The trace store (Jaeger's query API) the trace checks read. */
  jaeger?: JaegerConfig;
  /** The judged window; defaults to the ledger's traffic window. */
  window?: { start: Date; end: Date };
  ledger?: Ledger;
  checksDir?: string;
  targetFile?: string;
  /** The telemetry names mapping given inline (from a run's target config); wins over targetFile. */
  telemetry?: Partial<TelemetryNames>;
  /** Check ids or requirement IDs to keep (default all). */
  only?: string[];
  scrapeInterval?: string;
  evaluationInterval?: string;
  /** Wait for the first scrape after the window (default true when the window just ended). */
  settle?: boolean;
  settleTimeoutMs?: number;
  settleJobs?: string[];
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  /** Ctrl-C: the settle waits stop and verify answers INTERRUPTED instead of judging. */
  signal?: AbortSignal;
  /**
   * One overall deadline for the whole verification (settling included), from its start:
   * past it, nothing more is fetched and what was not fetched is inconclusive, so a slow or
   * failing backend cannot keep verification going for minutes. Default: the settle budget
   * plus two minutes (`defaultDeadlineMs`).
   */
  deadlineMs?: number;
  /** The run's baseline scrape before traffic (unix s): see EvalContext.baselineAt. */
  baselineAt?: number;
  /** The stack loaded the spec rules time-compressed by this factor: see EvalContext.ruleCompression. */
  ruleCompression?: number;
}

/** The settle budget plus two minutes for the queries: what `--deadline` defaults to. */
export function defaultDeadlineMs(settleTimeoutMs: number): number {
  return settleTimeoutMs + 120_000;
}

export interface VerifyReport {
  outcome: Outcome;
  verdicts: Verdict[];
  context: EvalContext;
  settle?: SettleResult;
  observations: Observations;
  durationMs: number;
}

/** Keeps checks matching an id or one of their requirement IDs. */
export function selectChecks(checks: Check[], only: string[] | undefined): Check[] {
  if (!only || only.length === 0) return checks;
  return checks.filter((c) => only.includes(c.id) || c.requirements.some((r) => only.includes(r)));
}

/**
 * The whole verification stage: load the catalogue, settle, collect, evaluate. Source
 * failures become inconclusive verdicts; only a broken catalogue/config is an error value.
 */
export async function verify(opts: VerifyOptions): Promise<VerifyReport | HarnessError> {
  const started = Date.now();
  const log = opts.log ?? (() => {});
  const env = opts.env ?? process.env;
  const target = opts.telemetry ? withDefaults(opts.telemetry) : await loadTarget(opts.targetFile);
  if (target instanceof HarnessError) return target;
  const cat = await loadChecks(opts.checksDir ?? DEFAULT_CHECKS_DIR, target);
  if (cat instanceof HarnessError) return cat;
  const checks = selectChecks(cat.checks, opts.only);
  if (opts.only?.length && checks.length === 0) {
    // An empty selection would "pass" having judged nothing.
    return new HarnessError('CONFIG_ONLY_NO_MATCH', `--only ${opts.only.join(',')} matches no check`, {
      hint: '`slo-harness checks list` shows the check ids and requirement IDs',
    });
  }
  const win =
    opts.window ??
    (opts.ledger ? { start: new Date(opts.ledger.window.start), end: new Date(opts.ledger.window.end) } : undefined);
  if (!win) return new HarnessError('CONFIG_WINDOW', 'verify needs a window (--since/--until) or a ledger');
  const scrape = parseDuration(opts.scrapeInterval ?? '15s');
  const evalIv = parseDuration(opts.evaluationInterval ?? opts.scrapeInterval ?? '15s');
  if (!scrape || !evalIv)
    return new HarnessError(
      'CONFIG_INTERVAL',
      `bad scrape/evaluation interval ${opts.scrapeInterval}/${opts.evaluationInterval}`,
    );

  const config: BackendsConfig = {};
  if (opts.prometheus) config.metrics = { kind: 'prometheus', endpoint: opts.prometheus };
  if (opts.alertmanager) config.alerts = { kind: 'alertmanager', endpoint: opts.alertmanager };
  if (opts.logStore) config.logs = { kind: 'elasticsearch', config: opts.logStore };
  else if (opts.logs?.length) config.logs = { kind: 'file', paths: opts.logs };
  // The alert rules' unit tests belong to judging a Prometheus: promtool from PATH (absent →
  // those checks are inconclusive; with no Prometheus nothing is judged).
  const promtool = opts.prometheus ? which('promtool', env.PATH) : undefined;
  if (promtool) config.rules = { kind: 'promtool', binary: promtool };
  // Traces arrive in the store within the verify stage's settle allowance, like the logs.
  if (opts.jaeger)
    config.traces = { kind: 'jaeger', config: { settleMs: opts.settleTimeoutMs ?? 30_000, ...opts.jaeger } };
  const backends = openBackends(config, env);
  if (backends instanceof HarnessError) return backends;
  try {
    return await judge(opts, { target, checks, win, scrape, evalIv, backends, log, started });
  } finally {
    // The verdicts are made: a connection that does not close cleanly is only worth a line.
    await closeBackends(backends, log);
  }
}

async function judge(
  opts: VerifyOptions,
  s: {
    target: TelemetryNames;
    checks: Check[];
    win: { start: Date; end: Date };
    scrape: number;
    evalIv: number;
    backends: Backends;
    log: (line: string) => void;
    started: number;
  },
): Promise<VerifyReport | HarnessError> {
  const { target, checks, win, scrape, evalIv, backends, log, started } = s;

  const startS = win.start.getTime() / 1000;
  const endS = win.end.getTime() / 1000;
  const settleBudget = opts.settleTimeoutMs ?? Math.max(10_000, 4 * (scrape + evalIv) * 1000);
  const deadlineAt = started + (opts.deadlineMs ?? defaultDeadlineMs(settleBudget));
  // A settle wait never runs past the overall deadline.
  const budget = (ms: number) => Math.max(0, Math.min(ms, deadlineAt - Date.now()));
  let settled: SettleResult | undefined;
  const wantSettle = opts.settle ?? Date.now() / 1000 - endS < 10 * scrape;
  const prometheus = backends.metrics?.source;
  if (prometheus && wantSettle) {
    log(`settling: waiting for the first scrape after ${win.end.toISOString()}`);
    settled = await settle(prometheus, opts.settleJobs ?? [target.job], endS, {
      timeoutMs: budget(settleBudget),
      evaluationIntervalSeconds: evalIv,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    log(`settle: ${settled.reason} (${settled.waitedMs} ms)`);
  }
  let logSettle: EvalContext['logSettle'];
  const store = backends.logs?.source.findTraces;
  if (store && opts.ledger && wantSettle) {
    log(`settling: waiting for the log store to hold the run's last logged request`);
    const l = await settleLogs({ findTraces: store }, opts.ledger, target.uninstrumentedRoutes, {
      timeoutMs: budget(opts.settleTimeoutMs ?? 30_000),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    log(`log store: ${l.reason} (${l.waitedMs} ms)`);
    logSettle = { ok: l.ok, reason: l.reason };
  }
  // Windows align to the step so every sample of a range query sits on a scrape boundary.
  const step = Math.max(scrape, evalIv);
  const evalTime = settled?.ok && settled.lastScrape ? Math.max(settled.lastScrape, endS) : endS;
  const ctx: EvalContext = {
    window: { start: alignDown(startS, step), end: Math.max(alignUp(endS, step), alignDown(startS, step) + step) },
    evalTime,
    stepSeconds: step,
    scrapeIntervalSeconds: scrape,
    // Links in verdicts and reports are built from these: never with URL credentials.
    urls: {
      prometheus: opts.prometheus && redactUrl(opts.prometheus.url),
      alertmanager: opts.alertmanager && redactUrl(opts.alertmanager.url),
      jaeger: opts.jaeger && redactUrl(opts.jaeger.url),
    },
    backends: configuredBackends(backends),
    target,
  };
  if (settled) ctx.settle = { ok: settled.ok, reason: settled.reason, lastScrape: settled.lastScrape };
  if (opts.baselineAt !== undefined) ctx.baselineAt = opts.baselineAt;
  if (opts.ruleCompression !== undefined && opts.ruleCompression > 1) ctx.ruleCompression = opts.ruleCompression;
  if (logSettle) ctx.logSettle = logSettle;
  // Verdicts on a window whose settle was cut short would judge half-arrived telemetry.
  if (opts.signal?.aborted)
    return new HarnessError('INTERRUPTED', 'verification interrupted', { hint: 'no verdicts were written' });
  const observations = await collect(checks, ctx, opts.ledger, backends, { deadlineAt });
  const verdicts = evaluate(checks, observations, opts.ledger, ctx);
  return {
    outcome: overall(verdicts),
    verdicts,
    context: ctx,
    settle: settled,
    observations,
    durationMs: Date.now() - started,
  };
}

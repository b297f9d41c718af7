import { HarnessError } from '../../util/errors.ts';
import { EXIT, gateExitCode } from '../../util/exit-codes.ts';
import { parseDuration } from '../../util/duration.ts';
import { verify } from '../../verify/engine.ts';
import { need } from '../need.ts';
import { statusOfExitCode } from '../status.ts';
import type { Task } from '../task-runner.ts';
import type { RunState, VerifyStage } from '../types.ts';

/** Without a verification stage: traffic without verification proves nothing, never a pass. */
export const verifyStage: VerifyStage = async (ctx) => {
  ctx.events.emit({ type: 'verify.skipped', reason: 'no verification stage was given to runHarness' });
  return { exitCode: EXIT.inconclusive };
};

/** The settle budget: the profile's `settle`, never less than four scrape + evaluation intervals. */
function settleTimeoutMs(settleSeconds: number, scrapeInterval: string, evaluationInterval: string): number {
  const scrapeS = parseDuration(scrapeInterval) ?? 15;
  const evalS = parseDuration(evaluationInterval) ?? scrapeS;
  return Math.max(settleSeconds * 1000, 4 * (scrapeS + evalS) * 1000, 10_000);
}

/**
 * The verification stage of `slo-harness run`: judges the run's traffic window with the
 * whole catalogue against the target's backends. A backend that is not configured makes its
 * checks inconclusive (never pass). The report task writes what it found.
 */
export function verifyStageFor(opts: {
  checksDir?: string;
  write: (text: string) => void;
  env?: NodeJS.ProcessEnv;
}): VerifyStage {
  return async (ctx) => {
    const t = ctx.target;
    const scrapeInterval = t.scrapeInterval ?? '15s';
    const evaluationInterval = t.evaluationInterval ?? scrapeInterval;
    const report = await verify({
      ledger: ctx.ledger,
      ...(t.prometheus ? { prometheus: t.prometheus } : {}),
      ...(t.alertmanager ? { alertmanager: t.alertmanager } : {}),
      ...(t.jaeger ? { jaeger: t.jaeger } : {}),
      ...(t.logs?.kind === 'file' ? { logs: t.logs.paths } : {}),
      ...(t.logs?.kind === 'elasticsearch' ? { logStore: t.logs } : {}),
      scrapeInterval,
      evaluationInterval,
      ...(opts.checksDir ? { checksDir: opts.checksDir } : {}),
      ...(t.telemetry ? { telemetry: t.telemetry } : {}),
      ...(opts.env ? { env: opts.env } : {}),
      settle: true,
      // How long verification may wait for the telemetry to catch up.
      settleTimeoutMs: settleTimeoutMs(ctx.plan.settleSeconds, scrapeInterval, evaluationInterval),
      // Ctrl-C: the settle waits stop at once and verification ends (interrupted).
      signal: ctx.signal,
      ...(ctx.baselineAt !== undefined ? { baselineAt: ctx.baselineAt } : {}),
      ...(ctx.ruleCompression !== undefined ? { ruleCompression: ctx.ruleCompression } : {}),
      log: (line) => opts.write(`verify: ${line}\n`),
    });
    if (report instanceof HarnessError) throw report;
    return { exitCode: gateExitCode(report.outcome), report };
  };
}

/**
 * Runs the verification stage on the saved ledger. Its deadline is a backstop well past the
 * settle budget (two settles, then the queries): a backend that hangs ends the run as a
 * harness failure instead of hanging it.
 */
export const verifyTask: Task<RunState> = {
  title: 'verify',
  timeoutMs: (s) => {
    const t = s.target;
    if (!s.plan || !t) return undefined;
    const scrape = t.scrapeInterval ?? '15s';
    return 2 * settleTimeoutMs(s.plan.settleSeconds, scrape, t.evaluationInterval ?? scrape) + 10 * 60_000;
  },
  async setup(s, signal) {
    const stage = s.o.verify ?? verifyStage;
    const outcome = await stage({
      runId: need(s.runId, 'run id'),
      runDir: need(s.runDir, 'run directory'),
      ledger: need(s.ledger, 'ledger'),
      target: need(s.target, 'target'),
      plan: need(s.plan, 'plan'),
      events: need(s.events, 'event log'),
      signal,
      ...(s.baselineAt !== undefined ? { baselineAt: s.baselineAt } : {}),
      ...(s.ruleCompression !== undefined ? { ruleCompression: s.ruleCompression } : {}),
    });
    // A stage that returns nothing verified nothing: that is never a pass.
    s.status = statusOfExitCode(outcome?.exitCode ?? EXIT.inconclusive);
    if (outcome?.report) s.report = outcome.report;
  },
};

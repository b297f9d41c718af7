import { HarnessError, errorMessage } from '../util/errors.ts';
import { STATUS_EXIT, worstStatus, type RunStatus } from './status.ts';
import { runTasks, type Task, type TaskError } from './task-runner.ts';
import { alertsTask } from './tasks/alerts.ts';
import { preflightTask } from './tasks/preflight.ts';
import { reportTask } from './tasks/report.ts';
import { stackTask } from './tasks/stack.ts';
import { trafficTask } from './tasks/traffic.ts';
import { turnTask } from './tasks/turn.ts';
import { verifyTask } from './tasks/verify.ts';
import type { RunHarnessOptions, RunResult, RunState } from './types.ts';

export { newRunId } from './tasks/preflight.ts';
export { verifyStage, verifyStageFor } from './tasks/verify.ts';
export type { RunHarnessOptions, RunResult, VerifyContext, VerifyOutcome, VerifyStage } from './types.ts';

/**
 * `slo-harness run` as a list of tasks. Each registers its teardown as it starts; teardowns
 * run in reverse order, always. stack: the embedded default's lease and stack; turn: the
 * allow-list, the run lock, the baseline scrape; traffic: k6 and the ledger; verify: settle
 * and judge (src/verify/engine.ts); alerts: the live alert check of a profile with an
 * `alerts:` block (src/alerts/live.ts); report: files, events, the terminal summary.
 */
export function runTaskList(): Array<Task<RunState>> {
  return [preflightTask, stackTask(), turnTask(), trafficTask, verifyTask, alertsTask, reportTask];
}

/** How a run ended: its status and exit code (one precedence, src/run/status.ts), and why. */
export interface RunOutcome {
  status: RunStatus;
  exitCode: number;
  /** The first error of a task (a harness failure, or how an interruption surfaced). */
  error?: unknown;
  /** Teardowns that failed: reported, never the run's result. */
  teardownErrors: TaskError[];
  /** What the run produced; the result exists once traffic ran (its ledger is saved). */
  result?: RunResult;
  runDir?: string;
}

/**
 * Runs the tasks and decides the run's status in one place: interrupted (130) > harness
 * failure (4) > a failed check (1) > inconclusive (3) > pass (0). Never throws. (A task error
 * that is a configuration mistake, CONFIG_*, is still status 'error' here; the CLI reports it
 * as the usage error it is, exit 2, like every command.)
 */
export async function executeRun(o: RunHarnessOptions, tasks = runTaskList()): Promise<RunOutcome> {
  const s: RunState = { o, env: o.env ?? process.env, write: o.write ?? ((t: string) => void process.stderr.write(t)) };
  const signal = o.signal ?? new AbortController().signal;
  const onAbort = () => s.events?.emit({ type: 'run.aborted', signal: 'SIGINT/SIGTERM' });
  signal.addEventListener('abort', onAbort, { once: true });
  let r;
  try {
    r = await runTasks(tasks, s, {
      signal,
      onTeardownError: (e) => {
        // A teardown that knows its failure names it (STACK_STOP_FAILED); any other is named by its task.
        const known = e.error instanceof HarnessError;
        const message = known ? errorMessage(e.error) : `${e.task} teardown failed: ${errorMessage(e.error)}`;
        s.write(`warning: ${message}\n`);
        s.events?.emit({
          type: 'run.error',
          code: known ? (e.error as HarnessError).code : 'TEARDOWN_FAILED',
          message,
        });
      },
    });
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  if (r.error) {
    const err = r.error.error;
    s.events?.emit({
      type: 'run.error',
      code: err instanceof HarnessError ? err.code : 'UNEXPECTED',
      message: errorMessage(err),
    });
  }
  const status = worstStatus(r.interrupted ? 'interrupted' : undefined, r.error ? 'error' : undefined, s.status);
  const exitCode = STATUS_EXIT[status];
  // Traffic that stopped early, or a run stopped later (e.g. while verifying).
  const aborted = (s.aborted ?? false) || r.interrupted;
  s.events?.emit({ type: 'run.ended', exitCode, aborted });
  const out: RunOutcome = { status, exitCode, teardownErrors: r.teardownErrors };
  if (r.error) out.error = r.error.error;
  if (s.runDir) out.runDir = s.runDir;
  if (s.ledger && s.k6 && s.target && s.plan && s.runId && s.runDir) {
    s.write(`run directory: ${s.runDir}\n`);
    out.result = {
      runId: s.runId,
      runDir: s.runDir,
      ledger: s.ledger,
      aborted,
      k6: s.k6,
      target: s.target,
      plan: s.plan,
      exitCode,
    };
  }
  return out;
}

/**
 * `slo-harness run` as a function (tests, scripts): the run's result once traffic ran; a task
 * error (a harness failure, a configuration error, an interruption before traffic) is thrown
 * after every teardown ran.
 */
export async function runHarness(o: RunHarnessOptions): Promise<RunResult> {
  const out = await executeRun(o);
  if (out.error !== undefined && out.status !== 'interrupted') throw out.error;
  if (out.result) return out.result;
  throw (
    out.error ??
    new HarnessError('INTERRUPTED', 'the run was interrupted before traffic', { hint: 'nothing was left running' })
  );
}

import { HarnessError } from '../util/errors.ts';

/**
 * One step of a run. `setup` does the work; its `teardown` is registered as the setup starts,
 * so it also runs after a setup that failed or was interrupted half way (a teardown must cope
 * with a half-done setup). A setup that answers 'stop' ends the run early without an error
 * (e.g. traffic that was stopped: nothing after it may run, every teardown still does).
 */
export interface Task<C> {
  title: string;
  setup: (ctx: C, signal: AbortSignal) => Promise<void | 'stop'>;
  teardown?: (ctx: C) => Promise<void>;
  /** A deadline for the setup: past it, the task's signal aborts and the run fails (RUN_TIMEOUT). */
  timeoutMs?: number | ((ctx: C) => number | undefined);
}

export interface TaskError {
  task: string;
  error: unknown;
}

export interface TaskRunResult {
  /** The titles of the setups that ran to their end, in order. */
  completed: string[];
  /** The first setup error: the run's failure. Teardown errors never replace it. */
  error?: TaskError;
  /** Every teardown that threw, in the order the teardowns ran. */
  teardownErrors: TaskError[];
  /** The run's signal fired (Ctrl-C, SIGTERM) before the last task ended. */
  interrupted: boolean;
  /** A setup asked to stop the run early. */
  stoppedBy?: string;
}

export interface TaskRunnerOptions {
  /** Interruption: the running setup sees it through its own signal; no further setup starts. */
  signal?: AbortSignal;
  /** How long a timed-out setup gets to stop what it started before teardown begins. */
  timeoutGraceMs?: number;
  onTaskStart?: (title: string) => void;
  onTeardownError?: (e: TaskError) => void;
}

/**
 * Runs the setups in order, then the registered teardowns in reverse order — always: after
 * success, a setup error, a timeout or an interruption. Interruption is cooperative: the
 * running setup gets an aborted signal and is awaited (k6 must stop and the ledger be saved),
 * then no other setup starts. Never throws: errors come back as values.
 */
export async function runTasks<C>(tasks: Array<Task<C>>, ctx: C, opts: TaskRunnerOptions = {}): Promise<TaskRunResult> {
  const signal = opts.signal ?? new AbortController().signal;
  const result: TaskRunResult = { completed: [], teardownErrors: [], interrupted: false };
  const teardowns: Array<Task<C>> = [];
  for (const task of tasks) {
    if (signal.aborted || result.error || result.stoppedBy) break;
    if (task.teardown) teardowns.unshift(task);
    opts.onTaskStart?.(task.title);
    try {
      const answer = await runSetup(task, ctx, signal, opts.timeoutGraceMs ?? 10_000);
      result.completed.push(task.title);
      if (answer === 'stop') result.stoppedBy = task.title;
    } catch (error) {
      result.error = { task: task.title, error };
    }
  }
  result.interrupted = signal.aborted;
  for (const task of teardowns) {
    try {
      await task.teardown?.(ctx);
    } catch (error) {
      const e = { task: task.title, error };
      result.teardownErrors.push(e);
      opts.onTeardownError?.(e);
    }
  }
  return result;
}

async function runSetup<C>(task: Task<C>, ctx: C, run: AbortSignal, graceMs: number): Promise<void | 'stop'> {
  const own = new AbortController();
  const forward = () => own.abort(run.reason);
  run.addEventListener('abort', forward, { once: true });
  const timeoutMs = typeof task.timeoutMs === 'function' ? task.timeoutMs(ctx) : task.timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  try {
    const work = task.setup(ctx, own.signal);
    if (timeoutMs === undefined) return await work;
    const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
    const first = await Promise.race([work, timedOut]);
    if (first !== 'timeout') return first;
    const err = new HarnessError(
      'RUN_TIMEOUT',
      `${task.title} did not finish within ${Math.round(timeoutMs / 1000)} s`,
      {
        hint: 'a backend that does not answer, or a profile longer than its caps allow',
      },
    );
    own.abort(err);
    // Give the setup a moment to stop what it started: its teardown must not race with it.
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([work.catch(() => undefined), new Promise((r) => (grace = setTimeout(r, graceMs)))]);
    clearTimeout(grace);
    throw err;
  } finally {
    clearTimeout(timer);
    run.removeEventListener('abort', forward);
  }
}

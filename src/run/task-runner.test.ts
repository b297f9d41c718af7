import { describe, expect, it } from 'vitest';
import { HarnessError } from '../util/errors.ts';
import { STATUS_EXIT, statusOfExitCode, worstStatus } from './status.ts';
import { runTasks, type Task } from './task-runner.ts';
import { executeRun } from './run.ts';
import type { RunState } from './types.ts';

/** A fake task that records its setup and teardown in `log`. */
function fake(title: string, log: string[], setup?: (signal: AbortSignal) => Promise<void | 'stop'>): Task<unknown> {
  return {
    title,
    async setup(_ctx, signal) {
      log.push(`setup ${title}`);
      return setup?.(signal);
    },
    async teardown() {
      log.push(`teardown ${title}`);
    },
  };
}

/** Resolves when the signal aborts: a setup that honours interruption. */
const untilAborted = (signal: AbortSignal) =>
  new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));

describe('task runner', () => {
  it('runs the setups in order and the teardowns in reverse order', async () => {
    const log: string[] = [];
    const r = await runTasks([fake('a', log), fake('b', log), fake('c', log)], {});
    expect(log).toEqual(['setup a', 'setup b', 'setup c', 'teardown c', 'teardown b', 'teardown a']);
    expect(r).toMatchObject({ completed: ['a', 'b', 'c'], interrupted: false, teardownErrors: [] });
    expect(r.error).toBeUndefined();
  });

  it('after a setup error: no later setup, every registered teardown (the failed one too) runs', async () => {
    const log: string[] = [];
    const boom = new HarnessError('STACK_FAILED', 'boom');
    const r = await runTasks([fake('a', log), fake('b', log, () => Promise.reject(boom)), fake('c', log)], {});
    expect(log).toEqual(['setup a', 'setup b', 'teardown b', 'teardown a']);
    expect(r.error).toEqual({ task: 'b', error: boom });
    expect(r.completed).toEqual(['a']);
  });

  it('the first error wins over teardown errors, which are recorded and do not stop other teardowns', async () => {
    const log: string[] = [];
    const first = new Error('setup failed');
    const seen: string[] = [];
    const tasks: Array<Task<unknown>> = [
      fake('a', log),
      {
        title: 'b',
        setup: () => Promise.reject(first),
        teardown: () => Promise.reject(new Error('teardown b failed')),
      },
    ];
    const r = await runTasks(tasks, {}, { onTeardownError: (e) => seen.push(e.task) });
    expect(r.error?.error).toBe(first);
    expect(r.teardownErrors.map((e) => [e.task, (e.error as Error).message])).toEqual([['b', 'teardown b failed']]);
    expect(seen).toEqual(['b']);
    expect(log).toContain('teardown a');
  });

  it('abort mid-task: the running setup sees it and is awaited, no later setup starts, teardowns run', async () => {
    const log: string[] = [];
    const ctl = new AbortController();
    const r = await runTasks(
      [
        fake('a', log),
        fake('b', log, async (signal) => {
          setTimeout(() => ctl.abort(), 10);
          await untilAborted(signal);
          log.push('b saw the abort');
        }),
        fake('c', log),
      ],
      {},
      { signal: ctl.signal },
    );
    expect(log).toEqual(['setup a', 'setup b', 'b saw the abort', 'teardown b', 'teardown a']);
    expect(r.interrupted).toBe(true);
    expect(r.completed).toEqual(['a', 'b']);
  });

  it('a setup answering stop ends the run early without an error', async () => {
    const log: string[] = [];
    const r = await runTasks([fake('a', log, async () => 'stop'), fake('b', log)], {});
    expect(log).toEqual(['setup a', 'teardown a']);
    expect(r).toMatchObject({ stoppedBy: 'a', interrupted: false });
    expect(r.error).toBeUndefined();
  });

  it('a setup past its deadline is aborted and fails the run with RUN_TIMEOUT; teardowns still run', async () => {
    const log: string[] = [];
    const slow: Task<unknown> = {
      ...fake('slow', log, async (signal) => {
        await untilAborted(signal);
        log.push('slow stopped');
      }),
      timeoutMs: 20,
    };
    const r = await runTasks([fake('a', log), slow, fake('c', log)], {});
    expect((r.error?.error as HarnessError).code).toBe('RUN_TIMEOUT');
    expect(r.error?.task).toBe('slow');
    expect(log).toEqual(['setup a', 'setup slow', 'slow stopped', 'teardown slow', 'teardown a']);
  });
});

describe('run status precedence', () => {
  it('interrupted 130 > harness failure 4 > fail 1 > inconclusive 3 > pass 0', () => {
    expect(worstStatus('pass', 'inconclusive')).toBe('inconclusive');
    expect(worstStatus('inconclusive', 'fail', 'pass')).toBe('fail');
    expect(worstStatus('fail', 'error')).toBe('error');
    expect(worstStatus('error', 'interrupted', 'fail')).toBe('interrupted');
    expect(worstStatus('pass')).toBe('pass');
    // Nothing decided the run: never a pass.
    expect(worstStatus(undefined, undefined)).toBe('inconclusive');
    expect(STATUS_EXIT).toEqual({ interrupted: 130, error: 4, fail: 1, inconclusive: 3, pass: 0 });
    expect(statusOfExitCode(1)).toBe('fail');
    expect(statusOfExitCode(42)).toBe('error');
  });
});

describe('executeRun: the one place that decides the exit code', () => {
  const quiet = { profile: 'smoke', write: () => {} };
  const setter = (title: string, fn: (s: RunState) => void): Task<RunState> => ({
    title,
    setup: async (s) => fn(s),
  });

  it('a task error is a harness failure (4) even after a failed gate; it is returned, never thrown', async () => {
    const boom = new HarnessError('K6_CRASHED', 'k6 crashed');
    const out = await executeRun(quiet, [
      setter('verify', (s) => (s.status = 'fail')),
      { title: 'report', setup: () => Promise.reject(boom) },
    ]);
    expect(out).toMatchObject({ status: 'error', exitCode: 4, error: boom });
  });

  it('abort mid-task → exit 130, over the task error the interruption caused', async () => {
    const ctl = new AbortController();
    const out = await executeRun({ ...quiet, signal: ctl.signal }, [
      {
        title: 'stack',
        async setup(_s, signal) {
          setTimeout(() => ctl.abort(), 10);
          await untilAborted(signal);
          throw new HarnessError('INTERRUPTED', 'stack start-up interrupted');
        },
      },
      setter('verify', (s) => (s.status = 'pass')),
    ]);
    expect(out.status).toBe('interrupted');
    expect(out.exitCode).toBe(130);
  });

  it('the gate decides when nothing else does; no verdict at all is inconclusive (3)', async () => {
    expect((await executeRun(quiet, [setter('verify', (s) => (s.status = 'fail'))])).exitCode).toBe(1);
    expect((await executeRun(quiet, [setter('verify', (s) => (s.status = 'pass'))])).exitCode).toBe(0);
    expect((await executeRun(quiet, [setter('traffic', () => {})])).exitCode).toBe(3);
  });

  it('a teardown error is reported and does not change the result', async () => {
    const lines: string[] = [];
    const out = await executeRun({ ...quiet, write: (t) => lines.push(t) }, [
      { title: 'turn', setup: async () => {}, teardown: () => Promise.reject(new Error('lock file gone')) },
      setter('verify', (s) => (s.status = 'pass')),
    ]);
    expect(out.exitCode).toBe(0);
    expect(out.teardownErrors.map((e) => e.task)).toEqual(['turn']);
    expect(lines.join('')).toContain('warning: turn teardown failed: lock file gone');
  });

  it('a teardown that names its failure keeps its code; the gate still decides', async () => {
    const lines: string[] = [];
    const stopFailed = new HarnessError('STACK_STOP_FAILED', 'stopping the embedded stack failed: EPERM');
    const out = await executeRun({ ...quiet, write: (t) => lines.push(t) }, [
      { title: 'stack', setup: async () => {}, teardown: () => Promise.reject(stopFailed) },
      setter('verify', (s) => (s.status = 'fail')),
    ]);
    expect(out).toMatchObject({ status: 'fail', exitCode: 1 });
    expect(out.teardownErrors[0]?.error).toBe(stopFailed);
    expect(lines.join('')).toContain('warning: stopping the embedded stack failed: EPERM');
  });
});

/**
 * The one way the harness runs a long-lived process (the embedded stack's components, k6,
 * Elasticsearch):
 *
 *   supervise({ command, args, env, output, dieWithUs?, runAs?, label? }) → Supervised
 *     .pid, .startTime, .argv, .logFrom   what was started (startTime: against pid reuse)
 *     .exited, .exit, .running            how it ended (a reason, a promise, a /proc check)
 *     .stop({ signal?, graceMs? })        signal to its process group, SIGKILL after the grace
 *     .kill()                             SIGKILL to its process group, resolves at exit
 *   waitReady(proc, probe, { timeoutMs })  a readiness condition under a deadline; gives up
 *                                         when the process ends or `signal` aborts
 *   stopByRecord({ pid, startTime })      the same stop for a process another run started
 *   isOurs(record), tailFile(), LogTail   pid-reuse check, a log's last lines, a bounded tail
 *
 * Every process gets a process group of its own: a Ctrl-C in the terminal reaches only the
 * harness, which stops what it started in order, and a stop reaches whatever it spawned.
 *
 * `dieWithUs` (k6, Elasticsearch) makes the process die with this one:
 *   - where util-linux's setpriv exists, `setpriv --pdeathsig KILL` execs it in place (the pid
 *     is the process's own): the kernel kills it whenever we die, even by SIGKILL or the OOM
 *     killer;
 *   - in any case it is SIGKILLed when this process exits (process 'exit'), and when SIGINT,
 *     SIGTERM or SIGHUP would end it: when nothing else listens for that signal, our processes
 *     are killed and the signal is re-raised with its default action, so we still die by it.
 *     A program that handles those signals itself (withInterrupt, `run`) owns the shutdown.
 * Without it (the stack, which outlives `stack up`) the process is left to `stopByRecord`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { HarnessError } from '../errors.ts';
import { STOP_SIGNALS } from '../interrupt.ts';
import { processStartTime, which } from '../proc.ts';
import { waitFor, type PollResult, type WaitOutcome } from '../wait.ts';

export interface SuperviseOptions {
  command: string;
  args: readonly string[];
  cwd?: string;
  /** Exactly what the process sees: callers pass only what it needs, never our whole env. */
  env: NodeJS.ProcessEnv;
  /** 'pipe': read `stdout`/`stderr`; a file: both appended to it, after a `# … starting` line. */
  output: 'pipe' | { file: string };
  /** Names the process in the log's start line and in errors, e.g. "prometheus". */
  label?: string;
  /** Dies with this process (see the module comment). Default false. */
  dieWithUs?: boolean;
  /** Run as this user (setpriv; we must be root). */
  runAs?: { uid: number; gid: number };
  /** Where setpriv is looked for. Default: this process's PATH. */
  path?: string;
  /** Does not keep this process alive while it runs (stop() and kill() ref it again). */
  unref?: boolean;
}

export interface ProcessRecord {
  pid: number;
  /** The kernel's start time (see processStartTime): a recycled pid is never taken for ours. */
  startTime: string;
}

export interface Supervised extends ProcessRecord {
  readonly child: ChildProcess;
  /** The command line as started (with setpriv in front when used). */
  readonly argv: readonly string[];
  /** With file output: the byte offset where this start's output begins. */
  readonly logFrom: number;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** Undefined while it runs; then why it ended ("exited with code 1", "killed by SIGKILL"). */
  readonly exited: string | undefined;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** It has not exited and is not a zombie (synchronous, from /proc). */
  readonly running: boolean;
  /** Sends `signal` (default SIGTERM) to the group, SIGKILL after `graceMs`; resolves at exit. Idempotent. */
  stop(opts?: { signal?: NodeJS.Signals; graceMs?: number }): Promise<void>;
  /** SIGKILL to the group at once; resolves at exit. */
  kill(): Promise<void>;
}

/** Signals a process group, or the process alone when it has no group of its own (any more). */
export function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

/** Starts a process (see the module comment). Rejects with SPAWN_FAILED when it cannot start. */
export async function supervise(opts: SuperviseOptions): Promise<Supervised> {
  const label = opts.label ?? opts.command;
  const setpriv = opts.dieWithUs || opts.runAs ? which('setpriv', opts.path ?? process.env.PATH ?? '') : undefined;
  if (opts.runAs && !setpriv) {
    throw new HarnessError('SPAWN_FAILED', `cannot run ${label} as uid ${opts.runAs.uid}: setpriv is not on PATH`, {
      hint: 'install util-linux (setpriv)',
    });
  }
  const argv = setpriv
    ? [
        setpriv,
        ...(opts.runAs ? [`--reuid=${opts.runAs.uid}`, `--regid=${opts.runAs.gid}`, '--clear-groups'] : []),
        ...(opts.dieWithUs ? ['--pdeathsig', 'KILL'] : []),
        '--',
        opts.command,
        ...opts.args,
      ]
    : [opts.command, ...opts.args];

  let logFrom = 0;
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  if (opts.output !== 'pipe') {
    fh = await open(opts.output.file, 'a');
    await fh.write(`\n# ${new Date().toISOString()} starting ${label}: ${argv.join(' ')}\n`);
    logFrom = (await fh.stat()).size;
  }
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: opts.cwd,
    env: opts.env,
    detached: true,
    stdio: fh ? ['ignore', fh.fd, fh.fd] : ['ignore', 'pipe', 'pipe'],
  });
  let exited: string | undefined;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = signal ? `killed by ${signal}` : `exited with code ${code}`;
      resolve({ code, signal });
    });
    // `on`, not `once`: an 'error' without a listener would crash this process.
    child.on('error', (err) => {
      exited ??= `could not start: ${err.message}`;
      resolve({ code: null, signal: null });
    });
  });
  const started = await new Promise<Error | undefined>((resolve) => {
    child.once('spawn', () => resolve(undefined));
    child.once('error', resolve);
  });
  await fh?.close();
  if (started || child.pid === undefined) {
    throw new HarnessError('SPAWN_FAILED', `cannot start ${label} (${opts.command})`, { cause: started });
  }
  const pid = child.pid;
  if (opts.unref) child.unref();

  let stopping: Promise<void> | undefined;
  const proc: Supervised = {
    child,
    pid,
    startTime: processStartTime(pid) ?? '0',
    argv,
    logFrom,
    stdout: child.stdout,
    stderr: child.stderr,
    get exited() {
      return exited;
    },
    exit,
    get running() {
      return exited === undefined && processStartTime(pid) !== undefined;
    },
    stop: ({ signal = 'SIGTERM', graceMs = 10_000 } = {}) =>
      (stopping ??= (async () => {
        child.ref(); // keep this process up until it is gone
        if (exited !== undefined) return;
        signalGroup(pid, signal);
        const killer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
        await exit;
        clearTimeout(killer);
      })()),
    kill: async () => {
      child.ref();
      if (exited === undefined) signalGroup(pid, 'SIGKILL');
      await exit;
    },
  };
  if (opts.dieWithUs) guard(proc);
  return proc;
}

/**
 * Waits for `probe` under a deadline; gives up at once when the process ends, `signal` aborts
 * ("interrupted") or `abort` has a reason.
 */
export function waitReady<T>(
  proc: Pick<Supervised, 'exited'>,
  probe: () => Promise<PollResult<T>>,
  opts: { timeoutMs: number; intervalMs?: number; signal?: AbortSignal; abort?: () => string | undefined },
): Promise<WaitOutcome<T>> {
  return waitFor(probe, {
    timeoutMs: opts.timeoutMs,
    intervalMs: opts.intervalMs ?? 50,
    abort: () =>
      (opts.signal?.aborted ? 'interrupted' : undefined) ??
      opts.abort?.() ??
      (proc.exited !== undefined ? `the process ${proc.exited}` : undefined),
  });
}

/** A process record is ours only if the pid is alive AND has the start time we recorded. */
export function isOurs(rec: ProcessRecord): boolean {
  return processStartTime(rec.pid) === rec.startTime;
}

/**
 * Stops a recorded process (its whole group) that may not be our child: the signal, then
 * SIGKILL after `graceMs`; never signals a pid that is no longer the recorded process.
 */
export async function stopByRecord(
  rec: ProcessRecord,
  { signal = 'SIGTERM', graceMs = 10_000 }: { signal?: NodeJS.Signals; graceMs?: number } = {},
): Promise<void> {
  if (!isOurs(rec)) return;
  signalGroup(rec.pid, signal);
  const gone = () =>
    waitFor(async () => ({ done: !isOurs(rec), reason: `pid ${rec.pid} still running` }), {
      timeoutMs: graceMs,
      intervalMs: 50,
    });
  if ((await gone()).ok || !isOurs(rec)) return;
  signalGroup(rec.pid, 'SIGKILL');
  await waitFor(async () => ({ done: !isOurs(rec), reason: `pid ${rec.pid} survived SIGKILL` }), {
    timeoutMs: 5000,
    intervalMs: 50,
  });
}

/** The last lines of a process's output, at most `max` of them (for error messages). */
export class LogTail {
  readonly lines: string[] = [];
  constructor(private readonly max = 30) {}
  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.shift();
  }
}

/**
 * The last `lines` lines of a log file after byte `from` (read from the end, so a large log
 * costs little); undefined when the file cannot be read.
 */
export async function tailFile(path: string, lines = 20, from = 0): Promise<string | undefined> {
  const fh = await open(path, 'r').catch(() => undefined);
  if (!fh) return undefined;
  try {
    const { size } = await fh.stat();
    for (let window = 64 * 1024; ; window *= 4) {
      const start = Math.max(from, size - window, 0);
      const buf = Buffer.alloc(Math.max(0, size - start));
      await fh.read(buf, 0, buf.length, start);
      const all = buf.toString('utf8').trimEnd().split('\n');
      if (all.length > lines || start === from || start === 0) return all.slice(-lines).join('\n');
    }
  } finally {
    await fh.close();
  }
}

/** Running processes that die with us: killed at exit and on a stop signal nobody else handles. */
const guarded = new Set<Supervised>();

function killGuarded(): void {
  for (const p of guarded) if (p.exited === undefined) signalGroup(p.pid, 'SIGKILL');
}

function onStopSignal(sig: NodeJS.Signals): void {
  // Someone else listens: the program handles the signal (and stops what it started) itself.
  if (process.listenerCount(sig) > 1) return;
  killGuarded();
  guarded.clear();
  unhook();
  process.kill(process.pid, sig); // no listener left: the default action, the process dies by it
}

function hook(): void {
  process.on('exit', killGuarded);
  for (const sig of STOP_SIGNALS) process.on(sig, onStopSignal);
}

function unhook(): void {
  process.off('exit', killGuarded);
  for (const sig of STOP_SIGNALS) process.off(sig, onStopSignal);
}

function guard(p: Supervised): void {
  if (guarded.size === 0) hook();
  guarded.add(p);
  void p.exit.then(() => {
    if (guarded.delete(p) && guarded.size === 0) unhook();
  });
}

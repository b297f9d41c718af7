import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { LogTail, supervise } from '../util/process/supervisor.ts';
import { HarnessError } from '../util/errors.ts';
import { forEachLine } from './ndjson.ts';
import { describeK6Exit, type K6Exit } from './k6-exit.ts';

export interface K6RunOptions {
  k6Path: string;
  /** The scenario entry (scenarios/harness.ts). */
  script: string;
  /** Values for the script's __ENV. Only these (plus PATH/HOME/TMPDIR) reach k6. */
  env: Record<string, string>;
  /** Where k6.log, k6-summary.json and k6-summary.txt go. */
  runDir: string;
  /** Every NDJSON line k6 writes with `--out json`, as it is written. */
  onPoint: (line: string) => void;
  /** Aborting stops k6 gracefully (SIGINT), then kills it after `stopGraceMs`. */
  signal?: AbortSignal;
  stopGraceMs?: number;
  /** Aborting kills k6 at once (a second Ctrl-C). */
  forceSignal?: AbortSignal;
  /** Each k6 log line (stderr), e.g. for the events stream. */
  onLog?: (line: string) => void;
}

export interface K6RunResult {
  exit: K6Exit;
  pid: number | undefined;
  /** True when the run was stopped through `signal`. */
  stopped: boolean;
  /** The last k6 log lines (for error messages). */
  logTail: string[];
  summaryJson: string;
  summaryText: string;
}

export const SYSTEM_TAGS = 'status,method,name,scenario,group,expected_response,error_code';

/** The environment k6 sees: nothing of ours leaks in except what the plan passes. */
function k6Env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const keep: NodeJS.ProcessEnv = {};
  for (const k of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ']) if (process.env[k] !== undefined) keep[k] = process.env[k];
  return { ...keep, K6_NO_USAGE_REPORT: 'true', ...extra };
}

function closeStream(s: WriteStream): Promise<void> {
  return new Promise((resolve) => s.end(() => resolve()));
}

/**
 * Runs k6 once. Points are streamed from k6's stdout (`--out json=-`) line by line into
 * `onPoint` while the test runs — nothing accumulates. k6's end-of-test text summary also
 * arrives on stdout (it is not JSON) and goes to k6-summary.txt.
 *
 * k6 gets its own process group so a terminal Ctrl-C reaches only the harness, which then
 * stops k6 in order (graceful first, so teardown() cleans up and the summary is written).
 */
export async function runK6(opts: K6RunOptions): Promise<K6RunResult> {
  const summaryJson = join(opts.runDir, 'k6-summary.json');
  const summaryText = join(opts.runDir, 'k6-summary.txt');
  const logFile = createWriteStream(join(opts.runDir, 'k6.log'));
  const textFile = createWriteStream(summaryText);
  const args = [
    'run',
    '--quiet',
    '--no-color',
    // Only the system tags the ledger reads (route and phase are the scenarios' own tags):
    // every point is serialised by k6 and parsed here, and the default set (url, proto,
    // tls_version, …) roughly doubles each line.
    '--system-tags',
    SYSTEM_TAGS,
    '--out',
    'json=-',
    '--summary-export',
    summaryJson,
    opts.script,
  ];
  // k6 runs in its own process group (so a terminal Ctrl-C reaches only the harness), and
  // dies with the harness even when it dies without a chance to clean up (SIGKILL, OOM:
  // setpriv --pdeathsig where util-linux has it), so no orphaned k6 keeps sending traffic.
  const k6 = await supervise({
    command: opts.k6Path,
    args,
    env: k6Env(opts.env),
    cwd: opts.runDir,
    output: 'pipe',
    label: 'k6',
    dieWithUs: true,
  }).catch((err: unknown) => {
    throw new HarnessError('K6_SPAWN_FAILED', `cannot start k6 at ${opts.k6Path}`, {
      cause: err instanceof HarnessError && err.cause !== undefined ? err.cause : err,
      hint: 'run `slo-harness setup` to build the pinned k6',
    });
  });
  // A full disk must not crash the run mid-traffic: keep streaming points, report once.
  for (const stream of [logFile, textFile]) {
    stream.on('error', (err) => opts.onLog?.(`slo-harness: cannot write ${stream.path}: ${err.message}`));
  }

  const tail = new LogTail(30);
  let stopped = false;
  const stop = () => {
    if (k6.exited !== undefined) return;
    if (!stopped) {
      stopped = true;
      // Gracefully first, so teardown() cleans up and the summary is written.
      void k6.stop({ signal: 'SIGINT', graceMs: opts.stopGraceMs ?? 20_000 });
    } else {
      void k6.kill(); // asked twice: no more waiting
    }
  };
  const kill = () => {
    stopped = true;
    void k6.kill();
  };
  if (opts.signal?.aborted) stop();
  opts.signal?.addEventListener('abort', stop);
  if (opts.forceSignal?.aborted) kill();
  opts.forceSignal?.addEventListener('abort', kill);

  const stdoutDone = forEachLine(k6.stdout!, (line) => {
    if (line.charCodeAt(0) === 123 /* { */) opts.onPoint(line);
    else textFile.write(line + '\n');
  });
  const stderrDone = forEachLine(k6.stderr!, (line) => {
    logFile.write(line + '\n');
    tail.push(line);
    opts.onLog?.(line);
  });

  try {
    const [{ code, signal }] = await Promise.all([k6.exit, stdoutDone, stderrDone]);
    return {
      exit: describeK6Exit(code, signal),
      pid: k6.pid,
      stopped,
      logTail: tail.lines,
      summaryJson,
      summaryText,
    };
  } finally {
    opts.signal?.removeEventListener('abort', stop);
    opts.forceSignal?.removeEventListener('abort', kill);
    await Promise.all([closeStream(logFile), closeStream(textFile)]);
  }
}

import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../../util/wait.ts';

/** The module under test, for scripts that import it. */
export const SERVER_MODULE = fileURLToPath(new URL('../elasticsearch-server.ts', import.meta.url));

export interface Harness {
  child: ChildProcessByStdio<null, Readable, null>;
  /** The pid the script printed as `{"pid": N}`. */
  pid: number;
  /** Everything it printed on stdout so far. */
  out: () => string;
  /** Resolves when the harness process has exited. */
  ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs `script` (an ES module, TypeScript allowed) in a node process of its own — a stand-in
 * for the harness — and waits for the `{"pid": N}` line it prints once its Elasticsearch runs.
 * `asUser`: run it as that uid/gid (setpriv; we must be root). Rejects if it exits first.
 */
export async function spawnHarness(
  script: string,
  opts: { env?: NodeJS.ProcessEnv; asUser?: { uid: number; gid: number }; timeoutMs?: number } = {},
): Promise<Harness> {
  const tsx = fileURLToPath(import.meta.resolve('tsx'));
  const argv = [process.execPath, '--import', tsx, '--input-type=module', '-e', script];
  const u = opts.asUser;
  const cmd = u ? ['/usr/bin/setpriv', `--reuid=${u.uid}`, `--regid=${u.gid}`, '--clear-groups', ...argv] : argv;
  const child = spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'pipe', 'inherit'], env: opts.env ?? process.env });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.once('exit', (code, signal) => res({ code, signal })),
  );
  const started = await waitFor(
    async () => {
      const line = out.split('\n').find((l) => l.startsWith('{'));
      return { done: line !== undefined, value: line ? (JSON.parse(line) as { pid: number }).pid : 0, reason: out };
    },
    {
      timeoutMs: opts.timeoutMs ?? 90_000,
      intervalMs: 50,
      abort: () => (child.exitCode !== null || child.signalCode !== null ? 'the harness exited' : undefined),
    },
  );
  if (!started.ok) {
    child.kill('SIGKILL');
    throw new Error(`the harness did not start its Elasticsearch: ${started.reason}`);
  }
  return { child, pid: started.value!, out: () => out, ended };
}

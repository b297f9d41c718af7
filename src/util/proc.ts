import { spawn, type SpawnOptions } from 'node:child_process';
import { delimiter, join } from 'node:path';
import { accessSync, constants, readFileSync } from 'node:fs';

/** Finds an executable on PATH (like `which`), or undefined. */
export function which(binary: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, binary);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, capturing output. Never throws for a non-zero exit. */
export function runCommand(
  cmd: string,
  args: string[],
  opts: SpawnOptions & { onLine?: (line: string) => void; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    // One partial line per stream: interleaved chunks must not glue lines of both together.
    const partial = { out: '', err: '' };
    const onData = (chunk: Buffer, into: 'out' | 'err') => {
      const s = chunk.toString();
      if (into === 'out') stdout += s;
      else stderr += s;
      if (opts.onLine) {
        const parts = (partial[into] + s).split('\n');
        partial[into] = parts.pop() ?? '';
        for (const line of parts) opts.onLine(line);
      }
    };
    child.stdout?.on('data', (c: Buffer) => onData(c, 'out'));
    child.stderr?.on('data', (c: Buffer) => onData(c, 'err'));
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    child.once('error', (err) => {
      if (timer) clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (opts.onLine) for (const rest of [partial.out, partial.err]) if (rest) opts.onLine(rest);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** True while a process with this pid exists (and is not a zombie we can see). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  return true;
}

/**
 * The kernel's start time of a process (clock ticks since boot, /proc/<pid>/stat field 22),
 * recorded with a pid so a recycled pid is never mistaken for ours. Undefined if gone.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parens: split after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (rest[0] === 'Z') return undefined; // a zombie has already exited
    return rest[19];
  } catch {
    return undefined;
  }
}

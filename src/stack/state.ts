import { mkdir, readFile, readdir, rm, writeFile, rename } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HarnessError } from '../util/errors.ts';
import type { ComponentName, Ports } from './config.ts';

/** One process the stack started, identified by pid AND kernel start time (pids get recycled). */
export interface ProcessRecord {
  pid: number;
  startTime: string;
  command: string;
  logPath: string;
  readyUrl: string;
  url: string;
}

export interface StackState {
  version: 1;
  stateDir: string;
  startedAt: string;
  host: string;
  scrapeInterval: string;
  evaluationInterval: string;
  retention: string;
  ports: Ports;
  /** Token of the reference system's fault-injection admin API (never printed). */
  adminToken: string;
  components: Partial<Record<ComponentName, ProcessRecord>>;
  /** Prometheus loads the spec rules time-compressed by this factor (absent: verbatim). */
  ruleCompression?: number;
}

export const stateFile = (dir: string) => join(dir, 'state.json');
const pidDir = (dir: string) => join(dir, 'pids');
const pidFile = (dir: string, name: string) => join(pidDir(dir), `${name}.pid`);

export async function writeState(state: StackState): Promise<void> {
  await mkdir(state.stateDir, { recursive: true });
  const tmp = stateFile(state.stateDir) + '.tmp';
  // Written whole then renamed: a crash mid-write never leaves half a file.
  await writeFile(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  await rename(tmp, stateFile(state.stateDir));
}

export type LoadedState = { kind: 'none' } | { kind: 'ok'; state: StackState } | { kind: 'corrupt'; reason: string };

export async function readState(dir: string): Promise<LoadedState> {
  const file = stateFile(dir);
  if (!existsSync(file)) return { kind: 'none' };
  const text = await readFile(file, 'utf8');
  try {
    const parsed = JSON.parse(text) as Partial<StackState>;
    if (parsed.version !== 1 || typeof parsed.components !== 'object' || !parsed.ports) {
      return {
        kind: 'corrupt',
        reason: `${file} is not a slo-harness stack state (version ${String(parsed.version)})`,
      };
    }
    return { kind: 'ok', state: { ...(parsed as StackState), stateDir: dir } };
  } catch (err) {
    return { kind: 'corrupt', reason: `${file} is not valid JSON (${(err as Error).message})` };
  }
}

/**
 * Pid files are written as each process starts, before state.json, so that even a crash
 * between spawn and the state write (or a corrupted state.json) leaves a trail to clean up.
 */
export async function writePidFile(
  dir: string,
  name: string,
  rec: Pick<ProcessRecord, 'pid' | 'startTime' | 'command'>,
) {
  await mkdir(pidDir(dir), { recursive: true });
  await writeFile(pidFile(dir, name), `${rec.pid} ${rec.startTime} ${rec.command}\n`);
}

export async function readPidFiles(dir: string): Promise<Array<{ name: string; pid: number; startTime: string }>> {
  if (!existsSync(pidDir(dir))) return [];
  const out: Array<{ name: string; pid: number; startTime: string }> = [];
  for (const f of await readdir(pidDir(dir))) {
    if (!f.endsWith('.pid')) continue;
    const [pid, startTime] = (await readFile(join(pidDir(dir), f), 'utf8')).trim().split(' ');
    if (pid && startTime && Number.isInteger(Number(pid))) {
      out.push({ name: f.slice(0, -4), pid: Number(pid), startTime });
    }
  }
  return out;
}

export async function clearState(dir: string): Promise<void> {
  await rm(stateFile(dir), { force: true });
  // A stopped stack is no longer owned by any run (see lease.ts).
  await rm(join(dir, 'leases', '.run-owned'), { force: true });
  await rm(pidDir(dir), { recursive: true, force: true });
}

export function assertStateDirUsable(dir: string): void {
  if (dir === '/' || dir === '') {
    throw new HarnessError('CONFIG_BAD_STATE_DIR', `refusing to use "${dir}" as the stack state directory`, {
      hint: 'set SLO_HARNESS_STATE_DIR (or --state-dir) to a directory of its own',
    });
  }
}

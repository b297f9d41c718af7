import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { processStartTime } from '../util/proc.ts';

/**
 * Leases let several `run`s share one embedded stack: each run holds a lease while it uses
 * the stack, and the stack is stopped only by the last run out — and only when a run
 * started it (a stack brought up by hand with `stack up` is left running). The decision to
 * stop is taken under the stack lock (lifecycle.ts `stackDownIfUnused`), so a run that is
 * just joining is never left without its stack.
 */
export const leaseDir = (stateDir: string) => join(stateDir, 'leases');
export const RUN_OWNED_MARK = '.run-owned';

export interface Lease {
  release(): Promise<void>;
}

export async function takeLease(stateDir: string): Promise<Lease> {
  const dir = leaseDir(stateDir);
  await mkdir(dir, { recursive: true });
  // pid and start time identify the holder; the suffix keeps two leases of one process apart.
  const name = `${process.pid}-${processStartTime(process.pid) ?? '0'}-${Math.random().toString(36).slice(2, 8)}`;
  await writeFile(join(dir, name), new Date().toISOString());
  return { release: () => rm(join(dir, name), { force: true }) };
}

/** Leases of live processes; those of processes that are gone (crash, kill -9) are removed. */
export async function liveLeases(stateDir: string): Promise<number> {
  const dir = leaseDir(stateDir);
  let live = 0;
  for (const f of existsSync(dir) ? await readdir(dir) : []) {
    if (f.startsWith('.')) continue;
    const [pid, start] = f.split('-');
    if (processStartTime(Number(pid)) === start) live++;
    else await rm(join(dir, f), { force: true });
  }
  return live;
}

export const isRunOwned = (stateDir: string) => existsSync(join(leaseDir(stateDir), RUN_OWNED_MARK));

export async function setRunOwned(stateDir: string, owned: boolean): Promise<void> {
  if (owned) {
    await mkdir(leaseDir(stateDir), { recursive: true });
    await writeFile(join(leaseDir(stateDir), RUN_OWNED_MARK), String(process.pid));
  } else {
    await rm(join(leaseDir(stateDir), RUN_OWNED_MARK), { force: true });
  }
}

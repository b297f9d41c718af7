import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { processStartTime } from '../util/proc.ts';

/**
 * Leases let several `run`s share one embedded stack: each run holds a lease while it uses
 * the stack, and the stack is stopped only by the last run out — and only when a run
 * started it (a stack brought up by hand with `stack up` is left running).
 */
const leaseDir = (stateDir: string) => join(stateDir, 'leases');
export const RUN_OWNED_MARK = '.run-owned';

export interface Lease {
  /** Marks the stack as started by a run, so the last run out stops it. */
  markRunOwned(): Promise<void>;
  /** Drops this lease; says whether the caller is the last user of a run-owned stack. */
  release(): Promise<{ lastOut: boolean; runOwned: boolean; others: number }>;
}

export async function takeLease(stateDir: string): Promise<Lease> {
  const dir = leaseDir(stateDir);
  await mkdir(dir, { recursive: true });
  // pid and start time identify the holder; the suffix keeps two leases of one process apart.
  const name = `${process.pid}-${processStartTime(process.pid) ?? '0'}-${Math.random().toString(36).slice(2, 8)}`;
  await writeFile(join(dir, name), new Date().toISOString());
  return {
    markRunOwned: () => writeFile(join(dir, RUN_OWNED_MARK), name),
    release: async () => {
      await rm(join(dir, name), { force: true });
      let others = 0;
      for (const f of existsSync(dir) ? await readdir(dir) : []) {
        if (f.startsWith('.')) continue;
        const [pid, start] = f.split('-');
        // A lease of a process that is gone (crash, kill -9) no longer counts.
        if (processStartTime(Number(pid)) === start) others++;
        else await rm(join(dir, f), { force: true });
      }
      const runOwned = existsSync(join(dir, RUN_OWNED_MARK));
      return { lastOut: others === 0, runOwned, others };
    },
  };
}

/** Forgets the run-owned mark (the stack was stopped). */
export async function clearRunOwned(stateDir: string): Promise<void> {
  await rm(join(leaseDir(stateDir), RUN_OWNED_MARK), { force: true });
}

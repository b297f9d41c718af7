import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { takeLease } from './lease.ts';
import { clearState } from './state.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slo-lease-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('stack leases', () => {
  it('lets only the last run out stop a stack a run started', async () => {
    const a = await takeLease(dir);
    await a.markRunOwned();
    const b = await takeLease(dir);
    expect(await a.release()).toEqual({ lastOut: false, runOwned: true, others: 1 });
    expect(await b.release()).toEqual({ lastOut: true, runOwned: true, others: 0 });
  });

  it('never marks a stack brought up by hand as run-owned', async () => {
    const a = await takeLease(dir);
    expect(await a.release()).toEqual({ lastOut: true, runOwned: false, others: 0 });
  });

  it('ignores (and removes) the lease of a process that is gone', async () => {
    const a = await takeLease(dir);
    await writeFile(join(dir, 'leases', '999999-1-dead'), 'x');
    expect((await a.release()).others).toBe(0);
    expect(await readdir(join(dir, 'leases'))).toEqual([]);
  });

  it('forgets run ownership when the stack state is cleared', async () => {
    const a = await takeLease(dir);
    await a.markRunOwned();
    await clearState(dir);
    expect((await a.release()).runOwned).toBe(false);
  });
});

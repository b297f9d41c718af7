import { describe, expect, it } from 'vitest';
import { writeFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isRunOwned, liveLeases, setRunOwned, takeLease } from './lease.ts';
import { clearState } from './state.ts';
import { stackDownIfUnused } from './lifecycle.ts';
import { tempDirPerTest } from '../util/testing/temp-dir.ts';

let dir: string;
tempDirPerTest('slo-lease-', (d) => (dir = d));

describe('stack leases', () => {
  it('counts live leases; released ones no longer count', async () => {
    const a = await takeLease(dir);
    const b = await takeLease(dir);
    expect(await liveLeases(dir)).toBe(2);
    await a.release();
    expect(await liveLeases(dir)).toBe(1);
    await b.release();
    expect(await liveLeases(dir)).toBe(0);
  });

  it('ignores (and removes) the lease of a process that is gone', async () => {
    await takeLease(dir);
    await writeFile(join(dir, 'leases', '999999-1-dead'), 'x');
    expect(await liveLeases(dir)).toBe(1);
    expect((await readdir(join(dir, 'leases'))).filter((f) => f.startsWith('999999'))).toEqual([]);
  });

  it('forgets run ownership when the stack state is cleared', async () => {
    await setRunOwned(dir, true);
    expect(isRunOwned(dir)).toBe(true);
    await clearState(dir);
    expect(isRunOwned(dir)).toBe(false);
  });

  it('stackDownIfUnused leaves a stack alone while a lease is held or when a person started it', async () => {
    await setRunOwned(dir, true);
    const a = await takeLease(dir);
    expect(await stackDownIfUnused({ stateDir: dir })).toBeUndefined();
    await a.release();
    await setRunOwned(dir, false);
    expect(await stackDownIfUnused({ stateDir: dir })).toBeUndefined();
    await setRunOwned(dir, true);
    expect(await stackDownIfUnused({ stateDir: dir })).toBe(0); // nothing was running, but it was its turn
    expect(isRunOwned(dir)).toBe(false);
  });
});

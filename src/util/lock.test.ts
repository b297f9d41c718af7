import { describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { acquireLock } from './lock.ts';
import { tempDirPerTest } from './testing/temp-dir.ts';

let dir: string;
tempDirPerTest('slo-lock-', (d) => (dir = d));

describe('acquireLock', () => {
  it('gives the lock to one holder at a time, the second after the first releases', async () => {
    const path = join(dir, 'lock');
    const order: string[] = [];
    const release1 = await acquireLock(path);
    order.push('first in');
    const second = acquireLock(path).then(async (release) => {
      order.push('second in');
      await release();
    });
    await new Promise((r) => setTimeout(r, 300)); // give the second a chance to (wrongly) get in
    expect(order).toEqual(['first in']);
    order.push('first out');
    await release1();
    await second;
    expect(order).toEqual(['first in', 'first out', 'second in']);
  });

  it('takes over a lock left by a dead process or a recycled pid', async () => {
    const path = join(dir, 'lock');
    await writeFile(path, `${process.pid} 1`); // our pid, but not our start time: a recycled pid
    const release = await acquireLock(path);
    expect((await readFile(path, 'utf8')).split(' ')[0]).toBe(String(process.pid));
    await release();
  });

  it('says who holds it and gives up at the deadline', async () => {
    const path = join(dir, 'lock');
    const release = await acquireLock(path);
    const waits: number[] = [];
    await expect(acquireLock(path, { timeoutMs: 300, onWait: (p) => waits.push(p) })).rejects.toMatchObject({
      code: 'LOCK_TIMEOUT',
    });
    expect(waits).toEqual([process.pid]);
    await release();
  });
});

describe('acquireLock across processes', () => {
  it('never lets two processes in at once, even racing for a stale lock', async () => {
    const { spawn } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const path = join(dir, 'lock');
    const log = join(dir, 'log');
    await writeFile(path, '999999 1'); // stale: no such process
    const lockModule = fileURLToPath(new URL('./lock.ts', import.meta.url));
    const tsx = fileURLToPath(import.meta.resolve('tsx'));
    const script = `
      import { acquireLock } from ${JSON.stringify(lockModule)};
      import { appendFileSync } from 'node:fs';
      const release = await acquireLock(${JSON.stringify(path)});
      appendFileSync(${JSON.stringify(log)}, 'in ' + process.pid + '\\n');
      await new Promise((r) => setTimeout(r, 30));
      appendFileSync(${JSON.stringify(log)}, 'out ' + process.pid + '\\n');
      await release();
    `;
    const runs = Array.from({ length: 6 }, () => {
      const child = spawn(process.execPath, ['--import', tsx, '--input-type=module', '-e', script], {
        stdio: 'inherit',
      });
      return new Promise<number | null>((r) => child.on('exit', r));
    });
    expect(await Promise.all(runs)).toEqual([0, 0, 0, 0, 0, 0]);
    const lines = (await readFile(log, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(12);
    // Strictly alternating in/out of the same process: no overlap.
    for (let i = 0; i < lines.length; i += 2) {
      expect(lines[i]).toMatch(/^in \d+$/);
      expect(lines[i + 1]).toBe(lines[i]!.replace('in', 'out'));
    }
  });
});

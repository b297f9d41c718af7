import { open, readFile, rm } from 'node:fs/promises';
import { HarnessError } from './errors.ts';
import { isAlive } from './proc.ts';
import { delay } from './wait.ts';

/**
 * Advisory lock by exclusive file create, holding the owner's pid. A lock whose holder died
 * (a crash, a kill -9) is taken over rather than blocking forever.
 */
export async function acquireLock(
  path: string,
  opts: { onWait?: (holderPid: number) => void; timeoutMs?: number } = {},
): Promise<() => Promise<void>> {
  const start = Date.now();
  let announced = false;
  for (;;) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      return () => rm(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (!holder || !isAlive(holder) || holder === process.pid) {
        await rm(path, { force: true });
        continue;
      }
      if (!announced) {
        opts.onWait?.(holder);
        announced = true;
      }
      if (opts.timeoutMs !== undefined && Date.now() - start > opts.timeoutMs) {
        throw new HarnessError('LOCK_TIMEOUT', `lock ${path} still held by pid ${holder} after ${opts.timeoutMs} ms`, {
          cause: err,
          hint: `wait for pid ${holder} to finish, or stop it if it hangs`,
        });
      }
      await delay(250);
    }
  }
}

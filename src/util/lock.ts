import { link, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { HarnessError } from './errors.ts';
import { processStartTime } from './proc.ts';
import { delay } from './wait.ts';

/** A lock file written but not yet filled is "being written" for this long, then stale. */
const EMPTY_GRACE_MS = 5000;

/**
 * Advisory lock: the owner's pid and kernel start time are written to a private file that is
 * then hard-linked onto the lock path, so the lock appears atomically with its content (a
 * racing reader never sees it empty). A lock whose holder died (crash, kill -9) — or whose
 * pid was recycled by another process — is taken over rather than blocking forever.
 */
export async function acquireLock(
  path: string,
  opts: { onWait?: (holderPid: number) => void; timeoutMs?: number } = {},
): Promise<() => Promise<void>> {
  const start = Date.now();
  const mine = `${process.pid} ${processStartTime(process.pid) ?? '0'}`;
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  await writeFile(tmp, mine);
  let announced = false;
  try {
    for (;;) {
      try {
        await link(tmp, path);
        return async () => {
          // Only remove the lock if it is still ours.
          if ((await readFile(path, 'utf8').catch(() => '')) === mine) await rm(path, { force: true });
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new HarnessError('LOCK_FAILED', `cannot create lock ${path}`, {
            cause: err,
            hint: 'check that the directory exists and is writable',
          });
        }
      }
      const content = await readFile(path, 'utf8').catch(() => undefined);
      if (content === undefined) continue; // released meanwhile: try again at once
      const [pidText, startTime] = content.trim().split(' ');
      const holder = Number(pidText);
      const holderAlive = holder > 0 && startTime !== undefined && processStartTime(holder) === startTime;
      const emptyAndOld =
        content.trim() === '' &&
        Date.now() - ((await stat(path).catch(() => undefined))?.mtimeMs ?? 0) > EMPTY_GRACE_MS;
      if ((content.trim() !== '' && !holderAlive) || emptyAndOld) {
        await takeOverStale(path, content);
        continue;
      }
      if (!announced) {
        opts.onWait?.(holder);
        announced = true;
      }
      if (opts.timeoutMs !== undefined && Date.now() - start > opts.timeoutMs) {
        throw new HarnessError('LOCK_TIMEOUT', `lock ${path} still held by pid ${holder} after ${opts.timeoutMs} ms`, {
          hint: `wait for pid ${holder} to finish, or stop it if it hangs`,
        });
      }
      await delay(250);
    }
  } finally {
    await rm(tmp, { force: true });
  }
}

/**
 * Removes a lock judged stale — atomically: the lock is renamed aside first, and only if the
 * file moved is the one that was judged (same content) is it deleted. If another process
 * had meanwhile replaced the stale lock with its own live one, that one is put back.
 */
async function takeOverStale(path: string, judged: string): Promise<void> {
  const aside = `${path}.stale.${process.pid}.${Math.random().toString(36).slice(2)}`;
  try {
    await rename(path, aside);
  } catch {
    return; // gone already: someone else took it over or released it
  }
  const moved = await readFile(aside, 'utf8').catch(() => judged);
  if (moved !== judged) {
    // Not the stale lock any more but a fresh holder's: restore it (unless yet another
    // process has already locked, in which case that holder wins and this one retries).
    await link(aside, path).catch(() => {});
  }
  await rm(aside, { force: true });
}

import { access, constants, mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { HarnessError } from './errors.ts';

/**
 * Makes sure `dir` exists and is writable before anything is started, so that a
 * `--reports-dir` or `--state-dir` that is a file or read-only is a usage error naming the
 * flag, not a raw ENOTDIR halfway through a run.
 */
export async function assertUsableDir(dir: string, flag: string): Promise<string> {
  const abs = resolve(dir);
  try {
    await mkdir(abs, { recursive: true });
    await access(abs, constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    throw new HarnessError('CONFIG_DIR', `${flag} ${dir} cannot be used: ${code}`, {
      where: abs,
      cause: err,
      hint:
        code === 'ENOTDIR' || code === 'EEXIST'
          ? `it (or a parent) is a file, not a directory: choose another ${flag}`
          : `it is not writable by this user: choose another ${flag}`,
    });
  }
  return abs;
}

import { open, rename, rm, statfs } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { HarnessError } from './errors.ts';

/**
 * Writes `text` to `path` so that a reader sees either the previous complete file or the new
 * complete one, never half of it: a temporary file beside it, flushed, then renamed over.
 * On failure (a full disk, a read-only directory) the temporary file is removed, the previous
 * file is left as it was, and the error names the file and — for a full disk — the space
 * needed and free.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  // A hidden name a reader listing the run directory would not take for a result. One writer
  // per file at a time (the run serialises its ledger checkpoints), so the name is fixed.
  const tmp = join(dirname(path), `.${basename(path)}.tmp`);
  try {
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {});
    throw await writeError(path, Buffer.byteLength(text), err);
  }
}

export function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  return writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

async function writeError(path: string, bytes: number, err: unknown): Promise<HarnessError> {
  const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    const free = await statfs(dirname(path)).then(
      (s) => `${formatBytes(s.bavail * s.bsize)} free`,
      () => 'free space unknown',
    );
    return new HarnessError(
      'WRITE_NO_SPACE',
      `no space left to write ${path} (${formatBytes(bytes)} needed, ${free})`,
      {
        where: path,
        cause: err,
        hint: `free at least ${formatBytes(bytes)} on the file system of ${dirname(path)}, or pass --reports-dir on another disk; the previous version of the file, if any, is kept`,
      },
    );
  }
  return new HarnessError('WRITE_FAILED', `cannot write ${path}: ${code}`, {
    where: path,
    cause: err,
    hint:
      code === 'EACCES' || code === 'EROFS' || code === 'EPERM'
        ? `${dirname(path)} is not writable: choose another --reports-dir`
        : code === 'ENOTDIR' || code === 'ENOENT'
          ? `${dirname(path)} is not a directory: choose another --reports-dir`
          : undefined,
  });
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(1)} GiB`;
}

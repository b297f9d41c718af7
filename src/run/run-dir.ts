import { mkdir } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { assertUsableDir } from '../util/usable-dir.ts';
import { HarnessError } from '../util/errors.ts';

const RUN_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** A run id is one directory name under the reports directory: nothing that could leave it. */
export function runIdProblem(id: string): string | undefined {
  if (!RUN_ID.test(id)) return 'use 1–128 of the characters A–Z a–z 0–9 . _ -';
  if (id === '.' || id === '..' || id.includes('..')) return 'it may not contain ".."';
  return undefined;
}

export function assertRunId(id: string): void {
  const problem = runIdProblem(id);
  if (problem)
    throw new HarnessError('CONFIG_RUN_ID', `--run-id ${JSON.stringify(id)} is not a valid run id: ${problem}`, {
      hint: 'omit --run-id for a generated one (e.g. 20261202-041500-smoke-3f2a)',
    });
}

/**
 * Creates `<reportsDir>/<runId>` for a new run. A run id that already exists is refused:
 * writing into it would leave the earlier run's verdicts beside this run's (a stale pass).
 */
export async function createRunDir(reportsDir: string, runId: string): Promise<string> {
  assertRunId(runId);
  const root = await assertUsableDir(reportsDir, '--reports-dir');
  const dir = join(root, runId);
  if (!isAbsolute(dir) || resolve(dir, '..') !== root) throw new Error(`run dir ${dir} escapes ${root}`);
  try {
    await mkdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST')
      throw new HarnessError('CONFIG_RUN_ID_EXISTS', `run ${runId} already exists in ${root}`, {
        where: dir,
        hint: 'pick another --run-id (or omit it), or remove the old run directory first',
      });
    throw new HarnessError('CONFIG_DIR', `cannot create the run directory ${dir}: ${code}`, {
      where: dir,
      cause: err,
      hint: 'choose a writable --reports-dir',
    });
  }
  return dir;
}

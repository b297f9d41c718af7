import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Reporter, Verification } from './reporter.ts';

/** The verification as saved (verdicts.json, `verify --json`): everything but the raw observations. */
export function savedVerification(r: Verification): Omit<Verification, 'observations'> {
  const { observations: _omit, ...rest } = r;
  return rest;
}

/** verdicts.json: every verdict with its evidence and the evaluation context (no raw observations). */
export const jsonReporter: Reporter = {
  name: 'json',
  async write(data, dir) {
    const path = join(dir, 'verdicts.json');
    await writeFile(path, `${JSON.stringify(savedVerification(data.report), null, 2)}\n`);
    return [path];
  },
};

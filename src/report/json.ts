import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toJson } from '../verify/engine.ts';
import type { Reporter } from './reporter.ts';

/** verdicts.json: every verdict with its evidence and the evaluation context (no raw observations). */
export const jsonReporter: Reporter = {
  name: 'json',
  async write(data, dir) {
    const path = join(dir, 'verdicts.json');
    await writeFile(path, `${JSON.stringify(toJson(data.report), null, 2)}\n`);
    return [path];
  },
};

import { mkdtempSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackDown } from '../src/stack/lifecycle.ts';

/**
 * Gives this test run a temp root of its own (TMPDIR, inherited by the test workers), and on
 * teardown stops any stack a test left there — the safety net for an interrupted or crashed
 * run — then removes the root. Stacks of other runs or sessions are never touched.
 */
export default function setup(): () => Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'slo-test-run-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = root;
  return async () => {
    for (const name of await readdir(root).catch(() => [] as string[])) {
      const dir = join(root, name);
      if (!(await stat(dir).catch(() => undefined))?.isDirectory()) continue;
      for (const stateDir of [dir, join(dir, 'state')]) {
        const n = await stackDown({ stateDir }).catch(() => 0);
        if (n > 0) console.error(`test teardown: stopped ${n} leftover process(es) of ${stateDir}`);
      }
    }
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    await rm(root, { recursive: true, force: true });
  };
}

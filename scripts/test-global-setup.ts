import { readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackDown } from '../src/stack/lifecycle.ts';

/**
 * Integration tests start stacks in temp state dirs (`slo-*`). Each test stops its own; this
 * teardown is the safety net for a run that was interrupted (Ctrl-C) or crashed: any stack
 * recorded in a temp dir created during this test run is stopped, by recorded pid.
 */
export default function setup(): () => Promise<void> {
  const startedAt = Date.now();
  return async () => {
    const root = tmpdir();
    for (const name of await readdir(root)) {
      if (!name.startsWith('slo-')) continue;
      const dir = join(root, name);
      const info = await stat(dir).catch(() => undefined);
      if (!info?.isDirectory() || info.mtimeMs < startedAt) continue;
      for (const stateDir of [dir, join(dir, 'state')]) {
        const n = await stackDown({ stateDir }).catch(() => 0);
        if (n > 0) console.error(`test teardown: stopped ${n} leftover process(es) of ${stateDir}`);
      }
    }
  };
}

import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDirPerTest } from '../util/testing/temp-dir.ts';
import { waitFor } from '../util/wait.ts';

const WATCH = fileURLToPath(new URL('../../bin/parent-watch.mjs', import.meta.url));

// A grandchild that watches its parent: it counts its polls in `beats` and writes `orphaned`
// when the watch fires, then exits.
const CHILD = `
import { writeFileSync } from 'node:fs';
import { watchParent } from ${JSON.stringify(WATCH)};
const dir = process.argv[2];
let beats = 0;
const t = setInterval(() => writeFileSync(dir + '/beats', String(++beats)), 50);
watchParent(() => { writeFileSync(dir + "/orphaned", String(Date.now())); clearInterval(t); process.exit(0); }, { intervalMs: 50 });
`;

let dir = '';
tempDirPerTest('parent-watch-', (d) => (dir = d));
const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

function startChain(): { shPid: number } {
  writeFileSync(join(dir, 'child.mjs'), CHILD);
  // sh is the parent; the node grandchild is what a CI cancel would orphan.
  const sh = spawn('sh', ['-c', `"${process.execPath}" "${join(dir, 'child.mjs')}" "${dir}" & wait`], {
    stdio: 'ignore',
  });
  started.push(sh.pid!);
  return { shPid: sh.pid! };
}

/** npm → sh -c → node, as `npx` starts a bin: a process named npm whose shell outlives it. */
function startNpmChain(): { npmPid: number } {
  writeFileSync(join(dir, 'child.mjs'), CHILD);
  const inner = `sh -c '"${process.execPath}" "${join(dir, 'child.mjs')}" "${dir}" & wait' & wait`;
  const npm = spawn('bash', ['-c', `exec -a 'npm exec slo-harness' bash -c ${JSON.stringify(inner)}`], {
    stdio: 'ignore',
  });
  started.push(npm.pid!);
  return { npmPid: npm.pid! };
}

const beats = () => (existsSync(join(dir, 'beats')) ? Number(readFileSync(join(dir, 'beats'), 'utf8')) : 0);

const orphanedAfter = async (kill: () => void) => {
  const ready = await waitFor(async () => ({ done: beats() >= 1, reason: 'child not started' }), {
    timeoutMs: 10_000,
  });
  expect(ready.ok, ready.reason).toBe(true);
  const killedAt = Date.now();
  kill();
  const w = await waitFor(async () => ({ done: existsSync(join(dir, 'orphaned')), reason: 'not orphaned yet' }), {
    timeoutMs: 5_000,
  });
  expect(w.ok, w.reason).toBe(true);
  expect(Number(readFileSync(join(dir, 'orphaned'), 'utf8'))).toBeGreaterThanOrEqual(killedAt);
};

describe('watchParent', () => {
  it('stays quiet while the parent lives', async () => {
    startChain();
    const w = await waitFor(async () => ({ done: beats() >= 10, reason: `${beats()} beats` }), { timeoutMs: 10_000 });
    expect(w.ok, w.reason).toBe(true);
    expect(existsSync(join(dir, 'orphaned'))).toBe(false);
  });

  it('fires once the parent is killed outright', async () => {
    const { shPid } = startChain();
    await orphanedAfter(() => process.kill(shPid, 'SIGKILL'));
  });

  it('fires when npm is killed outright although its sh -c (our parent) lives on', async () => {
    const { npmPid } = startNpmChain();
    await orphanedAfter(() => process.kill(npmPid, 'SIGKILL'));
  });
});

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appLogPath } from '../stack/components.ts';
import { commandOf, descendants, stillAlive } from '../load/testing/proc-tree.ts';
import { waitFor } from '../util/wait.ts';
import { spawnCli } from './testing/spawn-cli.ts';

// A minute of steady API traffic: long enough that a stop that does not reach the harness
// shows up as requests long after the kill.
const LONG = `name: long
description: test profile, one long steady phase
caps: { maxRate: 20, maxExecRate: 2, maxDuration: 5m, maxVUs: 50 }
execution: { pollIntervalSeconds: 0.2, timeoutSeconds: 20 }
phases:
  - name: steady
    duration: 60s
    scenarios:
      - { scenario: api-steady, rate: 10 }
`;

/** Request records of the reference backend, as it logged them (the target's own view). */
function requestTimes(stateDir: string): number[] {
  const file = appLogPath(stateDir, 'backend-api');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"http.method":"'))
    .map((l) => Date.parse((JSON.parse(l) as { timestamp: string }).timestamp));
}

/**
 * `npx slo-harness run` exactly as the README writes it, in its own process group so the
 * test can clean up; the signal goes to the npx process alone, as a CI runner cancelling the
 * step sends it.
 */
async function startRun(dir: string) {
  const profile = join(dir, 'long.yaml');
  await writeFile(profile, LONG);
  const stateDir = join(dir, 'state');
  const { child, output } = spawnCli(
    ['run', '--profile', profile, '--reports-dir', join(dir, 'reports'), '--state-dir', stateDir],
    { via: 'npx' },
  );
  const traffic = await waitFor(
    async () => {
      const n = requestTimes(stateDir).length;
      return { done: n >= 30, reason: `${n} requests logged by the target` };
    },
    {
      timeoutMs: 240_000,
      intervalMs: 200,
      abort: () => (child.exitCode !== null ? `exited early: ${output()}` : undefined),
    },
  );
  expect(traffic.ok, traffic.reason).toBe(true);
  return { child, stateDir, dir, output };
}

describe.each(['SIGTERM', 'SIGKILL'] as const)('%s to the npx process stops the run', (sig) => {
  it('no request reaches the target more than 2 s later; the ledger is kept; nothing is left running', async () => {
    const dir = await mkdtemp(join(tmpdir(), `slo-npx-${sig}-`));
    const { child, stateDir, output } = await startRun(dir);
    const tree = descendants(child.pid as number);
    const killedAt = Date.now();
    process.kill(child.pid as number, sig);
    const gone = await waitFor(
      async () => {
        const alive = stillAlive(tree);
        return { done: alive.length === 0, reason: alive.map((p) => `${p}: ${commandOf(p)}`).join('; ') };
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    try {
      expect(gone.ok, `still running 60 s after ${sig}: ${gone.reason}\n${output()}`).toBe(true);
    } finally {
      for (const p of stillAlive(tree)) process.kill(p, 'SIGKILL');
    }
    const last = Math.max(...requestTimes(stateDir));
    expect(last - killedAt, `last request ${last - killedAt} ms after ${sig}`).toBeLessThanOrEqual(2_000);
    const runs = readdirSync(join(dir, 'reports'));
    expect(runs).toHaveLength(1);
    const ledger = JSON.parse(await readFile(join(dir, 'reports', runs[0] as string, 'ledger.json'), 'utf8')) as {
      aborted: boolean;
    };
    expect(ledger.aborted).toBe(true);
  }, 400_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTool } from '../tools/provision.ts';
import { waitFor } from '../util/wait.ts';
import { startFakeImageflow, type FakeServer } from './testing/fake-imageflow.ts';
import { commandOf, descendants, stillAlive } from './testing/proc-tree.ts';
import { fixtureImages, harnessScript } from './fixtures.ts';

let fake: FakeServer;
beforeAll(async () => {
  fake = await startFakeImageflow({ executionMs: 200 });
});
afterAll(async () => {
  await fake?.close();
});

describe('k6 under a harness that is killed outright', () => {
  it('dies with the harness (SIGKILL gives the harness no chance to clean up)', async () => {
    const { k6 } = await ensureTool('k6');
    const runDir = await mkdtemp(join(tmpdir(), 'slo-orphan-'));
    const runner = fileURLToPath(new URL('./k6-runner.ts', import.meta.url));
    const tsx = fileURLToPath(import.meta.resolve('tsx'));
    const env = {
      SLO_PLAN: JSON.stringify({
        scenarios: {
          s: { executor: 'constant-vus', vus: 1, duration: '60s', exec: 'apiSteady', tags: { phase: 'steady' } },
        },
      }),
      BASE_URL: fake.url,
      API_USERNAME: 'user',
      API_PASSWORD: 'user123',
      FIXTURE_FILES: fixtureImages().join(','),
    };
    const script = `
      import { runK6 } from ${JSON.stringify(runner)};
      await runK6({ k6Path: ${JSON.stringify(k6)}, script: ${JSON.stringify(harnessScript())},
        runDir: ${JSON.stringify(runDir)}, env: ${JSON.stringify(env)}, onPoint: () => {} });
    `;
    const harness = spawn(process.execPath, ['--import', tsx, '--input-type=module', '-e', script], {
      stdio: 'ignore',
    });
    const found = await waitFor(
      async () => {
        const k6s = descendants(harness.pid!).filter((p) => /\bk6\b/.test(commandOf(p)) && / run /.test(commandOf(p)));
        return { done: k6s.length > 0, value: k6s, reason: 'k6 not started yet' };
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(found.ok, found.reason).toBe(true);
    harness.kill('SIGKILL');
    const gone = await waitFor(
      async () => {
        const left = stillAlive(found.value!);
        return { done: left.length === 0, reason: `k6 still running: ${left.join(', ')}` };
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(gone.ok, gone.reason).toBe(true);
  }, 60_000);
});

/**
 * Records real k6 NDJSON output for the ledger's unit tests:
 *   npx tsx src/load/testing/record-fixture.ts
 * Runs the real harness entry against the fake API (with injected 500s and failed
 * executions) and checks the raw output in as src/load/testdata/k6-recorded.ndjson.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTool } from '../../tools/provision.ts';
import { buildPlan } from '../plan.ts';
import { runK6 } from '../k6-runner.ts';
import { fixtureImages, harnessScript } from '../fixtures.ts';
import type { Profile } from '../profile.ts';
import { startFakeImageflow } from './fake-imageflow.ts';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'testdata', 'k6-recorded.ndjson');
const profile: Profile = {
  name: 'record',
  description: 'fixture recording',
  caps: { maxRate: 50, maxExecRate: 5, maxDuration: '1m', maxVUs: 100 },
  execution: { pollIntervalSeconds: 0.2, timeoutSeconds: 5 },
  phases: [
    {
      name: 'steady',
      duration: '6s',
      scenarios: [
        { scenario: 'api-steady', rate: 4 },
        { scenario: 'pipeline-executions', rate: 1 },
      ],
    },
    { name: 'burst', duration: '4s', scenarios: [{ scenario: 'spike', executions: 6 }] },
  ],
};

const { k6 } = await ensureTool('k6');
const fake = await startFakeImageflow({ executionMs: 600, failEvery: 4, readErrorEvery: 4 });
const dir = await mkdtemp(join(tmpdir(), 'slo-record-'));
const plan = buildPlan(profile);
const file = createWriteStream(out);
try {
  const r = await runK6({
    k6Path: k6 as string,
    script: harnessScript(),
    runDir: dir,
    env: {
      ...plan.env,
      SLO_PLAN: JSON.stringify({ scenarios: plan.scenarios }),
      BASE_URL: fake.url,
      API_USERNAME: 'user',
      API_PASSWORD: 'user123',
      FIXTURE_FILES: fixtureImages().join(','),
    },
    onPoint: (line) => file.write(line + '\n'),
  });
  console.log(r.exit, r.logTail.slice(-5), fake.stats);
  // The unit tests need both kinds of trouble in the recording; say so rather than check in a weak fixture.
  if (!fake.stats.executions) throw new Error('recording has no executions');
} finally {
  await new Promise<void>((resolve) => file.end(() => resolve()));
  await fake.close();
  await rm(dir, { recursive: true, force: true });
}

import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ledger } from '../model/ledger.ts';
import { HarnessError } from '../util/errors.ts';
import { runHarness } from './run.ts';
import { startFakeImageflow, type FakeServer } from '../load/testing/fake-imageflow.ts';

const TINY = join(dirname(fileURLToPath(import.meta.url)), '..', 'load', 'testdata', 'tiny.yaml');

/** `run` against a configured (non-embedded) target: the fake API on loopback, real k6. */
describe('run against a configured target', () => {
  let fake: FakeServer;
  let dir: string;
  let config: string;
  beforeAll(async () => {
    fake = await startFakeImageflow({ executionMs: 400, failEvery: 3 });
    dir = await mkdtemp(join(tmpdir(), 'slo-run-'));
    config = join(dir, 'target.yaml');
    await writeFile(
      config,
      `targets:\n  fake:\n    api: { baseUrl: "${fake.url}", usernameEnv: FAKE_USER, passwordEnv: FAKE_PASS }\n`,
    );
  });
  afterAll(async () => {
    await fake?.close();
  });

  it('drives every scenario, records the ledger, summary and events', async () => {
    const lines: string[] = [];
    const r = await runHarness({
      profile: TINY,
      configFile: config,
      reportsDir: join(dir, 'reports'),
      runId: 'tiny-1',
      progress: 'plain',
      write: (t) => lines.push(t),
      env: { ...process.env, FAKE_USER: 'user', FAKE_PASS: 'user123' },
    });
    // No verification stage was given: traffic alone never reads as a pass.
    expect(r.exitCode).toBe(3);
    expect(r.aborted).toBe(false);
    expect(r.target.name).toBe('fake');
    const ledger = JSON.parse(await readFile(join(r.runDir, 'ledger.json'), 'utf8')) as Ledger;
    expect(ledger.requests.total).toBe(fake.stats.requests);
    // Every request carried a valid W3C traceparent.
    expect(fake.stats.traceparents).toBe(fake.stats.requests);
    expect(ledger.executions.created).toBe(fake.stats.executions);
    expect(ledger.executions.byOutcome.completed).toBeGreaterThan(0);
    expect(ledger.executions.byOutcome.failed).toBeGreaterThan(0);
    expect(ledger.executions.maxInFlight).toBeGreaterThanOrEqual(4);
    expect(ledger.phases.map((p) => p.name)).toEqual(['steady', 'burst']);
    expect(ledger.requests.byRoute.map((x) => x.route)).toEqual(
      expect.arrayContaining([
        'POST /v1/auth/login',
        'GET /v1/pipelines/',
        'POST /v1/executions/',
        'GET /v1/executions/{id}',
      ]),
    );
    for (const f of ['k6-summary.json', 'k6-summary.txt', 'k6.log', 'events.jsonl', 'plan.json']) {
      expect(existsSync(join(r.runDir, f)), f).toBe(true);
    }
    const events = (await readFile(join(r.runDir, 'events.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { type: string }).type);
    expect(events).toEqual(
      expect.arrayContaining([
        'run.started',
        'traffic.started',
        'phase.started',
        'phase.ended',
        'traffic.ended',
        'ledger.saved',
        'run.ended',
      ]),
    );
    expect(lines.join('')).toContain('[steady]');
  }, 90_000);

  it('refuses a target host outside the allow-list before any traffic', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(
      bad,
      'targets:\n  prod:\n    api: { baseUrl: "https://imageflow.example.com", usernameEnv: U, passwordEnv: P }\n',
    );
    const before = fake.stats.requests;
    await expect(
      runHarness({ profile: TINY, configFile: bad, reportsDir: join(dir, 'r2'), write: () => {} }),
    ).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      details: expect.stringContaining('not in allowHosts'),
    });
    expect(fake.stats.requests).toBe(before);
  });

  it('refuses load above the profile caps', async () => {
    const err = await runHarness({
      profile: TINY,
      configFile: config,
      overrides: { rate: 500 },
      reportsDir: join(dir, 'r3'),
      write: () => {},
      env: { ...process.env, FAKE_USER: 'user', FAKE_PASS: 'user123' },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HarnessError);
    expect((err as HarnessError).code).toBe('CONFIG_CAP_EXCEEDED');
  });

  it('refuses the alerts profile on a configured target before any traffic: fault hooks for real deployments are not built', async () => {
    const before = fake.stats.requests;
    const err = await runHarness({
      profile: 'alerts',
      configFile: config,
      reportsDir: join(dir, 'r4'),
      write: () => {},
      env: { ...process.env, FAKE_USER: 'user', FAKE_PASS: 'user123' },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HarnessError);
    expect((err as HarnessError).code).toBe('CONFIG_ALERTS_EMBEDDED_ONLY');
    expect((err as HarnessError).message).toMatch(/profile alerts .*only the embedded default.*\(target fake\)/);
    expect((err as HarnessError).hint).toMatch(/fault hooks for a configured deployment are not built/);
    expect(fake.stats.requests).toBe(before);
  });
});

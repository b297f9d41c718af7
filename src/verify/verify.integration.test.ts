import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackDown, stackUp, stackUrls, type StackUrls } from '../stack/lifecycle.ts';
import { HarnessError } from '../util/errors.ts';
import { freePort } from '../util/ports.ts';
import { verify, type VerifyReport } from './engine.ts';
import { drive } from './testing/drive.ts';

/**
 * Against the real embedded stack and reference system: healthy traffic passes, a faulted
 * reference fails the checks of that family, and an unreachable backend is inconclusive.
 * Runs share one Prometheus, so the healthy run goes first and each faulted run is judged
 * on its own window by the checks of its family.
 */
let dir: string;
let urls: StackUrls;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'verify-it-'));
  const up = await stackUp({ stateDir: dir, scrapeInterval: '1s' });
  urls = stackUrls(up.state);
});

afterAll(async () => {
  await stackDown({ stateDir: dir });
  await rm(dir, { recursive: true, force: true });
});

async function fault(body: Record<string, unknown> | undefined): Promise<void> {
  const res = await fetch(`${urls.backendApi}/admin/faults`, {
    method: body ? 'POST' : 'DELETE',
    headers: { authorization: `Bearer ${urls.adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  expect(res.status, await res.text()).toBeLessThan(300);
}

async function trafficAndVerify(only: string[] | undefined): Promise<VerifyReport> {
  const ledger = await drive(urls.backendApi, { seconds: 6 });
  const r = await verify({
    ledger,
    only,
    prometheus: { url: urls.prometheus },
    alertmanager: { url: urls.alertmanager },
    logs: Object.values(urls.appLogs),
    scrapeInterval: '1s',
    evaluationInterval: '1s',
    settle: true,
  });
  if (r instanceof HarnessError) throw r;
  return r;
}

const outcomes = (r: VerifyReport) => Object.fromEntries(r.verdicts.map((v) => [v.checkId, v.outcome]));

describe('verification against the embedded stack', () => {
  it('a healthy reference passes every gate check', async () => {
    const r = await trafficAndVerify(undefined);
    // KM-1…3 judge the machine the tests run on (shared with k6, vitest and the stack), not
    // the reference system: they must yield a measured verdict, whichever way it goes.
    const host = ['km-1-cpu', 'km-2-memory', 'km-3-disk'];
    for (const v of r.verdicts.filter((x) => host.includes(x.checkId))) {
      expect(['pass', 'fail'], v.summary).toContain(v.outcome);
      expect(typeof v.observed).toBe('number');
    }
    const bad = r.verdicts
      .filter((v) => v.severity === 'gate' && !host.includes(v.checkId) && v.outcome !== 'pass')
      .map((v) => `${v.checkId}: ${v.summary} ${v.reason ?? ''}`);
    expect(bad).toEqual([]);
    expect(r.settle?.ok, r.settle?.reason).toBe(true);
  }, 120_000);

  it('HTTP 500s fail the availability checks; the honest telemetry still matches the client', async () => {
    await fault({
      kind: 'http_error',
      service: 'backend-api',
      ttl_seconds: 60,
      // Every GET (most of the driven traffic): the 5xx share lands far above KM-5's 5 %
      // whatever the mix, so the test does not hinge on chance.
      rate: 0.3,
      status_code: 500,
      match: { method: 'GET' },
    });
    try {
      const o = outcomes(
        await trafficAndVerify([
          'sli-1-availability',
          'km-5-http-5xx-rate',
          'truth-availability',
          'truth-request-count',
        ]),
      );
      expect(o).toEqual({
        'sli-1-availability': 'fail',
        'km-5-http-5xx-rate': 'fail',
        'truth-availability': 'pass',
        'truth-request-count': 'pass',
      });
    } finally {
      await fault(undefined);
    }
  }, 120_000);

  it('failing pipeline steps fail the pipeline checks', async () => {
    await fault({ kind: 'step_failure', ttl_seconds: 60, rate: 0.5 });
    try {
      const o = outcomes(
        await trafficAndVerify(['sli-4-pipeline-failure-rate', 'km-7-pipeline-success-rate', 'truth-executions']),
      );
      expect(o).toEqual({
        'sli-4-pipeline-failure-rate': 'fail',
        'km-7-pipeline-success-rate': 'fail',
        'truth-executions': 'pass',
      });
    } finally {
      await fault(undefined);
    }
  }, 120_000);

  it('log records missing fields fail LOG-1', async () => {
    await fault({ kind: 'drop_log_fields', service: 'backend-api', ttl_seconds: 60, fields: ['trace_id'] });
    try {
      const o = outcomes(await trafficAndVerify(['log-1-record-shape']));
      expect(o).toEqual({ 'log-1-record-shape': 'fail' });
    } finally {
      await fault(undefined);
    }
  }, 120_000);

  it('an unreachable Prometheus makes its checks inconclusive, naming the cause', async () => {
    const port = await freePort();
    const end = new Date();
    const r = await verify({
      window: { start: new Date(end.getTime() - 60_000), end },
      prometheus: { url: `http://127.0.0.1:${port}`, retries: 0 },
      settle: false,
      only: ['sli-1-availability', 'ret-6-metric-retention', 'al-4-rules-match-spec'],
    });
    if (r instanceof HarnessError) throw r;
    expect(r.verdicts.map((v) => v.outcome)).toEqual(['inconclusive', 'inconclusive', 'inconclusive']);
    for (const v of r.verdicts) expect(v.reason).toMatch(/SOURCE_UNREACHABLE.*ECONNREFUSED/);
    expect(r.outcome).toBe('inconclusive');
  }, 60_000);
});

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Ledger } from '../model/ledger.ts';
import { SPEC_RULE_FILE } from '../stack/config.ts';
import { stackDown, stackUp, stackUrls, type StackUrls } from '../stack/lifecycle.ts';
import { HarnessError } from '../util/errors.ts';
import { freePort } from '../util/ports.ts';
import { waitFor } from '../util/wait.ts';
import { verify, type VerifyReport } from './engine.ts';
import { drive } from './testing/drive.ts';
import { explain, filesOnlyArch4, GET_500S, outcomes, setFault, verdictOf } from './testing/report-helpers.ts';

/**
 * Against the real embedded stack and reference system: healthy traffic passes, a faulted
 * reference fails the checks of that family, lying telemetry fails the ground-truth checks,
 * and an unreachable backend is inconclusive. Runs share one Prometheus, so the healthy run
 * goes first and each faulted run is judged on its own window by the checks of its family.
 * Checks over fixed 5m windows and rule drift get a second, fresh stack.
 */
let dir: string;
let urls: StackUrls;

const fault = (body: Record<string, unknown> | undefined) => setFault(urls, body);

async function verifyLedger(ledger: Ledger, only: string[] | undefined): Promise<VerifyReport> {
  const r = await verify({
    ledger,
    only,
    prometheus: { url: urls.prometheus },
    alertmanager: { url: urls.alertmanager },
    jaeger: { url: urls.jaegerQuery },
    logs: Object.values(urls.appLogs),
    scrapeInterval: '1s',
    evaluationInterval: '1s',
    settle: true,
  });
  if (r instanceof HarnessError) throw r;
  return r;
}

async function trafficAndVerify(only: string[] | undefined): Promise<VerifyReport> {
  return verifyLedger(await drive(urls.backendApi, { seconds: 6 }), only);
}

/** The last minute, judged now without traffic (platform checks). */
async function verifyNow(only: string[]): Promise<VerifyReport> {
  const end = new Date();
  const r = await verify({
    window: { start: new Date(end.getTime() - 60_000), end },
    prometheus: { url: urls.prometheus },
    scrapeInterval: '1s',
    settle: false,
    only,
  });
  if (r instanceof HarnessError) throw r;
  return r;
}

/** Waits (under a deadline) until Prometheus' own view of a job's targets has this health. */
async function waitTargetHealth(job: string, health: 'up' | 'down'): Promise<void> {
  const w = await waitFor(
    async () => {
      const res = await fetch(`${urls.prometheus}/api/v1/targets?state=active`);
      const body = (await res.json()) as {
        data: { activeTargets: Array<{ labels: Record<string, string>; health: string }> };
      };
      const ts = body.data.activeTargets.filter((t) => t.labels.job === job);
      const now = ts.map((t) => t.health).join(',');
      return { done: ts.length > 0 && ts.every((t) => t.health === health), reason: `${job}: ${now || 'no target'}` };
    },
    { timeoutMs: 20_000, intervalMs: 250 },
  );
  expect(w.ok, w.reason).toBe(true);
}

describe('verification against the embedded stack', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'verify-it-'));
    const up = await stackUp({ stateDir: dir, scrapeInterval: '1s' });
    urls = stackUrls(up.state);
  });

  afterAll(async () => {
    await stackDown({ stateDir: dir });
    await rm(dir, { recursive: true, force: true });
  });

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
      .filter((v) => v.severity === 'gate' && !host.includes(v.checkId) && v.outcome !== 'pass' && !filesOnlyArch4(v))
      .map((v) => `${v.checkId}: ${v.summary} ${v.reason ?? ''}`);
    expect(bad).toEqual([]);
    expect(r.settle?.ok, r.settle?.reason).toBe(true);
  }, 120_000);

  it('HTTP 500s fail the availability checks; the honest telemetry still matches the client', async () => {
    // Every GET (most of the driven traffic): the 5xx share lands far above KM-5's 5 %.
    await fault(GET_500S);
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

  describe('lying telemetry fails the ground-truth checks, with both numbers side by side', () => {
    afterEach(async () => fault(undefined));

    it('500s counted as 200s: availability and request count by status class fail; SLI-1 is fooled', async () => {
      // Half of every GET (most of the driven traffic) answers 500, and every 500 is recorded
      // as a 200: the client sees far below 99.9 %, the telemetry a perfect 100 %.
      await fault({
        kind: 'http_error',
        service: 'backend-api',
        ttl_seconds: 60,
        rate: 0.5,
        status_code: 500,
        match: { method: 'GET' },
      });
      await fault({ kind: 'metrics_lie', mode: 'code_as_200', ttl_seconds: 60 });
      const ledger = await drive(urls.backendApi, { seconds: 6 });
      const client5xx = ledger.requests.byStatusClass['5xx'] ?? 0;
      expect(client5xx).toBeGreaterThanOrEqual(20);
      const r = await verifyLedger(ledger, ['sli-1-availability', 'truth-availability', 'truth-request-count']);
      expect(outcomes(r)).toEqual({
        // The lie works on the SLO itself: only the ground truth catches it.
        'sli-1-availability': 'pass',
        'truth-availability': 'fail',
        'truth-request-count': 'fail',
      });

      const avail = verdictOf(r, 'truth-availability');
      type ReqDetails = {
        client: { total: number; byStatusClass: Record<string, number> };
        telemetry: { total: number; byStatusClass: Record<string, number> };
        goodClient: number;
        goodTelemetry: number;
        classMismatches: Record<string, { client: number; telemetry: number }>;
      };
      const ad = avail.details as ReqDetails;
      expect(avail.observed).toBe(100);
      expect(ad.telemetry.byStatusClass['5xx'] ?? 0).toBe(0);
      expect(ad.client.byStatusClass['5xx']).toBe(client5xx);
      expect(ad.goodTelemetry).toBe(ad.telemetry.total);
      expect(ad.goodClient).toBe(ad.client.total - client5xx);
      const clientAvail = (100 * ad.goodClient) / ad.client.total;
      expect(clientAvail).toBeLessThan(90);
      expect(avail.summary).toContain(`telemetry availability 100 % vs client `);
      expect(avail.expected).toMatch(/^\d+(\.\d+)? % ± 0 pp$/);

      const count = verdictOf(r, 'truth-request-count');
      const cd = count.details as ReqDetails;
      // The total is right; the classes are not.
      expect(cd.telemetry.total).toBe(cd.client.total);
      expect(count.observed).toBe(cd.client.total);
      expect(cd.classMismatches['5xx']).toEqual({ client: client5xx, telemetry: 0 });
      expect(cd.classMismatches['2xx']).toEqual({
        client: cd.client.byStatusClass['2xx'],
        telemetry: (cd.client.byStatusClass['2xx'] ?? 0) + client5xx,
      });
      expect(count.summary).toContain(`5xx: telemetry 0 / client ${client5xx}`);
    }, 120_000);

    it('milliseconds observed as seconds: the latency truth fails, P95 bucket and client P95 side by side', async () => {
      await fault({ kind: 'metrics_lie', mode: 'duration_ms', ttl_seconds: 60 });
      const r = await trafficAndVerify(['truth-latency-p95']);
      const v = verdictOf(r, 'truth-latency-p95');
      expect(v.outcome).toBe('fail');
      const { p95 } = v.details as {
        p95: {
          telemetryBucket: { lower: number; upper: number | '+Inf' };
          clientSeconds: number;
          slackSeconds: number;
        };
      };
      // A request takes well over 0.25 ms on the server: ×1000 puts the histogram's P95 at
      // ≥ 0.25 "s", while the client measured milliseconds.
      expect(p95.telemetryBucket.lower).toBeGreaterThanOrEqual(0.25);
      expect(p95.telemetryBucket.lower).toBeGreaterThan(p95.clientSeconds + p95.slackSeconds);
      expect(v.observed).toBe(`P95 bucket (${p95.telemetryBucket.lower}, ${p95.telemetryBucket.upper}] s`);
      expect(v.expected).toMatch(/^contains client P95 [\d.]+ s ± 0\.05 s$/);
      expect(v.summary).toMatch(/client P95 [\d.]+ s lies outside the histogram's P95 bucket/);
    }, 120_000);

    it('executions never counted: the execution truth fails, telemetry 0 next to the client count', async () => {
      await fault({ kind: 'metrics_lie', mode: 'skip_execution_count', ttl_seconds: 60 });
      const ledger = await drive(urls.backendApi, { seconds: 6 });
      const completed = ledger.executions.byOutcome.completed ?? 0;
      expect(completed).toBeGreaterThanOrEqual(10);
      const r = await verifyLedger(ledger, ['truth-executions']);
      const v = verdictOf(r, 'truth-executions');
      expect(v.outcome).toBe('fail');
      const { rows } = v.details as { rows: Array<{ status: string; client: number; telemetry: number }> };
      expect(rows.find((x) => x.status === 'success')).toEqual({ status: 'success', client: completed, telemetry: 0 });
      expect(v.summary).toContain(`success: telemetry 0 / client ${completed}`);
    }, 120_000);
  });

  it('a target whose /metrics fails makes ARCH-3 fail naming the job; it passes again once it recovers', async () => {
    await fault({ kind: 'metrics_outage', service: 'processing', ttl_seconds: 60 });
    try {
      await waitTargetHealth('processing', 'down');
      const v = verdictOf(await verifyNow(['arch-3-targets-up']), 'arch-3-targets-up');
      expect(v.outcome).toBe('fail');
      expect(v.summary).toMatch(/^processing: 1\/1 down: .*503/);
      expect(v.observed).toContain('backend-api=1 up');
    } finally {
      await fault(undefined);
    }
    await waitTargetHealth('processing', 'up');
    expect(outcomes(await verifyNow(['arch-3-targets-up']))).toEqual({ 'arch-3-targets-up': 'pass' });
  }, 60_000);

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

describe('a second stack: a fresh Prometheus and drifted alert rules', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'verify-it-drift-'));
    // The spec's rules with two drifts: APILatencySLOBreach waits 10m instead of 5m, and the
    // availability threshold is 99 % instead of 99.9 %.
    const spec = await readFile(SPEC_RULE_FILE, 'utf8');
    const drifted = spec.replace('for: 5m', 'for: 10m').replace(') < 0.999', ') < 0.99');
    expect(drifted.split('\n').filter((l, i) => l !== spec.split('\n')[i])).toHaveLength(2);
    const ruleFile = join(dir, 'drifted-rules.yml');
    await writeFile(ruleFile, drifted);
    const up = await stackUp({ stateDir: join(dir, 'stack'), scrapeInterval: '1s', ruleFiles: [ruleFile] });
    urls = stackUrls(up.state);
    // Prometheus scrapes a new target only after its first target sync (up to 5 s after ready).
    await waitTargetHealth('backend-api', 'up');
  });

  afterAll(async () => {
    await stackDown({ stateDir: join(dir, 'stack') });
    await rm(dir, { recursive: true, force: true });
  });

  it('AL-4 fails naming each drifted field, and nothing else', async () => {
    const v = verdictOf(await verifyNow(['al-4-rules-match-spec']), 'al-4-rules-match-spec');
    expect(v.outcome).toBe('fail');
    const { diffs } = v.details as { diffs: string[] };
    expect(diffs).toHaveLength(2);
    expect(diffs).toContain('APILatencySLOBreach: for 600s vs spec 300s');
    expect(diffs.find((d) => d.startsWith('APIAvailabilitySLOBreach: expr differs'))).toMatch(
      /loaded ".*< 0\.99" vs spec ".*< 0\.999"/s,
    );
  }, 60_000);

  it('2.5 s of latency on one route fails SLI-2 and Q-2; the honest histogram still agrees with the client', async () => {
    // rate() sees only increases of series it has already scraped: create the two GET
    // series with one fast request each, and wait until Prometheus has them.
    const login = await fetch(`${urls.backendApi}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'admin123' }),
    });
    const { access_token: token } = (await login.json()) as { access_token: string };
    for (const route of ['/v1/pipelines/', '/v1/components/']) {
      expect(
        (await fetch(`${urls.backendApi}${route}`, { headers: { authorization: `Bearer ${token}` } })).status,
      ).toBe(200);
    }
    const seen = await waitFor(
      async () => {
        const q = encodeURIComponent('count(http_request_duration_seconds_count{job="backend-api",method="GET"})');
        const body = (await (await fetch(`${urls.prometheus}/api/v1/query?query=${q}`)).json()) as {
          data: { result: Array<{ value: [number, string] }> };
        };
        const n = Number(body.data.result[0]?.value[1] ?? 0);
        return { done: n >= 2, reason: `${n} GET series scraped` };
      },
      { timeoutMs: 15_000, intervalMs: 250 },
    );
    expect(seen.ok, seen.reason).toBe(true);
    // On a fresh Prometheus the 5m windows of Q-2 hold only this traffic. Every GET of
    // /v1/components/ (one request in two of the loop) takes 2.5 s: far more than 5 % of
    // the requests land above 2 s, so P95 lies in the (2, 5] bucket whatever the timing.
    await fault({
      kind: 'latency',
      service: 'backend-api',
      ttl_seconds: 30,
      latency: { distribution: 'fixed', ms: 2500 },
      match: { method: 'GET', route: '/v1/components/' },
    });
    try {
      const ledger = await drive(urls.backendApi, { seconds: 5, executions: false });
      const slow = ledger.requests.byRoute.find((x) => x.route === 'GET /v1/components/');
      expect(slow?.total).toBeGreaterThanOrEqual(2);
      expect(slow!.total / ledger.requests.total).toBeGreaterThan(0.2);
      const r = await verifyLedger(ledger, ['sli-2-latency-p95', 'q-2-latency-query', 'truth-latency-p95']);
      expect(outcomes(r), explain(r)).toEqual({
        'sli-2-latency-p95': 'fail',
        'q-2-latency-query': 'fail',
        'truth-latency-p95': 'pass',
      });
      expect(verdictOf(r, 'sli-2-latency-p95').observed).toBeGreaterThan(2);
      expect(verdictOf(r, 'q-2-latency-query').observed).toBeGreaterThan(2);
    } finally {
      await fault(undefined);
    }
  }, 60_000);
});

import { appendFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ledger } from '../model/ledger.ts';
import { startElasticsearch, type ElasticsearchServer } from '../logstore/elasticsearch-server.ts';
import { stackDown, stackUp, stackUrls, type StackUrls } from '../stack/lifecycle.ts';
import { HarnessError } from '../util/errors.ts';
import { freePort } from '../util/ports.ts';
import { waitFor } from '../util/wait.ts';
import { verify, type VerifyReport } from '../verify/engine.ts';
import { drive } from '../verify/testing/drive.ts';
import { explain, outcomes, setFault } from '../verify/testing/report-helpers.ts';
import { TestLogShipper } from '../verify/testing/ship-logs.ts';
import type { ElasticsearchLogConfig } from './elasticsearch-logs.ts';

/**
 * The log checks read from a real Elasticsearch (7.17.29, provisioned from Maven Central),
 * fed with the reference system's own log records by a tailing shipper: the same verdicts as
 * from the files, ARCH-4 judged for real, and the failures each family should show.
 */
let dir: string;
let es: ElasticsearchServer;
let urls: StackUrls;
let shipper: TestLogShipper;
const LOG_CHECKS = ['LOG-1', 'LOG-2', 'LOG-3', 'ARCH-4'];

const store = (over: Partial<ElasticsearchLogConfig> = {}): ElasticsearchLogConfig => ({
  url: es.url,
  index: 'imageflow-app-*',
  // The shipper's time field: a line that did not parse has no `timestamp` of its own.
  timeField: '@timestamp',
  malformedQuery: 'tags:_jsonparsefailure',
  retries: 0,
  ...over,
});

async function verifyLogs(
  ledger: Ledger,
  logs: { logStore: ElasticsearchLogConfig } | { logs: string[] },
  settleTimeoutMs = 30_000,
): Promise<VerifyReport> {
  const r = await verify({
    ledger,
    only: LOG_CHECKS,
    ...logs,
    // LOG-2's correlation reads the sampled traces from the stack's Jaeger.
    jaeger: { url: urls.jaegerQuery },
    // One-second steps: the judged window does not reach back into an earlier test's traffic.
    scrapeInterval: '1s',
    evaluationInterval: '1s',
    settle: true,
    settleTimeoutMs,
  });
  if (r instanceof HarnessError) throw r;
  return r;
}
const appLogs = () => Object.values(urls.appLogs);

/**
 * Waits until the services have stopped writing (the files' sizes stable across two polls):
 * records of work that ends after the client's last response (execution steps) would
 * otherwise reach the files but not the store, and the two sources would judge different data.
 */
async function logsAtRest(): Promise<void> {
  let last = '';
  const w = await waitFor(
    async () => {
      const sizes = (await Promise.all(appLogs().map((f) => stat(f).then((s) => s.size)))).join(',');
      const done = sizes === last;
      last = sizes;
      return { done, reason: `log files still growing (${sizes})` };
    },
    { timeoutMs: 30_000, intervalMs: 750 },
  );
  expect(w.ok, w.reason).toBe(true);
}

const fault = (body: Record<string, unknown> | undefined) => setFault(urls, body);

describe('log checks against a real Elasticsearch', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'es-logs-it-'));
    // Provisioning fetches ~40 MB from Maven Central the first time.
    [es] = await Promise.all([
      startElasticsearch({ dir: join(dir, 'es') }),
      stackUp({ stateDir: join(dir, 'stack'), scrapeInterval: '1s' }).then((up) => {
        urls = stackUrls(up.state);
      }),
    ]);
    shipper = new TestLogShipper(es.url, 'imageflow-app-2026.11');
    await shipper.ship(appLogs());
  }, 600_000);

  afterAll(async () => {
    await shipper?.close();
    await Promise.all([es?.stop(), stackDown({ stateDir: join(dir, 'stack') })]);
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it("a healthy run: the store gives the files' verdicts, and ARCH-4 finds every sampled request", async () => {
    const ledger = await drive(urls.backendApi, { seconds: 4 });
    // The store lags like a real one: records arrive after traffic ended, and the engine
    // must wait for them (settleLogs), not judge an empty store.
    const shipped = new Promise((r) => setTimeout(r, 1500)).then(logsAtRest).then(() => shipper.ship(appLogs()));
    const fromStore = await verifyLogs(ledger, { logStore: store() });
    expect(await shipped).toBeGreaterThan(ledger.requests.total / 2);
    const fromFiles = await verifyLogs(ledger, { logs: appLogs() });
    expect(outcomes(fromStore), explain(fromStore)).toEqual({
      'finding-1-w3c-ids-in-logs': 'pass',
      'log-1-record-shape': 'pass',
      'arch-4-run-in-log-store': 'pass',
      'log-3-execution-started': 'pass',
      // LOG-2 as correlation: the store's records name spans of the sampled traces in Jaeger.
      'log-2-trace-correlation': 'pass',
    });
    // Files: the same verdicts, except ARCH-4 which has no store to follow.
    expect(outcomes(fromFiles), explain(fromFiles)).toEqual({
      ...outcomes(fromStore),
      'arch-4-run-in-log-store': 'skipped',
    });
    const arch4 = fromStore.verdicts.find((v) => v.checkId === 'arch-4-run-in-log-store')!;
    expect(arch4.summary).toContain(`index imageflow-app-*`);
    const log1 = fromStore.verdicts.find((v) => v.checkId === 'log-1-record-shape')!;
    const log1Files = fromFiles.verdicts.find((v) => v.checkId === 'log-1-record-shape')!;
    expect(log1.details).toMatchObject({ malformedLines: 0 });
    expect((log1.details as { recordsInWindow: number }).recordsInWindow).toBe(
      (log1Files.details as { recordsInWindow: number }).recordsInWindow,
    );
  }, 180_000);

  it('records missing fields fail LOG-1 from the store too', async () => {
    await fault({ kind: 'drop_log_fields', service: 'backend-api', ttl_seconds: 60, fields: ['trace_id'] });
    try {
      const ledger = await drive(urls.backendApi, { seconds: 3 });
      await shipper.ship(appLogs());
      // Records without trace_id: the store never shows the last request, so don't wait long.
      const r = await verifyLogs(ledger, { logStore: store() }, 3_000);
      expect(outcomes(r)['log-1-record-shape'], explain(r)).toBe('fail');
      expect(r.verdicts.find((v) => v.checkId === 'log-1-record-shape')?.summary).toContain('trace_id');
    } finally {
      await fault(undefined);
    }
  }, 120_000);

  it('a shipper that loses the execution records fails ARCH-4 (naming them) and LOG-3', async () => {
    const ledger = await drive(urls.backendApi, { seconds: 3 });
    await shipper.ship(
      appLogs(),
      (rec) => !String(rec.message).includes('/v1/executions') && rec.message !== 'Pipeline execution started',
    );
    const r = await verifyLogs(ledger, { logStore: store() }, 3_000);
    expect(outcomes(r), explain(r)).toMatchObject({
      'arch-4-run-in-log-store': 'fail',
      'log-3-execution-started': 'fail',
    });
    expect(r.verdicts.find((v) => v.checkId === 'arch-4-run-in-log-store')?.summary).toMatch(
      /sampled requests have no log record .* e\.g\. (POST|GET) \/v1\/executions/,
    );
  }, 120_000);

  it('a store still catching up at the deadline makes ARCH-4 inconclusive, not failed', async () => {
    const ledger = await drive(urls.backendApi, { seconds: 3, executions: false });
    // The last second of records is still in the shipper's buffer when verification reads.
    const cut = Date.parse(ledger.window.end) - 1000;
    const late: Array<Record<string, unknown>> = [];
    await shipper.ship(appLogs(), (rec) => Date.parse(String(rec.timestamp)) < cut || (late.push(rec), false));
    expect(late.length).toBeGreaterThan(0);
    const r = await verifyLogs(ledger, { logStore: store() }, 2_000);
    const v = r.verdicts.find((x) => x.checkId === 'arch-4-run-in-log-store')!;
    expect(v.outcome, v.summary).toBe('inconclusive');
    expect(v.reason).toMatch(/had not caught up/);
  }, 120_000);

  it('a line that was not JSON, stored as a parse failure, fails LOG-1 as malformed', async () => {
    // The bad line is written and shipped while traffic runs, so it falls in the window.
    const driving = drive(urls.backendApi, { seconds: 3, executions: false });
    await new Promise((r) => setTimeout(r, 1000));
    await appendFile(urls.appLogs['backend-api']!, 'panic: runtime error (not JSON)\n');
    await shipper.ship(appLogs());
    const ledger = await driving;
    await shipper.ship(appLogs());
    const r = await verifyLogs(ledger, { logStore: store() });
    const v = r.verdicts.find((x) => x.checkId === 'log-1-record-shape')!;
    expect(v.outcome, v.summary).toBe('fail');
    expect(v.summary).toMatch(/^1 malformed/);
  }, 120_000);

  it('an unreachable store, or a pattern matching no index, makes the log checks inconclusive', async () => {
    const ledger = await drive(urls.backendApi, { seconds: 1, executions: false });
    const down = await verifyLogs(ledger, { logStore: store({ url: `http://127.0.0.1:${await freePort()}` }) }, 1_000);
    for (const v of down.verdicts) {
      expect(v.outcome, `${v.checkId}: ${v.summary}`).toMatch(/inconclusive|skipped/);
    }
    expect(down.verdicts.find((v) => v.checkId === 'log-1-record-shape')?.reason).toMatch(/unreachable/);
    const none = await verifyLogs(ledger, { logStore: store({ index: 'no-such-index-*' }) }, 1_000);
    expect(none.verdicts.find((v) => v.checkId === 'log-1-record-shape')?.outcome).toBe('inconclusive');
    expect(none.verdicts.find((v) => v.checkId === 'log-1-record-shape')?.reason).toMatch(/no index matches/);
    expect(none.outcome).toBe('inconclusive');
  }, 120_000);
});

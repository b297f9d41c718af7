import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Ledger } from '../../model/ledger.ts';
import { stackDown, stackUp, stackUrls, type StackUrls } from '../../stack/lifecycle.ts';
import { HarnessError } from '../../util/errors.ts';
import { verify, type VerifyReport } from '../engine.ts';
import { drive } from '../testing/drive.ts';
import { explain, GET_500S, setFault, verdictOf } from '../testing/report-helpers.ts';

/**
 * Against the real embedded stack: the reference system exports OTLP spans to the real
 * Jaeger v2, the driver sends a W3C traceparent with every request, and the trace checks read
 * the traces back through Jaeger's api_v3. Healthy traffic passes every trace check; each
 * break_propagation hop fails TP-2 (and the rate) naming that hop; logs without trace IDs fail
 * LOG-2's correlation naming the field.
 */
let dir: string;
let urls: StackUrls;
const TRACE_REQS = [
  'TP-1',
  'TP-2',
  'TP-3',
  'ARCH-1',
  'ARCH-2',
  'DB-1',
  'log-2-trace-correlation',
  'tp-4-exemplars-resolve',
];

async function verifyTraces(ledger: Ledger, settleTimeoutMs: number, only = TRACE_REQS): Promise<VerifyReport> {
  const r = await verify({
    ledger,
    only,
    // TP-4 reads the exemplars from Prometheus, then looks their trace IDs up in Jaeger.
    prometheus: { url: urls.prometheus },
    scrapeInterval: '1s',
    jaeger: { url: urls.jaegerQuery },
    logs: Object.values(urls.appLogs),
    settleTimeoutMs,
  });
  if (r instanceof HarnessError) throw r;
  return r;
}

describe('trace propagation read back from the real Jaeger', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'traces-it-'));
    const up = await stackUp({ stateDir: dir, scrapeInterval: '1s' });
    urls = stackUrls(up.state);
  });
  afterAll(async () => {
    await stackDown({ stateDir: dir });
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await setFault(urls, undefined);
  });

  it('a healthy reference passes every trace check, with trace IDs and Jaeger links in the evidence', async () => {
    const ledger = await drive(urls.backendApi, { seconds: 4 });
    const r = await verifyTraces(ledger, 30_000);
    expect(r.verdicts.length).toBeGreaterThanOrEqual(10);
    expect(
      r.verdicts.filter((v) => v.outcome !== 'pass').map((v) => `${v.checkId}: ${v.summary}`),
      explain(r),
    ).toEqual([]);
    const sampled = new Set(ledger.traceSamples.map((s) => s.traceId));
    for (const v of r.verdicts) {
      expect(v.links.length, v.checkId).toBeGreaterThan(0);
      for (const l of v.links) expect(l).toMatch(new RegExp(`^${urls.jaegerQuery}/trace/[0-9a-f]{32}$`));
    }
    // The per-trace checks link the client's own trace IDs.
    expect(sampled.has(verdictOf(r, 'tp-2-execution-trace-unbroken').links[0]!.split('/').pop()!)).toBe(true);
    const rate = verdictOf(r, 'tp-2-propagation-rate');
    expect(rate.observed).toBe(1);
    const d = rate.details as { found: number; sampled: number };
    expect(d.found).toBe(d.sampled);
    expect(d.sampled).toBeGreaterThan(10);
    // TP-4: the exemplars' trace IDs (a sample of at most 20) are all traces in Jaeger.
    const tp4 = verdictOf(r, 'tp-4-exemplars-resolve');
    const ex = tp4.details as { sampled: number; found: number; exemplars: number };
    expect(ex.sampled).toBeGreaterThan(0);
    expect(ex.sampled).toBeLessThanOrEqual(20);
    expect(ex.found).toBe(ex.sampled);
    expect(tp4.summary).toMatch(/^all \d+ sampled exemplar trace IDs \(of \d+ exemplars\) resolve to traces/);
    // The links open in Jaeger's UI.
    const ui = await fetch(verdictOf(r, 'arch-2-trace-retrievable').links[0]!);
    expect(ui.status).toBe(200);

    // TP-5 (warnings): the spec's trace_query links judged as written against the reference.
    const links = await verifyTraces(ledger, 30_000, ['TP-5']);
    expect(verdictOf(links, 'tp-5-al-1-trace-link').summary, explain(links)).toMatch(
      /^Jaeger has no operation "http_request" for "imageflow-backend-api"; its operations: .*POST \/v1\/executions\//,
    );
    expect(verdictOf(links, 'tp-5-al-1-trace-link').outcome).toBe('warn');
    const al2 = verdictOf(links, 'tp-5-al-2-trace-link');
    // Never a pass nor a fail on a healthy run. Once in eight runs it came out inconclusive
    // (no numeric http.status_code seen in that answer; cause not found): the details say why.
    expect(['warn', 'inconclusive'], JSON.stringify(al2.details)).toContain(al2.outcome);
    if (al2.outcome === 'warn')
      expect(al2.summary).toBe(
        "APILatencySLOBreach's trace_query can never match: 0 traces match http.status_code=5xx while 0 traces in the window have http.status_code 5xx (500…599)",
      );
    expect(ledger.executions.byOutcome.failed ?? 0).toBe(0);
    expect(verdictOf(links, 'tp-5-al-3-trace-link').outcome).toBe('inconclusive');
    expect(verdictOf(links, 'tp-5-al-3-trace-link').summary).toMatch(/^condition not driven in this run/);
    // Warnings alone prove no gate: a selection of only these is inconclusive overall.
    expect(links.outcome).toBe('inconclusive');
  }, 120_000);

  it("with 5xx answers and failed steps driven, AL-3's trace_query finds the failed steps' traces; AL-2's still cannot", async () => {
    await setFault(urls, GET_500S);
    await setFault(urls, { kind: 'step_failure', ttl_seconds: 60, step: 'ai_detection' });
    const ledger = await drive(urls.backendApi, { seconds: 2 });
    await setFault(urls, undefined);
    expect(ledger.executions.byOutcome.failed ?? 0).toBeGreaterThan(0);
    const r = await verifyTraces(ledger, 30_000, ['TP-5']);
    const al3 = verdictOf(r, 'tp-5-al-3-trace-link');
    expect(al3.outcome, explain(r)).toBe('pass');
    expect(al3.links[0]).toMatch(new RegExp(`^${urls.jaegerQuery}/trace/[0-9a-f]{32}$`));
    const al2 = verdictOf(r, 'tp-5-al-2-trace-link');
    expect(al2.outcome).toBe('warn');
    const n = /while (\d+) traces in the window have http.status_code 5xx/.exec(al2.summary);
    expect(Number(n?.[1])).toBeGreaterThan(0);
  }, 120_000);

  it.each([
    [
      'workflows->processing',
      /workflows → processing: no processing span continues client span [0-9a-f]{8}… \("POST \/v1\/process\//,
    ],
    [
      'backend-api->workflows',
      /backend-api → workflows: no workflows span continues client span [0-9a-f]{8}… \("POST \/v1\/workflows"\)/,
    ],
    [
      'client->backend-api',
      /client → backend-api: trace [0-9a-f]{8}… \(POST \/v1\/executions\/, sent .*\) is not in the trace store while later ones are/,
    ],
  ])(
    'break_propagation %s fails TP-2 naming the hop',
    async (hop, message) => {
      await setFault(urls, { kind: 'break_propagation', hop, ttl_seconds: 120 });
      const ledger = await drive(urls.backendApi, { seconds: 2 });
      await setFault(urls, undefined);
      // The broken traces never hold every expected service: polling runs to this deadline.
      const r = await verifyTraces(ledger, 6_000);
      const v = verdictOf(r, 'tp-2-execution-trace-unbroken');
      expect(v.outcome, explain(r)).toBe('fail');
      expect(v.summary).toMatch(message);
      expect(v.links[0]).toMatch(new RegExp(`^${urls.jaegerQuery}/trace/[0-9a-f]{32}$`));
      expect(verdictOf(r, 'tp-2-propagation-rate').outcome).toBe('fail');
      expect(verdictOf(r, 'tp-2-propagation-rate').observed).toBeLessThan(0.99);
      if (hop === 'client->backend-api') {
        expect(verdictOf(r, 'tp-1-client-context-continued').outcome).toBe('fail');
        expect(verdictOf(r, 'arch-2-trace-retrievable').outcome).toBe('fail');
      } else {
        expect(verdictOf(r, 'tp-1-client-context-continued').outcome, explain(r)).toBe('pass');
        expect(verdictOf(r, 'tp-2-execution-trace-shape').outcome).toBe('fail');
      }
    },
    120_000,
  );

  it('logs without trace IDs fail the LOG-2 correlation, naming the field', async () => {
    for (const service of ['backend-api', 'workflows', 'processing'])
      await setFault(urls, { kind: 'drop_log_fields', service, fields: ['trace_id'], ttl_seconds: 120 });
    const ledger = await drive(urls.backendApi, { seconds: 2 });
    await setFault(urls, undefined);
    const r = await verifyTraces(ledger, 30_000);
    const v = verdictOf(r, 'log-2-trace-correlation');
    expect(v.outcome, explain(r)).toBe('fail');
    expect(v.summary).toMatch(
      /^none of the \d+ log records in the window carries the trace_id of one of the \d+ sampled traces/,
    );
    // The traces themselves are intact.
    expect(verdictOf(r, 'tp-2-execution-trace-unbroken').outcome).toBe('pass');
  }, 120_000);
});

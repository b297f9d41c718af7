import { readFileSync, createReadStream } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LedgerBuilder, statusClass } from './ledger.ts';
import { forEachLine } from './ndjson.ts';
import { LatencyAccumulator } from './latency.ts';

/**
 * The fixture is real k6 v2.2.0 output (scenarios/harness.ts against the fake API with
 * injected 500s on every 4th GET of /v1/components/ or /v1/pipelines/ and every 4th execution failing), recorded by
 * src/load/testing/record-fixture.ts.
 */
const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'testdata', 'k6-recorded.ndjson');
const META = { runId: 'r1', profile: 'record', apiBaseUrl: 'http://127.0.0.1:1' };

interface RawPoint {
  metric: string;
  type: string;
  data: { time: string; value: number; tags: Record<string, string>; metadata?: Record<string, string> };
}

function rawPoints(): RawPoint[] {
  return readFileSync(FIXTURE, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as RawPoint)
    .filter((p) => p.type === 'Point');
}

async function ledgerFromFixture(limits = {}) {
  const b = new LedgerBuilder(META, limits);
  await forEachLine(createReadStream(FIXTURE, { highWaterMark: 977 }), (l) => b.ingestLine(l));
  return b;
}

describe('ledger from recorded k6 output', () => {
  it('counts every request by route and status class exactly as k6 reported them', async () => {
    const points = rawPoints();
    const reqs = points.filter((p) => p.metric === 'http_req_duration');
    const ledger = (await ledgerFromFixture()).finish({ aborted: false, exitCode: 99 });
    expect(ledger.requests.total).toBe(reqs.length);
    expect(ledger.k6.points).toBe(points.length);
    const byRoute = new Map<string, number>();
    let fivexx = 0;
    for (const p of reqs) {
      byRoute.set(p.data.tags.route as string, (byRoute.get(p.data.tags.route as string) ?? 0) + 1);
      if (p.data.tags.status?.startsWith('5')) fivexx++;
    }
    expect(Object.fromEntries(ledger.requests.byRoute.map((r) => [r.route, r.total]))).toEqual(
      Object.fromEntries(byRoute),
    );
    expect(ledger.requests.byStatusClass['5xx'] ?? 0).toBe(fivexx);
    expect(fivexx).toBeGreaterThan(0);
    const with500 = ledger.requests.byRoute.filter((r) => (r.byStatus['500'] ?? 0) > 0).map((r) => r.route);
    expect(with500.length).toBeGreaterThan(0);
    expect(with500.every((r) => r === 'GET /v1/components/' || r === 'GET /v1/pipelines/')).toBe(true);
    const sumClasses = Object.values(ledger.requests.byStatusClass).reduce((a, b) => a + (b ?? 0), 0);
    expect(sumClasses).toBe(reqs.length);
  });

  it('summarises latency exactly at bucket bounds and closely at quantiles', async () => {
    const secs = rawPoints()
      .filter((p) => p.metric === 'http_req_duration')
      .map((p) => p.data.value / 1000)
      .sort((a, b) => a - b);
    const lat = (await ledgerFromFixture()).finish({ aborted: false, exitCode: 0 }).requests.latency;
    expect(lat.count).toBe(secs.length);
    expect(lat.minSeconds).toBeCloseTo(secs[0] as number, 9);
    expect(lat.maxSeconds).toBeCloseTo(secs[secs.length - 1] as number, 9);
    expect(lat.sumSeconds).toBeCloseTo(
      secs.reduce((a, b) => a + b, 0),
      6,
    );
    for (const { le, count } of lat.cumulative) expect(count).toBe(secs.filter((s) => s <= le).length);
    expect(lat.cumulative.some((c) => c.le === 2)).toBe(true);
    // HDR at 3 significant digits: within 0.1 % (plus 1 µs of rounding) of the exact value.
    const exactP95 = secs[Math.ceil(0.95 * secs.length) - 1] as number;
    expect(Math.abs(lat.quantiles.p95 - exactP95)).toBeLessThanOrEqual(exactP95 * 0.001 + 1e-6);
  });

  it('records execution outcomes, durations and the most executions in flight', async () => {
    const points = rawPoints();
    const done = points.filter((p) => p.metric === 'ifc_execution_duration');
    const created = points.filter((p) => p.metric === 'ifc_execution_created');
    const ledger = (await ledgerFromFixture()).finish({ aborted: false, exitCode: 0 });
    expect(ledger.executions.created).toBe(created.length);
    expect(ledger.executions.duration.count).toBe(done.length);
    const failed = done.filter((p) => p.data.tags.outcome === 'failed').length;
    expect(failed).toBeGreaterThan(0);
    expect(ledger.executions.byOutcome.failed ?? 0).toBe(failed);
    expect(ledger.executions.byOutcome.completed ?? 0).toBe(done.length - failed);
    // The burst phase starts 6 executions at once.
    expect(ledger.executions.maxInFlight).toBeGreaterThanOrEqual(6);
  });

  it('derives each phase window from the traffic tagged with it', async () => {
    const points = rawPoints().filter((p) => p.metric === 'http_req_duration' && p.data.tags.phase === 'burst');
    const start = Math.min(...points.map((p) => Date.parse(p.data.time) - p.data.value));
    const ledger = (await ledgerFromFixture()).finish({ aborted: false, exitCode: 0 });
    expect(ledger.phases.map((p) => p.name)).toEqual(['steady', 'burst']);
    const [steady, burst] = ledger.phases;
    expect(Date.parse(burst!.start)).toBe(Math.floor(start));
    expect(steady!.start <= burst!.start).toBe(true);
    expect(ledger.window.start <= steady!.start).toBe(true);
    expect(ledger.window.end >= burst!.end).toBe(true);
  });

  it('keeps valid W3C trace IDs, at most N per route and outcome, including executions', async () => {
    const ledger = (await ledgerFromFixture({ samplesPerKey: 3 })).finish({ aborted: false, exitCode: 0 });
    const perKey = new Map<string, number>();
    for (const s of ledger.traceSamples) {
      expect(s.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(Number.isNaN(Date.parse(s.time))).toBe(false);
      const key = `${s.route}|${s.outcome}|${s.executionId ? 'x' : ''}`;
      perKey.set(key, (perKey.get(key) ?? 0) + 1);
    }
    for (const n of perKey.values()) expect(n).toBeLessThanOrEqual(3);
    expect(ledger.traceSamples.some((s) => s.outcome === 'failed' && s.executionId)).toBe(true);
    expect(
      ledger.traceSamples.some((s) => s.route.startsWith('GET /v1/') && s.status === 500 && s.outcome === 'error'),
    ).toBe(true);
  });

  it("keeps the client's span id (the traceparent's parent-id) with its trace ID", () => {
    const b = new LedgerBuilder(META);
    const traceId = 'a'.repeat(32);
    const point = (metadata: Record<string, string>) =>
      JSON.stringify({
        type: 'Point',
        metric: 'http_req_duration',
        data: {
          time: '2026-11-28T12:00:00.000Z',
          value: 12,
          tags: { route: 'GET /v1/pipelines/', status: '200', method: 'GET' },
          metadata,
        },
      });
    b.ingestLine(point({ trace_id: traceId, span_id: 'b'.repeat(16) }));
    b.ingestLine(point({ trace_id: 'c'.repeat(32) }));
    const samples = b.finish({ aborted: false, exitCode: 0 }).traceSamples;
    expect(samples.find((s) => s.traceId === traceId)?.spanId).toBe('b'.repeat(16));
    expect(samples.find((s) => s.traceId === 'c'.repeat(32))).not.toHaveProperty('spanId');
  });

  it('gives the same ledger for the same input (seeded sampling)', async () => {
    const a = (await ledgerFromFixture()).finish({
      aborted: false,
      exitCode: 0,
      fallbackWindow: { start: new Date(0), end: new Date(0) },
    });
    const b = (await ledgerFromFixture()).finish({
      aborted: false,
      exitCode: 0,
      fallbackWindow: { start: new Date(0), end: new Date(0) },
    });
    expect(a).toEqual(b);
  });
});

describe('ledger edge cases', () => {
  it('folds routes beyond the cap into "(other)" and counts malformed lines', () => {
    const b = new LedgerBuilder(META, { maxRoutes: 2 });
    for (let i = 0; i < 5; i++) {
      b.ingestPoint('http_req_duration', {
        time: '2026-01-01T00:00:01Z',
        value: 10,
        tags: { route: `GET /r${i}`, status: '200' },
      });
    }
    b.ingestLine('{"metric":"http_req_duration","type":"Point","data":{"time": oops');
    b.ingestLine('not json: k6 text summary');
    const l = b.finish({ aborted: true, exitCode: 105 });
    expect(l.requests.byRoute.map((r) => [r.route, r.total])).toEqual([
      ['(other)', 3],
      ['GET /r0', 1],
      ['GET /r1', 1],
    ]);
    expect(b.live().malformedLines).toBe(1);
    expect(l.aborted).toBe(true);
  });

  it('uses the fallback window when no traffic was seen', () => {
    const l = new LedgerBuilder(META).finish({
      aborted: true,
      exitCode: null,
      fallbackWindow: { start: new Date(1000), end: new Date(2000) },
    });
    expect(l.window).toEqual({ start: '1970-01-01T00:00:01.000Z', end: '1970-01-01T00:00:02.000Z' });
    expect(l.requests.latency.count).toBe(0);
    expect(l.requests.latency.quantiles.p99).toBe(0);
  });

  it('classifies statuses, network errors included', () => {
    expect(statusClass(0)).toBe('network_error');
    expect(statusClass(202)).toBe('2xx');
    expect(statusClass(503)).toBe('5xx');
  });

  it('counts a value exactly on a bucket bound into that bucket', () => {
    const acc = new LatencyAccumulator();
    acc.recordSeconds(2);
    acc.recordSeconds(2.0000001);
    const s = acc.summary();
    expect(s.cumulative.find((c) => c.le === 2)?.count).toBe(1);
    expect(s.cumulative.find((c) => c.le === 2.5)?.count).toBe(2);
  });
});

describe('forEachLine', () => {
  it('reassembles lines split across chunks and delivers a final unterminated line', async () => {
    const s = new PassThrough();
    const lines: string[] = [];
    const done = forEachLine(s, (l) => lines.push(l));
    s.write('{"a"');
    s.write(':1}\n{"b":2}\n{"c');
    s.end('":3}');
    await done;
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });
});

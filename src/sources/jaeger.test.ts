import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { TraceSample } from '../model/ledger.ts';
import { HarnessError } from '../util/errors.ts';
import { testServerPerTest } from './testing/server.ts';
import { evaluate } from '../verify/evaluate.ts';
import { loadChecks } from '../verify/load.ts';
import { DEFAULT_TARGET } from '../config/telemetry-names.ts';
import { ctxAt, ledgerOf } from '../verify/testkit.ts';
import type { Observations } from '../model/observation.ts';
import { openBackends, configuredBackends } from './backends.ts';
import { jaegerBackend, jaegerSource, type JaegerConfig } from './jaeger.ts';
import type { TracesObs, TraceWant } from '../model/trace.ts';

/** One exchange recorded from a real Jaeger v2.13 (scripts/record-jaeger-exchanges.ts). */
interface Exchange {
  method: string;
  url: string;
  status: number;
  headers: Record<string, string>;
  body: unknown;
}
const testdata = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../sources/testdata/${name}`, import.meta.url), 'utf8')) as unknown;
const recorded = (name: string) => testdata(name) as Exchange[];
const SAMPLES = testdata('jaeger-2.13-samples.json') as { healthy: TraceSample[]; broken: TraceSample[] };
const SERVICES = ['imageflow-backend-api', 'imageflow-workflows', 'imageflow-processing'];

const serve = testServerPerTest();

/**
 * Serves the recorded answers per URL, in order (the last one again once they run out: a
 * poll past the recording sees the trace as it last was); `status` overrides all of them.
 */
async function replay(exchanges: Exchange[], opts: { status?: number } = {}) {
  const seen: string[] = [];
  const byUrl = new Map<string, Exchange[]>();
  for (const e of exchanges) byUrl.set(e.url, [...(byUrl.get(e.url) ?? []), e]);
  const server = await serve((req, res) => {
    seen.push(req.url ?? '');
    if (opts.status) return void res.writeHead(opts.status).end('{"error":{"message":"down"}}');
    const list = byUrl.get(req.url ?? '') ?? [];
    const ex = list.length > 1 ? list.shift() : list[0];
    if (!ex) return void res.writeHead(599).end();
    res.writeHead(ex.status, ex.headers).end(JSON.stringify(ex.body));
  });
  return { url: server.url, seen };
}

function source(url: string, over: Partial<JaegerConfig> = {}) {
  // The recordings are old: only a huge quiet period keeps them from counting as quiet.
  const s = jaegerSource({ url, retries: 0, settleMs: 2_000, pollMs: 20, quietMs: 1e12, ...over });
  if (s instanceof HarnessError) throw s;
  return s;
}

const want = (s: TraceSample, services = SERVICES): TraceWant => ({ id: s.traceId, services });

describe('Jaeger source (answers recorded from Jaeger v2.13)', () => {
  it('fetches a trace by ID until its span count is stable, normalising OTLP into spans', async () => {
    const r = await replay(recorded('jaeger-2.13-healthy.json'));
    const [exec, get] = SAMPLES.healthy as [TraceSample, TraceSample];
    const obs = (await source(r.url).getTraces([want(exec), want(get, SERVICES.slice(0, 1))])) as TracesObs;
    expect(obs.kind).toBe('traces');
    const t = obs.traces.find((x) => x.traceId === exec.traceId)!;
    expect(t.state).toBe('found');
    expect(t.polls).toBe(2);
    expect(new Set(t.spans.map((s) => s.service))).toEqual(new Set(SERVICES));
    const entry = t.spans.find((s) => s.parentSpanId === exec.spanId)!;
    expect(entry).toMatchObject({ service: 'imageflow-backend-api', kind: 'server', name: 'POST /v1/executions/' });
    expect(entry.attributes['http.status_code']).toBe(202);
    expect(entry.end).toBeGreaterThan(entry.start);
    expect(t.spans.every((s) => s.traceId === exec.traceId && /^[0-9a-f]{16}$/.test(s.spanId))).toBe(true);
    expect(r.seen.every((u) => u.startsWith('/api/v3/traces/'))).toBe(true);
  });

  it('a trace that is complete and quiet needs one poll', async () => {
    const r = await replay(recorded('jaeger-2.13-healthy.json'));
    const exec = SAMPLES.healthy[0]!;
    const obs = (await source(r.url, { quietMs: 1 }).getTraces([want(exec)])) as TracesObs;
    expect(obs.traces[0]!.polls).toBe(1);
  });

  it('404 is "not yet": polls until the settle deadline, then reports the trace missing', async () => {
    const r = await replay(recorded('jaeger-2.13-missing.json'));
    const t0 = Date.now();
    const obs = (await source(r.url, { settleMs: 300 }).getTraces([{ id: 'f'.repeat(32), services: [] }])) as TracesObs;
    expect(obs.traces[0]).toMatchObject({ state: 'missing', spans: [] });
    expect(obs.traces[0]!.polls).toBeGreaterThanOrEqual(2);
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  it('when a trace stays missing, searches the probe service once polling ended (lost or lagging)', async () => {
    const search = recorded('jaeger-2.13-search.json');
    const r = await replay([...recorded('jaeger-2.13-missing.json'), ...search]);
    const url = new URL(search[0]!.url, 'http://x');
    const probe = {
      service: 'imageflow-workflows',
      start: Date.parse(url.searchParams.get('query.start_time_min')!) / 1000,
      end: Date.parse(url.searchParams.get('query.start_time_max')!) / 1000,
    };
    const obs = (await source(r.url, { settleMs: 100 }).getTraces(
      [{ id: 'f'.repeat(32), services: [] }],
      probe,
    )) as TracesObs;
    expect(obs.after?.length).toBeGreaterThan(0);
    expect(r.seen[r.seen.length - 1]).toBe(search[0]!.url);
    // Nothing missing: no search.
    const h = await replay(recorded('jaeger-2.13-healthy.json'));
    const all = (await source(h.url, { quietMs: 1 }).getTraces([want(SAMPLES.healthy[0]!)], probe)) as TracesObs;
    expect(all.after).toBeUndefined();
    expect(h.seen.every((u) => u.startsWith('/api/v3/traces/'))).toBe(true);
  });

  it('a trace without an expected service is polled to the deadline and returned as it is', async () => {
    const r = await replay(recorded('jaeger-2.13-broken.json'));
    const obs = (await source(r.url, { settleMs: 200 }).getTraces([want(SAMPLES.broken[0]!)])) as TracesObs;
    const t = obs.traces[0]!;
    expect(t.state).toBe('found');
    expect(t.polls).toBeGreaterThanOrEqual(2);
    expect(t.spans.some((s) => s.service === 'imageflow-processing')).toBe(false);
  });

  it('5xx and unreachable are errors (the checks become inconclusive), not missing traces', async () => {
    const r = await replay([], { status: 503 });
    const e = await source(r.url).getTraces([want(SAMPLES.healthy[0]!)]);
    expect(e).toBeInstanceOf(HarnessError);
    expect((e as HarnessError).code).toBe('SOURCE_HTTP_5XX');
    const u = await source('http://127.0.0.1:9').services();
    expect((u as HarnessError).code).toBe('SOURCE_UNREACHABLE');
  });

  it('as the traces backend: answers as observations, failures as error observations', async () => {
    const r = await replay(recorded('jaeger-2.13-services.json'));
    const b = openBackends({ traces: { kind: 'jaeger', config: { url: r.url, retries: 0 } } }, {});
    if (b instanceof HarnessError) throw b;
    expect(configuredBackends(b).traces).toBe(true);
    expect(b.traces?.name).toBe('traces');
    expect(await b.traces!.fetch({ key: 'services', backend: 'traces', op: 'services' })).toMatchObject({
      kind: 'trace-services',
    });
    const down = jaegerBackend(source('http://127.0.0.1:9'));
    expect(await down.fetch({ key: 'services', backend: 'traces', op: 'services' })).toMatchObject({
      kind: 'error',
      backend: 'traces',
      code: 'SOURCE_UNREACHABLE',
    });
  });

  it('lists services and finds traces by service and time (404 = none found)', async () => {
    const r = await replay([...recorded('jaeger-2.13-services.json'), ...recorded('jaeger-2.13-search.json')]);
    const s = source(r.url);
    expect(await s.services()).toMatchObject({ kind: 'trace-services', services: expect.arrayContaining(SERVICES) });
    const start = Date.parse(SAMPLES.healthy[1]!.time) / 1000;
    // The recording's query: the drive's window start − 5 s … + 60 s (scripts/record-jaeger-exchanges.ts).
    const url = new URL(recorded('jaeger-2.13-search.json')[0]!.url, 'http://x');
    const min = Date.parse(url.searchParams.get('query.start_time_min')!) / 1000;
    const max = Date.parse(url.searchParams.get('query.start_time_max')!) / 1000;
    const found = await s.search('imageflow-workflows', min, max, 5);
    expect(found).toMatchObject({ kind: 'trace-search', service: 'imageflow-workflows' });
    if (found instanceof HarnessError || found.kind !== 'trace-search') throw new Error('search failed');
    expect(found.traces.length).toBeGreaterThan(0);
    expect(
      found.traces.every((t) => /^[0-9a-f]{32}$/.test(t.traceId) && t.spans > 0 && t.start > min * 1000 - 60_000),
    ).toBe(true);
    expect(start).toBeGreaterThan(min);
    const none = await s.search('no-such-service', min, max, 5);
    expect(none).toMatchObject({ kind: 'trace-search', traces: [] });
  });
});

describe('trace checks judged on the recorded traces', () => {
  it('the healthy traces pass TP-1/TP-2/TP-3/DB-1; the broken one fails TP-2 naming workflows → processing', async () => {
    const r = await replay([...recorded('jaeger-2.13-healthy.json'), ...recorded('jaeger-2.13-broken.json')]);
    const cat = await loadChecks(new URL('../../checks/', import.meta.url).pathname, DEFAULT_TARGET);
    if (cat instanceof HarnessError) throw cat;
    const checks = cat.checks.filter(
      (c) => c.source === 'traces' && c.assert.kind !== 'services' && c.assert.kind !== 'log-correlation',
    );
    const judge = async (samples: TraceSample[]) => {
      const times = samples.map((s) => Date.parse(s.time) / 1000);
      const ctx = ctxAt({
        window: { start: Math.floor(Math.min(...times)) - 1, end: Math.ceil(Math.max(...times)) + 1 },
        evalTime: Math.ceil(Math.max(...times)) + 1,
        urls: { jaeger: r.url },
        backends: { prometheus: true, alertmanager: true, logs: true, promtool: true, traces: true },
      });
      const obs = await source(r.url, { settleMs: 200 }).getTraces(
        samples.map((s) => want(s, s.route === 'POST /v1/executions/' ? SERVICES : SERVICES.slice(0, 1))),
      );
      if (obs instanceof HarnessError) throw obs;
      const all: Observations = Object.fromEntries(checks.map((c) => [c.id, { main: obs }]));
      return evaluate(checks, all, ledgerOf({ traceSamples: samples }), ctx);
    };
    const healthy = await judge(SAMPLES.healthy);
    expect(healthy.filter((v) => v.outcome !== 'pass').map((v) => `${v.checkId}: ${v.summary}`)).toEqual([]);
    expect(healthy.every((v) => v.links.some((l) => l.startsWith(`${r.url}/trace/`)))).toBe(true);
    const broken = await judge(SAMPLES.broken);
    const v = broken.find((x) => x.checkId === 'tp-2-execution-trace-unbroken')!;
    expect(v.outcome).toBe('fail');
    expect(v.summary).toMatch(
      /workflows → processing: no processing span continues client span [0-9a-f]{8}… \("POST \/v1\/process\/resize"\)/,
    );
    expect(v.links).toEqual([`${r.url}/trace/${SAMPLES.broken[0]!.traceId}`]);
    expect(broken.find((x) => x.checkId === 'tp-1-client-context-continued')!.outcome).toBe('pass');
    expect(broken.find((x) => x.checkId === 'db-1-service-dependencies')!.outcome).toBe('fail');
  });
});

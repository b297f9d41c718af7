import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TraceSample } from '../../model/ledger.ts';
import { HarnessError } from '../../util/errors.ts';
import { tempDirPerTest } from '../../util/testing/temp-dir.ts';
import { evaluate } from '../evaluate.ts';
import { loadChecks } from '../load.ts';
import { DEFAULT_TARGET } from '../../config/telemetry-names.ts';
import { ctxAt, ledgerOf, T0 } from '../testkit.ts';
import type { EvalContext } from '../../model/context.ts';
import type { Observations } from '../../model/observation.ts';
import type { Check } from '../kinds/index.ts';
import type { TraceCheck } from './check.ts';
import type { Span, TraceRecord, TraceSearchObs } from '../../model/trace.ts';

const CHECKS = new URL('../../../checks/', import.meta.url).pathname;
const JAEGER = 'http://127.0.0.1:16686';
const ctx: EvalContext = ctxAt({
  urls: { jaeger: JAEGER },
  backends: { prometheus: true, alertmanager: true, logs: true, promtool: true, traces: true },
});

const hex = (n: number, len: number) => n.toString(16).padStart(len, '0');
const sample = (i: number, route = 'POST /v1/executions/'): TraceSample => ({
  traceId: `${hex(i + 1, 4)}${'ab'.repeat(14)}`,
  spanId: `c${i}${'d'.repeat(14)}`,
  route,
  status: 202,
  outcome: 'ok',
  time: new Date((T0 + 10 + i) * 1000).toISOString(),
});

/** The reference's execution trace: client → backend-api → workflows → processing (+ the report back). */
function executionTrace(s: TraceSample, opts: { broken?: 'workflows->processing' } = {}): Span[] {
  const mk = (
    id: string,
    parent: string | undefined,
    service: string,
    kind: Span['kind'],
    name: string,
    attributes = {},
  ) => ({
    traceId: s.traceId,
    spanId: id.padEnd(16, '0'),
    ...(parent ? { parentSpanId: parent.length === 16 ? parent : parent.padEnd(16, '0') } : {}),
    service: `imageflow-${service}`,
    name,
    kind,
    status: 'unset' as const,
    attributes,
    start: (T0 + 11) * 1000,
    end: (T0 + 11) * 1000 + 40,
  });
  const http = (m: string, u: string, code: number) => ({ 'http.method': m, 'http.url': u, 'http.status_code': code });
  const spans: Span[] = [
    mk('a1', s.spanId, 'backend-api', 'server', 'POST /v1/executions/', {
      ...http('POST', '/v1/executions/', 202),
      'user.id': 'u',
      'pipeline.id': 'p',
    }),
    mk('a2', 'a1', 'backend-api', 'client', 'POST /v1/workflows', {
      'peer.service': 'workflows',
      'http.status_code': 202,
    }),
    mk('b1', 'a2', 'workflows', 'server', 'POST /v1/workflows', http('POST', '/v1/workflows', 202)),
    mk('b2', 'b1', 'workflows', 'internal', 'workflow imageflow-1'),
    mk('b3', 'b2', 'workflows', 'internal', 'step resize'),
    mk('b4', 'b3', 'workflows', 'client', 'POST /v1/process/resize', {
      'peer.service': 'processing',
      'http.status_code': 200,
    }),
  ];
  if (opts.broken !== 'workflows->processing')
    spans.push(
      mk('c1', 'b4', 'processing', 'server', 'POST /v1/process/:component', http('POST', '/v1/process/resize', 200)),
    );
  return spans;
}

/** `after`: traces of the entry service the store began after the newest sample. */
function obsFor(
  checks: Check[],
  records: TraceRecord[],
  after: TraceSearchObs['traces'] = [],
  logs: Array<Record<string, unknown>> = logsOf(records),
): Observations {
  const out: Observations = {};
  for (const c of checks) {
    if (c.source !== 'traces') continue;
    out[c.id] =
      c.assert.kind === 'services'
        ? {
            services: {
              kind: 'trace-services',
              from: JAEGER,
              services: ['imageflow-backend-api', 'imageflow-workflows', 'imageflow-processing'],
            },
            ...Object.fromEntries(
              ['backend-api', 'workflows', 'processing'].map((s) => [
                `search:${s}`,
                {
                  kind: 'trace-search' as const,
                  from: JAEGER,
                  service: `imageflow-${s}`,
                  traces: [{ traceId: hex(1, 32), spans: 3 }],
                },
              ]),
            ),
          }
        : {
            main: { kind: 'traces', from: JAEGER, traces: records, after },
            logs: { kind: 'logs', store: 'files', from: ['app.log'], records: logs, malformed: 0, total: logs.length },
          };
  }
  return out;
}

/** One log record per span of each found trace, as the reference services log them. */
const logsOf = (records: TraceRecord[]) =>
  records.flatMap((r) =>
    r.spans.map((s) => ({ trace_id: s.traceId, span_id: s.spanId, service: s.service, message: s.name })),
  );
const found = (s: TraceSample, spans: Span[]): TraceRecord => ({ traceId: s.traceId, state: 'found', spans, polls: 1 });
const missing = (s: TraceSample): TraceRecord => ({ traceId: s.traceId, state: 'missing', spans: [], polls: 5 });

async function catalogue(): Promise<TraceCheck[]> {
  const cat = await loadChecks(CHECKS, DEFAULT_TARGET);
  if (cat instanceof HarnessError) throw cat;
  return cat.checks.filter((c): c is TraceCheck => c.source === 'traces');
}

describe('trace checks (shipped catalogue) on synthetic traces', () => {
  it('a healthy run passes every trace check, with trace IDs and Jaeger links in the evidence', async () => {
    const checks = await catalogue();
    const samples = [sample(0), sample(1), sample(2, 'GET /v1/pipelines/')];
    const records = samples.map((s) =>
      found(s, s.route === 'GET /v1/pipelines/' ? executionTrace(s).slice(0, 1) : executionTrace(s)),
    );
    const v = evaluate(checks, obsFor(checks, records), ledgerOf({ traceSamples: samples }), ctx);
    expect(v.filter((x) => x.outcome !== 'pass').map((x) => `${x.checkId}: ${x.summary}`)).toEqual([]);
    for (const x of v) {
      expect(x.links.length, x.checkId).toBeGreaterThan(0);
      expect(x.links[0]).toMatch(new RegExp(`^${JAEGER}/trace/[0-9a-f]{32}$`));
    }
    expect(v.map((x) => x.requirements).flat()).toEqual(
      expect.arrayContaining(['TP-1', 'TP-2', 'TP-3', 'ARCH-1', 'ARCH-2', 'DB-1']),
    );
  });

  it('a broken workflows → processing hop fails TP-2, the rate and DB-1, naming the hop', async () => {
    const checks = await catalogue();
    const samples = [sample(0), sample(1)];
    const records = [
      found(samples[0]!, executionTrace(samples[0]!)),
      found(samples[1]!, executionTrace(samples[1]!, { broken: 'workflows->processing' })),
    ];
    const v = evaluate(checks, obsFor(checks, records), ledgerOf({ traceSamples: samples }), ctx);
    const by = (id: string) => v.find((x) => x.checkId === id)!;
    expect(by('tp-2-execution-trace-unbroken').outcome).toBe('fail');
    expect(by('tp-2-execution-trace-unbroken').summary).toMatch(
      /1 of 2 traces: workflows → processing: no processing span continues client span b4000000… \("POST \/v1\/process\/resize"\)/,
    );
    expect(by('tp-2-execution-trace-unbroken').links).toEqual([`${JAEGER}/trace/${samples[1]!.traceId}`]);
    expect(by('tp-2-propagation-rate').outcome).toBe('fail');
    expect(by('tp-2-propagation-rate').observed).toBe(0.5);
    expect(by('tp-2-execution-trace-shape').outcome).toBe('fail');
    // DB-1 derives its edges from every trace: the healthy one still shows the edge.
    expect(by('db-1-service-dependencies').outcome).toBe('pass');
    expect(by('tp-1-client-context-continued').outcome).toBe('pass');
  });

  it('an orphan span names the hop and the missing parent', async () => {
    const checks = (await catalogue()).filter((c) => c.id === 'tp-2-execution-trace-unbroken');
    const s = sample(0);
    const spans = executionTrace(s).map((x) =>
      x.spanId.startsWith('b1') ? { ...x, parentSpanId: '5f2c000000000000' } : x,
    );
    const [v] = evaluate(checks, obsFor(checks, [found(s, spans)]), ledgerOf({ traceSamples: [s] }), ctx);
    expect(v!.outcome).toBe('fail');
    expect(JSON.stringify(v!.details)).toContain('backend-api → workflows: parent span 5f2c0000… missing');
  });

  it('the client context dropped: TP-1 fails naming the client span; lost traces fail, lagging ones are inconclusive', async () => {
    const checks = await catalogue();
    const by = (v: ReturnType<typeof evaluate>, id: string) => v.find((x) => x.checkId === id)!;
    const [s0, s1, s2] = [sample(0), sample(1), sample(2)];
    const other = executionTrace(s0!).map((x) => (x.spanId.startsWith('a1') ? { ...x, parentSpanId: undefined } : x));
    let v = evaluate(checks, obsFor(checks, [found(s0!, other)]), ledgerOf({ traceSamples: [s0!] }), ctx);
    expect(by(v, 'tp-1-client-context-continued').outcome).toBe('fail');
    expect(by(v, 'tp-1-client-context-continued').summary).toMatch(
      /client → backend-api: no backend-api server span has the client's span c0dddddd… as parent/,
    );
    // s1 missing while the later s2 arrived: lost. s2 missing as the newest: lagging.
    v = evaluate(
      checks,
      obsFor(checks, [found(s0!, executionTrace(s0!)), missing(s1!), found(s2!, executionTrace(s2!))]),
      ledgerOf({ traceSamples: [s0!, s1!, s2!] }),
      ctx,
    );
    expect(by(v, 'arch-2-trace-retrievable').outcome).toBe('fail');
    expect(by(v, 'arch-2-trace-retrievable').summary).toMatch(/is not in the trace store while later ones are/);
    v = evaluate(
      checks,
      obsFor(checks, [found(s0!, executionTrace(s0!)), found(s1!, executionTrace(s1!)), missing(s2!)]),
      ledgerOf({ traceSamples: [s0!, s1!, s2!] }),
      ctx,
    );
    expect(by(v, 'arch-2-trace-retrievable').outcome).toBe('inconclusive');
    expect(by(v, 'arch-2-trace-retrievable').summary).toMatch(/lagging/);
    // None arrived, but the store began later traces of backend-api: the client's context was
    // dropped at the entry (the break_propagation client->backend-api fault), not lagging.
    const later = [{ traceId: 'e'.repeat(32), spans: 1, start: Date.parse(s2!.time) + 5 }];
    v = evaluate(
      checks,
      obsFor(checks, [missing(s0!), missing(s1!), missing(s2!)], later),
      ledgerOf({ traceSamples: [s0!, s1!, s2!] }),
      ctx,
    );
    for (const id of ['tp-1-client-context-continued', 'tp-2-execution-trace-unbroken', 'arch-2-trace-retrievable']) {
      expect(by(v, id).outcome, id).toBe('fail');
      expect(by(v, id).summary).toMatch(
        /^3 of 3 traces: client → backend-api: trace 0001abab… \(POST \/v1\/executions\/, sent .*\) is not in the trace store while later ones are/,
      );
    }
    v = evaluate(
      checks,
      obsFor(checks, [missing(s0!), missing(s1!), missing(s2!)]),
      ledgerOf({ traceSamples: [s0!, s1!, s2!] }),
      ctx,
    );
    expect(by(v, 'tp-1-client-context-continued').outcome).toBe('inconclusive');
  });

  it('no traces backend, a backend error or no ledger never passes', async () => {
    const checks = await catalogue();
    const s = sample(0);
    const noJaeger = evaluate(checks, {}, ledgerOf({ traceSamples: [s] }), ctxAt());
    expect(new Set(noJaeger.map((x) => x.outcome))).toEqual(new Set(['inconclusive']));
    expect(noJaeger[0]!.reason).toBe('no traces configured');
    const err: Observations = Object.fromEntries(
      checks.map((c) => [
        c.id,
        {
          main: { kind: 'error', backend: 'traces', code: 'SOURCE_HTTP_5XX', message: 'jaeger answered HTTP 503' },
          services: { kind: 'error', backend: 'traces', code: 'SOURCE_HTTP_5XX', message: 'jaeger answered HTTP 503' },
        },
      ]),
    );
    const failed = evaluate(checks, err, ledgerOf({ traceSamples: [s] }), ctx);
    for (const x of failed) {
      expect(x.outcome).toBe('inconclusive');
      expect(x.reason).toMatch(/HTTP 503/);
    }
    const noLedger = evaluate(
      checks.filter((c) => c.assert.kind !== 'services'),
      obsFor(checks, []),
      undefined,
      ctx,
    );
    expect(new Set(noLedger.map((x) => x.outcome))).toEqual(new Set(['skipped']));
  });
});

describe('LOG-2: log records correlate with the traces', () => {
  const run = async (logs: (recs: TraceRecord[]) => Array<Record<string, unknown>>) => {
    const checks = (await catalogue()).filter((c) => c.id === 'log-2-trace-correlation');
    const samples = [sample(0), sample(1)];
    const records = samples.map((s) => found(s, executionTrace(s)));
    return evaluate(checks, obsFor(checks, records, [], logs(records)), ledgerOf({ traceSamples: samples }), ctx)[0]!;
  };

  it('passes when each record of a sampled trace names one of its spans', async () => {
    const v = await run(logsOf);
    expect(v.outcome, v.summary).toBe('pass');
    expect(v.summary).toBe('14 log records of 2 sampled traces carry their trace_id and a span_id of that trace');
  });

  it('fails naming span_id when a record names a span of another trace', async () => {
    const v = await run((recs) => logsOf(recs).map((r, i) => (i === 3 ? { ...r, span_id: 'ffffffffffffffff' } : r)));
    expect(v.outcome).toBe('fail');
    expect(v.summary).toMatch(
      /^1 of 14 log records name a span_id that is not a span of their trace: span_id=ffffffffffffffff in trace 0001abab…/,
    );
  });

  it('fails naming trace_id when no record carries a sampled trace ID (logs without trace IDs)', async () => {
    const v = await run((recs) => logsOf(recs).map(({ trace_id: _t, ...r }) => r));
    expect(v.outcome).toBe('fail');
    expect(v.summary).toBe(
      'none of the 14 log records in the window carries the trace_id of one of the 2 sampled traces (0 have a trace_id at all)',
    );
  });
});

describe('trace checks: loading', () => {
  let dir = '';
  tempDirPerTest('trace-checks-', (d) => (dir = d));

  it('a selector that does not parse is a load-time error with its column', async () => {
    await writeFile(
      join(dir, 't.yaml'),
      `checks:
  - id: t
    title: t
    requirements: [TP-2]
    severity: gate
    source: traces
    assert:
      kind: spans
      rules:
        - select: 'span[service="backend-api" kind=server'
          count: '>= 1'
`,
    );
    await writeFile(
      join(dir, 'u.yaml'),
      `checks:
  - { id: u, title: t, requirements: [TP-2], severity: gate, source: traces, assert: { kind: spans, rules: [{ select: span, count: about 3 }] } }
`,
    );
    const r = await loadChecks(dir, DEFAULT_TARGET);
    expect(r).toBeInstanceOf(HarnessError);
    const details = (r as HarnessError).details ?? '';
    expect(details).toMatch(/\/checks\/0\/assert\/rules\/0\/select: col 39: expected '\]'/);
    expect(details).toMatch(/u\.yaml: \/checks\/0\/assert\/rules\/0\/count: must match pattern/);
  });
});

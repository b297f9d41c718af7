import { DEFAULT_TARGET } from '../config/telemetry-names.ts';
import { describe, expect, it } from 'vitest';
import { aggregate } from './compare.ts';
import { evaluateOne, overall } from './evaluate.ts';
import { comparePromql } from './promql-tree.ts';
import { ctxAt, latency, ledgerOf, T0 } from './testkit.ts';
import type { Labels, Observation, RulesObs, VectorObs } from '../model/observation.ts';
import type { Check } from './kinds/index.ts';
import type { TruthCheck } from './kinds/ledger-vs-prometheus.ts';
import { parseRuleGroup } from './kinds/prometheus-rules.ts';

const q = (over: Partial<Extract<Check, { source: 'prometheus' }>> = {}): Check => ({
  id: 'c',
  title: 't',
  requirements: ['SLI-1'],
  severity: 'gate',
  source: 'prometheus',
  query: 'avail',
  mode: 'range',
  aggregation: { kind: 'min' },
  comparator: '>=',
  target: 99.9,
  unit: '%',
  ...over,
});
const matrix = (...vals: number[]): Observation => ({
  kind: 'matrix',
  series: [{ labels: {}, values: vals.map((v, i) => [T0 + i * 5, v]) }],
});
const vec = (...s: Array<[Labels, number]>): VectorObs => ({
  kind: 'vector',
  samples: s.map(([labels, value]) => ({ labels, value, time: T0 })),
});

describe('aggregation', () => {
  it('drops NaN (0/0) but keeps +Inf', () => {
    expect(aggregate([NaN, 1, 3], { kind: 'avg' })).toBe(2);
    expect(aggregate([NaN], { kind: 'min' })).toBeUndefined();
    expect(aggregate([1, Infinity], { kind: 'max' })).toBe(Infinity);
    expect(aggregate([1, 2, 3, 4, 5], { kind: 'quantile', q: 0.5 })).toBe(3);
  });
});

describe('prometheus query checks', () => {
  it('passes and fails on the aggregated value, with evidence', () => {
    const pass = evaluateOne(q(), { main: matrix(100, 99.95) }, undefined, ctxAt());
    expect(pass.outcome).toBe('pass');
    expect(pass.observed).toBe(99.95);
    expect(pass.queries).toEqual(['avail']);
    expect(pass.links[0]).toMatch(/^http:\/\/127\.0\.0\.1:9090\/graph\?g0\.expr=avail/);
    expect(pass.range?.stepSeconds).toBe(5);
    const fail = evaluateOne(q(), { main: matrix(100, 98) }, undefined, ctxAt());
    expect(fail.outcome).toBe('fail');
    expect(fail.summary).toMatch(/98 % violates >= 99.9 %/);
  });

  it('no data is never a pass', () => {
    for (const main of [matrix(), matrix(NaN, NaN), { kind: 'matrix', series: [] } as Observation]) {
      const v = evaluateOne(q(), { main }, undefined, ctxAt());
      expect(v.outcome).toBe('inconclusive');
      expect(v.reason).toBe('no series');
    }
  });

  it('a source error becomes inconclusive naming the cause', () => {
    const v = evaluateOne(
      q(),
      {
        main: {
          kind: 'error',
          backend: 'prometheus',
          code: 'SOURCE_UNREACHABLE',
          message: 'connect ECONNREFUSED 127.0.0.1:9090',
        },
      },
      undefined,
      ctxAt(),
    );
    expect(v.outcome).toBe('inconclusive');
    expect(v.reason).toMatch(/prometheus SOURCE_UNREACHABLE: connect ECONNREFUSED/);
  });

  it('a backend that is not configured is inconclusive; too little traffic is inconclusive', () => {
    const ctx = ctxAt({
      backends: { prometheus: false, alertmanager: true, logs: true, promtool: true, traces: false },
    });
    const unconfigured = evaluateOne(q(), {}, undefined, ctx);
    expect(unconfigured.outcome).toBe('inconclusive');
    expect(unconfigured.reason).toBe('no prometheus configured');
    const v = evaluateOne(q({ minTraffic: { requests: 5000 } }), { main: matrix(100) }, ledgerOf(), ctxAt());
    expect(v.outcome).toBe('inconclusive');
    expect(v.reason).toBe('not enough traffic to judge');
  });

  it('instant checks substitute $range from one scrape before the window start to the evaluation time', () => {
    const v = evaluateOne(
      q({ mode: 'instant', query: 'rate(x[$range])' }),
      { main: vec([{}, 100]) },
      undefined,
      ctxAt(),
    );
    expect(v.queries).toEqual(['rate(x[130s])']);
    expect(v.outcome).toBe('pass');
  });

  it('warning-level checks warn instead of failing', () => {
    expect(evaluateOne(q({ severity: 'warning' }), { main: matrix(1) }, undefined, ctxAt()).outcome).toBe('warn');
  });
});

const truth = (t: TruthCheck['truth']): TruthCheck => ({
  id: t,
  title: t,
  requirements: ['SLI-1'],
  severity: 'gate',
  source: 'ledger-vs-prometheus',
  truth: t,
});
const reqs = (health: number, exec200: number, exec500 = 0): VectorObs =>
  vec(
    [{ method: 'GET', route: '/v1/health', code: '200' }, health],
    [{ method: 'POST', route: '/v1/executions/', code: '202' }, exec200],
    ...(exec500 ? [[{ method: 'POST', route: '/v1/executions/', code: '500' }, exec500] as [Labels, number]] : []),
    [{ method: 'GET', route: '/metrics', code: '200' }, 77],
  );

describe('ground truth against telemetry', () => {
  it('request count: exact when a scrape followed the traffic', () => {
    const v = evaluateOne(truth('request-count'), { before: vec(), after: reqs(600, 400) }, ledgerOf(), ctxAt());
    expect(v.outcome).toBe('pass');
    expect(v.observed).toBe(1000);
    const lost = evaluateOne(truth('request-count'), { before: vec(), after: reqs(600, 300) }, ledgerOf(), ctxAt());
    expect(lost.outcome).toBe('fail');
    expect(lost.summary).toMatch(/counted 900 requests, the client sent 1000/);
  });

  it('request count: the tolerance widens by rate × gap when no scrape followed the traffic', () => {
    const ctx = ctxAt({ settle: { ok: false, reason: 'deadline', lastScrape: T0 + 110 } });
    const v = evaluateOne(truth('request-count'), { before: vec(), after: reqs(560, 380) }, ledgerOf(), ctx);
    expect(v.outcome).toBe('pass');
    expect(JSON.stringify(v.details)).toMatch(/rate × gap = 84/);
  });

  /** The client saw 50 of the 400 executions POSTs answer 500. */
  const ledgerWith5xx = () =>
    ledgerOf({
      requests: {
        ...ledgerOf().requests,
        byStatusClass: { '2xx': 950, '5xx': 50 },
        byRoute: [
          { ...ledgerOf().requests.byRoute[0]! },
          { ...ledgerOf().requests.byRoute[1]!, byStatusClass: { '2xx': 350, '5xx': 50 } },
        ],
      },
    });

  it('availability: a service counting its 500s as 200s fails with both numbers', () => {
    const ledger = ledgerWith5xx();
    const lying = evaluateOne(truth('availability'), { before: vec(), after: reqs(600, 400) }, ledger, ctxAt());
    expect(lying.outcome).toBe('fail');
    expect(lying.summary).toMatch(/telemetry availability 100 % vs client 95 %/);
    const honest = evaluateOne(truth('availability'), { before: vec(), after: reqs(600, 350, 50) }, ledger, ctxAt());
    expect(honest.outcome).toBe('pass');
  });

  it('request count: 500s counted as 200s fail by status class although the total matches', () => {
    const ledger = ledgerWith5xx();
    const lying = evaluateOne(truth('request-count'), { before: vec(), after: reqs(600, 400) }, ledger, ctxAt());
    expect(lying.outcome).toBe('fail');
    expect(lying.observed).toBe(1000);
    expect(lying.summary).toMatch(/by status class 2xx: telemetry 1000 \/ client 950, 5xx: telemetry 0 \/ client 50/);
    expect((lying.details as { classMismatches: unknown }).classMismatches).toEqual({
      '2xx': { client: 950, telemetry: 1000 },
      '5xx': { client: 50, telemetry: 0 },
    });
    const honest = evaluateOne(truth('request-count'), { before: vec(), after: reqs(600, 350, 50) }, ledger, ctxAt());
    expect(honest.outcome).toBe('pass');
    // Client network errors are tolerance on every class (the server may have counted them).
    const withNet = ledgerOf({
      requests: {
        ...ledgerOf().requests,
        byRoute: [
          { ...ledgerOf().requests.byRoute[0]! },
          { ...ledgerOf().requests.byRoute[1]!, byStatusClass: { '2xx': 398, network_error: 2 } },
        ],
        byStatusClass: { '2xx': 998, network_error: 2 },
      },
    });
    expect(
      evaluateOne(truth('request-count'), { before: vec(), after: reqs(600, 399) }, withNet, ctxAt()).outcome,
    ).toBe('pass');
  });

  it('request count: a client route missing from the telemetry fails unless declared uninstrumented', () => {
    const onlyExec = vec([{ method: 'POST', route: '/v1/executions/', code: '202' }, 400]);
    const strict = ctxAt({ target: { ...DEFAULT_TARGET, uninstrumentedRoutes: [] } });
    const lost = evaluateOne(truth('request-count'), { before: vec(), after: onlyExec }, ledgerOf(), strict);
    expect(lost.outcome).toBe('fail');
    expect(lost.summary).toMatch(/by route GET \/v1\/health: telemetry 0 \/ client 600/);
    // The default mapping declares the health probe uninstrumented: the rest is compared.
    const probe = evaluateOne(truth('request-count'), { before: vec(), after: onlyExec }, ledgerOf(), ctxAt());
    expect(probe.outcome).toBe('pass');
    expect(probe.summary).toMatch(/counted 400 requests, the client sent 400/);
  });

  it('request count: a route whose requests all failed on the network was not lost by the server', () => {
    const onlyExec = vec([{ method: 'POST', route: '/v1/executions/', code: '202' }, 400]);
    const strict = ctxAt({ target: { ...DEFAULT_TARGET, uninstrumentedRoutes: [] } });
    const base = ledgerOf();
    const ledger = ledgerOf({
      requests: {
        ...base.requests,
        byStatusClass: { '2xx': 400, network_error: 3 },
        byRoute: [
          { ...base.requests.byRoute[1]! },
          {
            ...base.requests.byRoute[0]!,
            route: 'DELETE /v1/pipelines/{id}',
            total: 3,
            byStatusClass: { network_error: 3 },
          },
        ],
      },
    });
    const v = evaluateOne(truth('request-count'), { before: vec(), after: onlyExec }, ledger, strict);
    expect(v.summary).not.toMatch(/by route/);
    expect(v.outcome).toBe('pass');
  });

  it('request count: routes off in opposite directions fail although the total matches', () => {
    const shifted = vec(
      [{ method: 'GET', route: '/v1/health', code: '200' }, 650],
      [{ method: 'POST', route: '/v1/executions/', code: '202' }, 350],
    );
    const v = evaluateOne(truth('request-count'), { before: vec(), after: shifted }, ledgerOf(), ctxAt());
    expect(v.outcome).toBe('fail');
    expect(v.summary).toMatch(
      /GET \/v1\/health: telemetry 650 \/ client 600, POST \/v1\/executions\/: telemetry 350 \/ client 400/,
    );
  });

  it('a tolerance as large as the traffic cannot fail, so it is inconclusive', () => {
    // No scrape after the traffic and the last one at its very start: rate × gap ≈ all requests.
    const ctx = ctxAt({ settle: { ok: false, reason: 'deadline', lastScrape: T0 } });
    const v = evaluateOne(truth('request-count'), { before: vec(), after: vec() }, ledgerOf(), ctx);
    expect(v.outcome).toBe('inconclusive');
    const zero = evaluateOne(
      truth('request-count'),
      { before: vec(), after: vec([{ method: 'GET', route: '/v1/health', code: '200' }, 0]) },
      ledgerOf(),
      ctx,
    );
    expect(zero.outcome).toBe('inconclusive');
    expect(zero.summary).toMatch(/cannot fail/);
  });

  it('counter reset in the window is inconclusive', () => {
    const v = evaluateOne(
      truth('request-count'),
      { before: reqs(900, 400), after: reqs(600, 400) },
      ledgerOf(),
      ctxAt(),
    );
    expect(v.outcome).toBe('inconclusive');
    expect(v.reason).toMatch(/counter reset/);
  });

  const buckets = (scale: number): VectorObs =>
    vec(
      ...(
        [
          ['0.05', 500],
          ['0.1', 990],
          ['2', 1000],
          ['5', 1000],
          ['+Inf', 1000],
        ] as const
      ).map(([le, n]) => [{ le: le === '+Inf' ? le : String(Number(le) * scale) }, n] as [Labels, number]),
    );

  it('latency: histogram P95 bucket contains the client P95; exact at the 2 s edge', () => {
    const v = evaluateOne(
      { ...truth('latency-p95'), thresholdSeconds: 2 },
      { before: vec(), after: buckets(1) },
      ledgerOf(),
      ctxAt(),
    );
    expect(v.outcome).toBe('pass');
    expect(v.summary).toMatch(/exact: bucket edge at 2 s/);
  });

  it('latency: milliseconds labelled as seconds fail', () => {
    // Every observation lands in the +Inf bucket when ms values meet second-sized buckets.
    const ms = vec([{ le: '0.1' }, 0], [{ le: '2' }, 0], [{ le: '5' }, 10], [{ le: '+Inf' }, 1000]);
    const v = evaluateOne(truth('latency-p95'), { before: vec(), after: ms }, ledgerOf(), ctxAt());
    expect(v.outcome).toBe('fail');
    expect(v.summary).toMatch(/client P95 0\.08 s lies outside the histogram's P95 bucket \(5, \+Inf\]/);
    expect(v.summary).toMatch(/SLO verdicts disagree/);
    expect((v.details as { p95: unknown }).p95).toEqual({
      telemetryBucket: { lower: 5, upper: '+Inf' },
      clientSeconds: 0.08,
      slackSeconds: 0.05,
    });
  });

  it('latency: without a 2 s bucket the verdict says it is approximate', () => {
    const v = evaluateOne(
      truth('latency-p95'),
      { before: vec(), after: vec([{ le: '0.1' }, 990], [{ le: '2.5' }, 1000], [{ le: '+Inf' }, 1000]) },
      ledgerOf(),
      ctxAt(),
    );
    expect(v.summary).toMatch(/approximate: no bucket edge at 2 s \(nearest 0.1 and 2.5\)/);
  });

  it('executions never counted fail; a matching count passes', () => {
    const zero = vec([{ status: 'success' }, 0], [{ status: 'failed' }, 0], [{ status: 'error' }, 0]);
    const never = evaluateOne(truth('executions'), { before: zero, after: zero }, ledgerOf(), ctxAt());
    expect(never.outcome).toBe('fail');
    expect(never.summary).toMatch(/success: telemetry 0 \/ client 400/);
    const ok = evaluateOne(
      truth('executions'),
      { before: zero, after: vec([{ status: 'success' }, 400], [{ status: 'failed' }, 0]) },
      ledgerOf(),
      ctxAt(),
    );
    expect(ok.outcome).toBe('pass');
  });

  it('executions whose end the client could not read (unknown) blame neither side', () => {
    const zero = vec([{ status: 'success' }, 0], [{ status: 'failed' }, 0], [{ status: 'error' }, 0]);
    // The server completed all 41 and counted them honestly; 3 status polls hit a 500 until the
    // client gave up, so the client recorded those three as unknown, not as errors.
    const ledger = ledgerOf({
      executions: {
        created: 41,
        byOutcome: { completed: 38, unknown: 3 },
        duration: latency(41, 3, 41),
        maxInFlight: 4,
      },
    });
    const judge = (success: number) =>
      evaluateOne(
        truth('executions'),
        {
          before: zero,
          after: vec([{ status: 'success' }, success], [{ status: 'failed' }, 0], [{ status: 'error' }, 0]),
        },
        ledger,
        ctxAt(),
      );
    const v = judge(41);
    expect(v.outcome).toBe('pass');
    expect(v.summary).toMatch(/success: telemetry 41 \/ client 38.*allowed ±3/);
    // Four lost on the server are more than the three the client could not see end.
    const lost = judge(34);
    expect(lost.outcome).toBe('fail');
  });

  it('without a ledger the truth checks are skipped', () => {
    expect(evaluateOne(truth('executions'), { before: vec(), after: vec() }, undefined, ctxAt()).outcome).toBe(
      'skipped',
    );
  });
});

describe('alert rules against the spec (AL-4)', () => {
  const spec = parseRuleGroup(
    `groups:
- name: g
  rules:
  - alert: A
    expr: |
      (
        sum(rate(x{job="b",code=~"2..|3.."}[5m])) / sum(rate(x{job="b"}[5m]))
      ) < 0.999
    for: 2m
    labels: { severity: critical }
    annotations: { summary: "s" }
`,
    'g',
  );
  const check: Check = {
    id: 'al4',
    title: 't',
    requirements: ['AL-4'],
    severity: 'gate',
    source: 'prometheus-rules',
    rulesFile: 'r.yml',
    group: 'g',
    expected: typeof spec === 'string' ? undefined : spec,
  };
  const loaded = (over: Partial<RulesObs['groups'][number]['rules'][number]> = {}): RulesObs => ({
    kind: 'rules',
    groups: [
      {
        name: 'g',
        file: 'f',
        rules: [
          {
            type: 'alerting',
            name: 'A',
            // As Prometheus re-prints it: matchers reordered, whitespace gone.
            query: '(sum(rate(x{code=~"2..|3..",job="b"}[5m])) / sum(rate(x{job="b"}[5m]))) < 0.999',
            durationSeconds: 120,
            labels: { severity: 'critical' },
            annotations: { summary: 's' },
            health: 'ok',
            ...over,
          },
        ],
      },
    ],
  });
  it('passes when only formatting differs', () => {
    expect(evaluateOne(check, { main: loaded() }, undefined, ctxAt()).outcome).toBe('pass');
  });
  it('names each drift', () => {
    const v = evaluateOne(
      check,
      { main: loaded({ durationSeconds: 60, labels: { severity: 'warning' }, query: 'up < 0.999' }) },
      undefined,
      ctxAt(),
    );
    expect(v.outcome).toBe('fail');
    expect(v.observed).toMatch(/expr differs/);
    expect(v.observed).toMatch(/for 60s vs spec 120s/);
    expect(v.observed).toMatch(/label severity: loaded "warning" vs spec "critical"/);
  });
  it('compares on the syntax tree: whitespace and matcher order are not drift, a value is', () => {
    expect(comparePromql('a{x="1", y="2"} > 1', 'a{y="2",x="1"}>1')).toEqual({ equal: true });
    expect(comparePromql('a{x="1 2"}', 'a{x="12"}')).toMatchObject({ equal: false });
  });
  it('names how the expression drifted', () => {
    const v = evaluateOne(check, { main: loaded({ query: 'up < 0.999' }) }, undefined, ctxAt());
    expect(v.observed).toMatch(/expr differs \(/);
  });
});

describe('overall status', () => {
  it('fail > inconclusive > warn > pass; warnings never fail the gate', () => {
    const v = (outcome: 'pass' | 'fail' | 'warn' | 'inconclusive', severity: 'gate' | 'warning' = 'gate') =>
      ({ outcome, severity }) as Parameters<typeof overall>[0][number];
    expect(overall([v('pass'), v('fail'), v('inconclusive')])).toBe('fail');
    expect(overall([v('pass'), v('inconclusive')])).toBe('inconclusive');
    expect(overall([v('pass'), v('warn', 'warning')])).toBe('warn');
    expect(overall([v('pass')])).toBe('pass');
  });

  it('nothing judged is inconclusive, never a pass', () => {
    const v = (outcome: 'pass' | 'skipped' | 'warn', severity: 'gate' | 'warning' = 'gate') =>
      ({ outcome, severity }) as Parameters<typeof overall>[0][number];
    expect(overall([])).toBe('inconclusive');
    expect(overall([v('skipped'), v('skipped')])).toBe('inconclusive');
    expect(overall([v('warn', 'warning')])).toBe('inconclusive');
    expect(overall([v('skipped'), v('pass')])).toBe('pass');
  });
});

describe('PromQL normalisation of re-printed rules', () => {
  it('treats postfix and prefix grouping as equal', () => {
    const spec = 'histogram_quantile(0.95,\n  sum(rate(h_bucket{job="b"}[5m])) by (le)\n) > 2';
    const loaded = 'histogram_quantile(0.95, sum by (le) (rate(h_bucket{job="b"}[5m]))) > 2';
    expect(comparePromql(spec, loaded)).toEqual({ equal: true });
    expect(comparePromql('sum(x) by (a)', 'sum by (b) (x)')).toMatchObject({ equal: false });
  });
});

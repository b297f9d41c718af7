import type { CheckBase } from '../../model/check.ts';
import type { EvalContext, TelemetryNames } from '../../model/context.ts';
import type { Ledger, LatencySummary, StatusClass } from '../../model/ledger.ts';
import type { Labels, Observation, VectorObs } from '../../model/observation.ts';
import type { PrometheusRequest } from '../../model/request.ts';
import type { Verdict } from '../../model/verdict.ts';
import { fmt, isoRange, promLink, verdict, violated } from '../verdict.ts';
import { defineKind, type Window } from './kind.ts';

export type TruthKind = 'request-count' | 'availability' | 'latency-p95' | 'executions';

/** Ground truth (the ledger) against what the telemetry says about the same window. */
export interface TruthCheck extends CheckBase {
  source: 'ledger-vs-prometheus';
  truth: TruthKind;
  /** Allowed relative mismatch on top of the derived tolerance (e.g. 0.001). */
  relativeTolerance?: number;
  /** latency-p95: client/server latency difference allowed when judging bucket bounds. */
  slackSeconds?: number;
  /** latency-p95: the SLO threshold whose bucket edge decides exactness. */
  thresholdSeconds?: number;
}

/**
 * Counter increase between two instant samples, per label set. A series absent at the
 * start counts from 0 (client libraries create labelled series on first use). A negative
 * difference is a counter reset: the window cannot be judged.
 */
export function deltas(before: VectorObs, after: VectorObs, key: (l: Labels) => string): Map<string, number> | string {
  const b = new Map<string, number>();
  for (const s of before.samples) b.set(key(s.labels), (b.get(key(s.labels)) ?? 0) + s.value);
  const out = new Map<string, number>();
  for (const s of after.samples) {
    const k = key(s.labels);
    out.set(k, (out.get(k) ?? 0) + s.value);
  }
  for (const [k, v] of out) {
    const d = v - (b.get(k) ?? 0);
    if (d < 0) return `counter reset in the window for ${k} (${b.get(k)} → ${v}): was the service restarted?`;
    out.set(k, d);
  }
  return out;
}

/** How far the end sample may lag the traffic, and what that allows: the stated tolerance. */
function timingTolerance(ctx: EvalContext, ledger: Ledger, count: number): { abs: number; why: string[] } {
  const why: string[] = [];
  let abs = 0;
  const net = ledger.requests.byStatusClass.network_error ?? 0;
  if (net > 0) {
    abs += net;
    why.push(`${net} client network errors (the server may or may not have counted them)`);
  }
  const end = Date.parse(ledger.window.end) / 1000;
  const start = Date.parse(ledger.window.start) / 1000;
  if (ctx.settle && !ctx.settle.ok) {
    const last = ctx.settle.lastScrape ?? start;
    const gap = Math.max(0, end - last);
    const rate = count / Math.max(1, end - start);
    abs += Math.ceil(rate * gap);
    why.push(
      `no scrape after traffic ended (last ${fmt(gap)} s before the end): ± rate × gap = ${Math.ceil(rate * gap)}`,
    );
  } else {
    why.push(
      `end sample taken after the first scrape following traffic (interval ${ctx.scrapeIntervalSeconds} s): exact`,
    );
  }
  return { abs, why };
}

const GOOD: StatusClass[] = ['2xx', '3xx'];
const classOf = (code: string): string => (/^\d{3}$/.test(code) ? `${code[0]}xx` : code);

/** `GET /v1/x/:id` and `GET /v1/x/{id}` are the same template (fastify vs OpenAPI style). */
export function normaliseRoute(route: string): string {
  return route.replace(/^(\S+)/, (m) => m.toUpperCase()).replace(/\/:([A-Za-z0-9_]+)/g, '/{$1}');
}

function routeKey(l: Labels): string {
  return normaliseRoute(`${l.method ?? ''} ${l.route ?? ''}`);
}

function getVectors(obs: Record<string, Observation>): { before: VectorObs; after: VectorObs } | string {
  const { before, after } = obs;
  if (before?.kind !== 'vector' || after?.kind !== 'vector')
    return `expected two vector observations, got ${before?.kind}/${after?.kind}`;
  if (after.samples.length === 0) return 'no series at the end of the window';
  return { before, after };
}

export function evalTruth(
  check: TruthCheck,
  obs: Record<string, Observation>,
  ctx: EvalContext,
  ledger: Ledger | undefined,
  win: Window,
  query: string,
): Verdict {
  const common = {
    queries: [query],
    range: isoRange({ start: win.start, end: ctx.evalTime }),
    links: promLink(ctx, query, { start: win.start, end: ctx.evalTime }),
  };
  if (!ledger)
    return verdict(check, 'skipped', 'needs the ground-truth ledger of a run', {
      ...common,
      reason: 'no ledger (verify without run)',
    });
  const v = getVectors(obs);
  if (typeof v === 'string') return verdict(check, 'inconclusive', v, { ...common, reason: v });
  switch (check.truth) {
    case 'request-count':
    case 'availability':
      return requestTruth(check, v, ctx, ledger, common);
    case 'latency-p95':
      return latencyTruth(check, v, ledger, common);
    case 'executions':
      return executionTruth(check, v, ctx, ledger, common);
  }
}

type Common = Pick<Verdict, 'queries' | 'range' | 'links'>;

/** One truth comparison: the counter readings at the window's start and end against the ledger. */
type TruthJudge = (
  check: TruthCheck,
  v: { before: VectorObs; after: VectorObs },
  ctx: EvalContext,
  ledger: Ledger,
  common: Common,
) => Verdict;

const requestTruth: TruthJudge = (check, v, ctx, ledger, common) => {
  const d = deltas(v.before, v.after, (l) => `${routeKey(l)}|${classOf(l.code ?? '')}`);
  if (typeof d === 'string') return verdict(check, 'inconclusive', d, { ...common, reason: d });
  // Judge only the routes the client drove: probes and scrapes of other routes are not traffic.
  const ledgerRoutes = new Set(ledger.requests.byRoute.map((r) => normaliseRoute(r.route)));
  const telemetryRoutes = new Set([...d.keys()].map((k) => k.split('|')[0] as string));
  const matched = [...ledgerRoutes].filter((r) => telemetryRoutes.has(r));
  const useRoutes = matched.length > 0;
  let serverTotal = 0;
  let serverGood = 0;
  const perClass: Record<string, number> = {};
  for (const [k, n] of d) {
    const [route, cls] = k.split('|') as [string, string];
    if (useRoutes && !ledgerRoutes.has(route)) continue;
    serverTotal += n;
    perClass[cls] = (perClass[cls] ?? 0) + n;
    if (cls === '2xx' || cls === '3xx') serverGood += n;
  }
  // Routes the service does not instrument (e.g. health probes) cannot be compared: they are
  // listed as clientOnly, not counted as missing.
  const matchedSet = new Set(matched);
  const byRoute = useRoutes ? ledger.requests.byRoute.filter((r) => matchedSet.has(normaliseRoute(r.route))) : [];
  const routeMismatches: Record<string, { client: number; telemetry: number }> = {};
  for (const r of byRoute) {
    const key = normaliseRoute(r.route);
    let server = 0;
    for (const [k, n] of d) if (k.split('|')[0] === key) server += n;
    if (server !== r.total) routeMismatches[key] = { client: r.total, telemetry: server };
  }
  const clientTotal = useRoutes ? byRoute.reduce((s, r) => s + r.total, 0) : ledger.requests.total;
  const clientClasses: Partial<Record<StatusClass, number>> = useRoutes
    ? byRoute.reduce<Partial<Record<StatusClass, number>>>((acc, r) => {
        for (const [c, n] of Object.entries(r.byStatusClass))
          acc[c as StatusClass] = (acc[c as StatusClass] ?? 0) + (n ?? 0);
        return acc;
      }, {})
    : ledger.requests.byStatusClass;
  const clientGood = GOOD.reduce((s, c) => s + (clientClasses[c] ?? 0), 0);
  const unmatched = [...ledgerRoutes].filter((r) => !telemetryRoutes.has(r));
  // A client route the telemetry never saw is lost requests, unless declared uninstrumented.
  const uninstrumented = new Set(ctx.target.uninstrumentedRoutes.map(normaliseRoute));
  const lost = useRoutes
    ? ledger.requests.byRoute.filter(
        (r) =>
          !telemetryRoutes.has(normaliseRoute(r.route)) &&
          !uninstrumented.has(normaliseRoute(r.route)) &&
          // Requests that never reached the server (network errors) were not lost by it.
          r.total - (r.byStatusClass.network_error ?? 0) > 0,
      )
    : [];
  const tol = timingTolerance(ctx, ledger, clientTotal);
  const relTol = (check.relativeTolerance ?? 0) * clientTotal;
  const allowed = tol.abs + relTol;
  if (relTol > 0) tol.why.push(`relative tolerance ${check.relativeTolerance} × ${clientTotal} = ${fmt(relTol)}`);
  const details = {
    client: { total: clientTotal, byStatusClass: clientClasses },
    telemetry: { total: serverTotal, byStatusClass: perClass },
    routes: useRoutes
      ? {
          compared: matched,
          clientOnly: unmatched,
          lost: lost.map((r) => `${normaliseRoute(r.route)} (${r.total})`),
          mismatches: routeMismatches,
        }
      : 'route labels did not match the ledger: compared totals',
    tolerance: { absolute: allowed, derivation: tol.why },
  };
  if (clientTotal === 0)
    return verdict(check, 'inconclusive', 'the client sent no requests', {
      ...common,
      reason: 'not enough traffic to judge',
      details,
    });
  // A comparison whose tolerance covers the whole traffic cannot fail: it proves nothing.
  if (allowed >= clientTotal)
    return verdict(
      check,
      'inconclusive',
      `the tolerance (±${fmt(allowed)}) is as large as the traffic (${clientTotal} requests): this comparison cannot fail`,
      { ...common, reason: 'tolerance covers the whole traffic', details },
    );
  if (check.truth === 'request-count') {
    const diff = serverTotal - clientTotal;
    // Per status class too: a service counting its 500s as 200s has the right total.
    const classMismatches: Record<string, { client: number; telemetry: number }> = {};
    const classes = new Set([...Object.keys(clientClasses), ...Object.keys(perClass)]);
    classes.delete('network_error');
    for (const c of [...classes].sort()) {
      const client = clientClasses[c as StatusClass] ?? 0;
      const telemetry = perClass[c] ?? 0;
      if (Math.abs(telemetry - client) > allowed) classMismatches[c] = { client, telemetry };
    }
    const routeOff = Object.entries(routeMismatches).filter(([, m]) => Math.abs(m.telemetry - m.client) > allowed);
    const ok =
      Math.abs(diff) <= allowed &&
      Object.keys(classMismatches).length === 0 &&
      lost.length === 0 &&
      routeOff.length === 0;
    const byClass = Object.entries(classMismatches)
      .map(([c, m]) => `${c}: telemetry ${m.telemetry} / client ${m.client}`)
      .join(', ');
    const byRouteText = [
      ...lost.map((r) => `${normaliseRoute(r.route)}: telemetry 0 / client ${r.total}`),
      ...routeOff.map(([r, m]) => `${r}: telemetry ${m.telemetry} / client ${m.client}`),
    ].join(', ');
    return verdict(
      check,
      ok ? 'pass' : violated(check),
      `Prometheus counted ${serverTotal} requests, the client sent ${clientTotal} (diff ${diff >= 0 ? '+' : ''}${diff}, allowed ±${fmt(allowed)})` +
        (byClass ? `; by status class ${byClass}` : '') +
        (byRouteText ? `; by route ${byRouteText}` : ''),
      {
        ...common,
        observed: serverTotal,
        expected: `${clientTotal} ± ${fmt(allowed)}, each status class and route likewise`,
        details: { ...details, classMismatches },
      },
    );
  }
  // Availability: the server cannot see requests that never reached it, so the client's
  // network errors widen the tolerance instead of counting as failures on either side.
  if (serverTotal === 0)
    return verdict(check, 'inconclusive', 'Prometheus counted no requests on the client routes', {
      ...common,
      reason: 'no series',
      details,
    });
  const serverAvail = (100 * serverGood) / serverTotal;
  const clientAvail = (100 * clientGood) / clientTotal;
  const allowedPp = (100 * allowed) / clientTotal;
  const diff = serverAvail - clientAvail;
  const ok = Math.abs(diff) <= allowedPp + 1e-9;
  return verdict(
    check,
    ok ? 'pass' : violated(check),
    `telemetry availability ${fmt(serverAvail, '%')} vs client ${fmt(clientAvail, '%')} (diff ${fmt(diff)} pp, allowed ±${fmt(allowedPp)} pp)`,
    {
      ...common,
      observed: serverAvail,
      expected: `${fmt(clientAvail, '%')} ± ${fmt(allowedPp)} pp`,
      details: { ...details, goodTelemetry: serverGood, goodClient: clientGood },
    },
  );
};

/** The cumulative count at `le` from a client summary, if the grid has that bound. */
function clientAt(l: LatencySummary, le: number): number | undefined {
  return l.cumulative.find((c) => Math.abs(c.le - le) < 1e-9)?.count;
}

function latencyTruth(
  check: TruthCheck,
  v: { before: VectorObs; after: VectorObs },
  ledger: Ledger,
  common: Common,
): Verdict {
  const d = deltas(v.before, v.after, (l) => l.le ?? '');
  if (typeof d === 'string') return verdict(check, 'inconclusive', d, { ...common, reason: d });
  const buckets = [...d.entries()]
    .map(([le, count]) => ({ le: le === '+Inf' ? Infinity : Number(le), count }))
    .filter((b) => !Number.isNaN(b.le))
    .sort((a, b) => a.le - b.le);
  const total = buckets[buckets.length - 1]?.count ?? 0;
  const client = ledger.requests.latency;
  const threshold = check.thresholdSeconds ?? 2;
  const slack = check.slackSeconds ?? 0.05;
  if (total === 0 || client.count === 0) {
    return verdict(check, 'inconclusive', 'no latency observations in the window', {
      ...common,
      reason: total === 0 ? 'no series' : 'not enough traffic to judge',
    });
  }
  const rank = 0.95 * total;
  const idx = buckets.findIndex((b) => b.count >= rank);
  const upper = buckets[idx]?.le ?? Infinity;
  const lower = idx > 0 ? (buckets[idx - 1]?.le ?? 0) : 0;
  const clientP95 = client.quantiles.p95;
  const problems: string[] = [];
  // Client time includes the network and queueing, so it may exceed the server's by slack.
  if (!(clientP95 >= lower - slack && clientP95 <= upper + slack)) {
    problems.push(
      `client P95 ${fmt(clientP95, 's')} lies outside the histogram's P95 bucket (${fmt(lower)}, ${fmt(upper)}] ± ${slack} s`,
    );
  }
  const edge = buckets.find((b) => Math.abs(b.le - threshold) < 1e-9);
  const clientEdge = clientAt(client, threshold);
  let exactness: string;
  if (edge && clientEdge !== undefined) {
    const serverMeets = edge.count / total >= 0.95;
    const clientMeets = clientEdge / client.count >= 0.95;
    exactness = `exact: bucket edge at ${threshold} s (telemetry ${fmt((100 * edge.count) / total, '%')} ≤ ${threshold} s, client ${fmt((100 * clientEdge) / client.count, '%')})`;
    if (serverMeets !== clientMeets) {
      problems.push(
        `SLO verdicts disagree: telemetry says P95 ${serverMeets ? '≤' : '>'} ${threshold} s, the client says ${clientMeets ? '≤' : '>'} ${threshold} s`,
      );
    }
  } else {
    const below = buckets.filter((b) => b.le < threshold).pop()?.le;
    const above = buckets.find((b) => b.le > threshold)?.le;
    exactness = `approximate: no bucket edge at ${threshold} s (nearest ${below ?? '-'} and ${above ?? '-'}), the threshold can only be bracketed`;
  }
  const ok = problems.length === 0;
  return verdict(
    check,
    ok ? 'pass' : violated(check),
    `${ok ? 'histogram agrees with the client' : problems.join('; ')}; ${exactness}`,
    {
      ...common,
      observed: `P95 bucket (${fmt(lower)}, ${fmt(upper)}] s`,
      expected: `contains client P95 ${fmt(clientP95, 's')} ± ${slack} s`,
      details: {
        p95: {
          telemetryBucket: { lower, upper: Number.isFinite(upper) ? upper : '+Inf' },
          clientSeconds: clientP95,
          slackSeconds: slack,
        },
        buckets: buckets.map((b) => ({ le: Number.isFinite(b.le) ? b.le : '+Inf', count: b.count })),
        clientCumulative: client.cumulative,
        exactness,
        problems,
      },
    },
  );
}

const executionTruth: TruthJudge = (check, v, ctx, ledger, common) => {
  const d = deltas(v.before, v.after, (l) => l.status ?? '');
  if (typeof d === 'string') return verdict(check, 'inconclusive', d, { ...common, reason: d });
  const created = ledger.executions.created;
  if (created === 0)
    return verdict(check, 'inconclusive', 'the client created no executions', {
      ...common,
      reason: 'not enough traffic to judge',
    });
  // Executions the client stopped watching, or whose end it could not read, may still finish
  // (or not) on the server: they can be compared with neither side.
  const o = ledger.executions.byOutcome;
  const unknown = (o.timeout ?? 0) + (o.cancelled ?? 0) + (o.unknown ?? 0);
  const allowed = unknown + (check.relativeTolerance ?? 0) * created;
  const rows: Array<{ status: string; client: number; telemetry: number }> = [];
  const mapped = new Set<string>();
  for (const [outcome, status] of Object.entries(ctx.target.executionStatus)) {
    const client = ledger.executions.byOutcome[outcome as keyof Ledger['executions']['byOutcome']] ?? 0;
    rows.push({ status, client, telemetry: d.get(status) ?? 0 });
    mapped.add(status);
  }
  for (const [status, n] of d) if (!mapped.has(status) && n > 0) rows.push({ status, client: 0, telemetry: n });
  const bad = rows.filter((r) => Math.abs(r.telemetry - r.client) > allowed);
  const ok = bad.length === 0;
  const line = rows.map((r) => `${r.status}: telemetry ${r.telemetry} / client ${r.client}`).join(', ');
  return verdict(check, ok ? 'pass' : violated(check), `${line} (allowed ±${fmt(allowed)})`, {
    ...common,
    observed: rows.map((r) => `${r.status}=${r.telemetry}`).join(' '),
    expected: rows.map((r) => `${r.status}=${r.client}`).join(' ') + ` ± ${fmt(allowed)}`,
    details: {
      rows,
      tolerance: {
        absolute: allowed,
        derivation: `${unknown} executions timed out, were cancelled or ended unseen (unknown) on the client`,
      },
    },
  });
};

/** Queries of the ground-truth checks, built from the target's metric names. */
/** What a truth check sums, and by which labels. */
function truthParts(check: TruthCheck, t: TelemetryNames): { by: string; selector: string } {
  const sel = `{job="${t.job}"}`;
  switch (check.truth) {
    case 'request-count':
    case 'availability':
      return { by: 'method, route, code', selector: `${t.metrics.httpRequests}${sel}` };
    case 'latency-p95':
      return { by: 'le', selector: `${t.metrics.httpDuration}_bucket${sel}` };
    case 'executions':
      return { by: 'status', selector: `${t.metrics.executions}` };
  }
}

export function truthQuery(check: TruthCheck, t: TelemetryNames): string {
  const p = truthParts(check, t);
  return `sum by (${p.by}) (${p.selector})`;
}

/**
 * The counter readings at the window's start and at the evaluation time. With the run's
 * baseline scrape known, only series sampled from it on count (`last_over_time` back to it,
 * half a scrape interval of slack): a process that served an earlier run and was restarted
 * since (under another instance label, say) still has its last sample within Prometheus'
 * 5-minute lookback; read at the start it looks like a counter reset, summed at the end it
 * adds the earlier run's counts to this one's.
 */
export function truthReadings(check: TruthCheck, ctx: EvalContext, win: Window): PrometheusRequest[] {
  const b = ctx.baselineAt;
  const plain = truthQuery(check, ctx.target);
  if (b === undefined || b > ctx.evalTime)
    return [
      { key: 'before', backend: 'prometheus', op: 'instant', query: plain, time: win.start },
      { key: 'after', backend: 'prometheus', op: 'instant', query: plain, time: ctx.evalTime },
    ];
  const p = truthParts(check, ctx.target);
  const since = (time: number) =>
    `sum by (${p.by}) (last_over_time(${p.selector}[${Math.ceil((time - b + ctx.scrapeIntervalSeconds / 2) * 1000)}ms]))`;
  const start = Math.max(win.start, b);
  return [
    { key: 'before', backend: 'prometheus', op: 'instant', query: since(start), time: start },
    { key: 'after', backend: 'prometheus', op: 'instant', query: since(ctx.evalTime), time: ctx.evalTime },
  ];
}

export const ledgerVsPrometheus = defineKind<TruthCheck>({
  source: 'ledger-vs-prometheus',
  schema: {
    properties: {
      truth: { enum: ['request-count', 'availability', 'latency-p95', 'executions'] },
      relativeTolerance: { type: 'number', minimum: 0 },
      slackSeconds: { type: 'number', minimum: 0 },
      thresholdSeconds: { type: 'number', exclusiveMinimum: 0 },
    },
    required: ['truth'],
  },
  needsLedger: true,
  requests: (check, ctx, _ledger, win) => truthReadings(check, ctx, win),
  evaluate: (check, obs, ctx, ledger, win) => evalTruth(check, obs, ctx, ledger, win, truthQuery(check, ctx.target)),
});

import type { Ledger, TraceSample } from '../../model/ledger.ts';
import type { EvalContext } from '../../model/context.ts';
import type { Observation } from '../../model/observation.ts';
import type { Verdict } from '../../model/verdict.ts';
import { fmt, isoRange, verdict, violated } from '../verdict.ts';
import { brokenHops, classifyMissing, edgesOf, entrySpans, naming, short, type Naming } from './analyse.ts';
import { BOUND, type SpanRule, type TraceCheck } from './check.ts';
import { entryOf, samplesFor, traceEnd } from './plan.ts';
import { indexTrace, isSelectorError, parseSelector, select, type TraceIndex } from './selector.ts';
import type { Span, TraceObservation, TraceRecord } from '../../model/trace.ts';

/** Evidence kept per verdict: enough to open the traces, bounded so reports stay readable. */
const EXAMPLES = 10;

const link = (base: string | undefined, id: string) => (base ? `${base.replace(/\/+$/, '')}/trace/${id}` : id);

function compare(bound: string, n: number): boolean {
  const m = BOUND.exec(bound);
  if (!m) return false;
  const v = Number(m[2]);
  switch (m[1]) {
    case '==':
      return n === v;
    case '!=':
      return n !== v;
    case '<':
      return n < v;
    case '<=':
      return n <= v;
    case '>':
      return n > v;
    default:
      return n >= v;
  }
}

const brief = (t: TraceIndex, s: Span) => ({
  spanId: s.spanId,
  parentSpanId: s.parentSpanId,
  service: t.service(s),
  name: s.name,
  kind: s.kind,
  status: s.status,
});

/** One rule on one trace → problems (empty when it holds). */
function ruleProblems(rule: SpanRule, t: TraceIndex): { problems: string[]; spans: Span[] } {
  const sel = parseSelector(rule.select);
  // The loader rejects selectors that do not parse; a replayed catalogue may not have been loaded.
  if (isSelectorError(sel)) return { problems: [`selector col ${sel.col}: ${sel.message}`], spans: [] };
  const spans = select(sel, t);
  const problems: string[] = [];
  if (rule.count && !compare(rule.count, spans.length))
    problems.push(`${spans.length} span(s) match ${rule.select}, expected ${rule.count}`);
  for (const s of spans) {
    const missing = (rule.has ?? []).filter((a) => s.attributes[a] === undefined || s.attributes[a] === '');
    if (missing.length)
      problems.push(`${t.service(s)} span ${short(s.spanId)} ("${s.name}") lacks ${missing.join(', ')}`);
    if (rule.durationMs && !compare(rule.durationMs, s.end - s.start))
      problems.push(
        `${t.service(s)} span ${short(s.spanId)} ("${s.name}") took ${fmt(s.end - s.start, 'ms')}, expected ${rule.durationMs}`,
      );
  }
  return { problems, spans: problems.length ? spans : [] };
}

interface TraceFinding {
  sample: TraceSample;
  problems: string[];
  spans: ReturnType<typeof brief>[];
}

/** Judges one found trace for the check's assertion; empty problems = it holds. */
function judgeTrace(check: TraceCheck, rec: TraceRecord, sample: TraceSample, names: Naming): TraceFinding {
  const t = indexTrace(rec.spans, names.logical);
  const entry = entryOf(check);
  const a = check.assert;
  const problems: string[] = [];
  let involved: Span[] = [];
  if (a.kind === 'continued' || a.kind === 'propagation-rate') {
    if (!sample.spanId) problems.push('the ledger did not record the client span id (cannot judge its parent)');
    else if (entrySpans(t, sample, entry).length === 0) {
      const roots = t.spans.filter((s) => !s.parentSpanId || !t.byId.has(s.parentSpanId));
      involved = roots;
      problems.push(
        `client → ${entry}: no ${entry} server span has the client's span ${short(sample.spanId)} as parent` +
          ` (root spans: ${roots.map((r) => `"${r.name}" parent ${short(r.parentSpanId)}`).join(', ') || 'none'})`,
      );
    }
  }
  if (a.kind === 'unbroken' || a.kind === 'propagation-rate') problems.push(...brokenHops(t, sample, entry));
  if (a.kind === 'spans')
    for (const r of a.rules) {
      const p = ruleProblems(r, t);
      problems.push(...p.problems);
      involved.push(...p.spans);
    }
  if (problems.length && involved.length === 0) involved = t.spans;
  return { sample, problems: [...new Set(problems)], spans: involved.slice(0, 20).map((s) => brief(t, s)) };
}

/**
 * Trace checks × the trace store's answers → verdicts. Pure. Missing traces: lost (a later
 * one arrived) fails; lagging (none later arrived) is inconclusive, never a pass.
 */
export function evalTraces(
  check: TraceCheck,
  obs: Record<string, Observation | TraceObservation>,
  ctx: EvalContext,
  ledger: Ledger | undefined,
  win: { start: number; end: number },
): Verdict {
  const range = isoRange({ start: win.start, end: traceEnd(ctx) });
  const names = naming(ctx.target.services);
  const base = ctx.urls.jaeger;
  if (check.assert.kind === 'services') return evalServices(check, obs, ctx, range);
  const o = obs.main;
  if (o?.kind !== 'traces')
    return verdict(check, 'inconclusive', 'unexpected observation', {
      range,
      reason: `expected traces, got ${o?.kind}`,
    });
  if (!ledger)
    return verdict(check, 'skipped', 'needs the sampled trace IDs of a run (its ledger)', {
      range,
      reason: 'no ledger (verify without run)',
    });
  const samples = samplesFor(check, ledger, win, ctx);
  if (samples.length === 0)
    return verdict(check, 'inconclusive', 'the ledger sampled no answered request for this check in the window', {
      range,
      reason: 'nothing to look up',
    });
  const records = new Map(o.traces.map((r) => [r.traceId, r]));
  const storeNewest = Math.max(-Infinity, ...(o.after ?? []).map((t) => t.start));
  const { lost, lagging } = classifyMissing(samples, records, storeNewest);
  const found = samples.filter((s) => records.get(s.traceId)?.state === 'found');
  const a = check.assert;
  const findings = found.map((s) => judgeTrace(check, records.get(s.traceId)!, s, names));
  const bad = findings.filter((f) => f.problems.length > 0);
  const lostFindings: TraceFinding[] = lost.map((s) => ({
    sample: s,
    problems: [
      `client → ${entryOf(check)}: trace ${short(s.traceId)} (${s.route}, sent ${s.time}) is not in the trace store while later ones are`,
    ],
    spans: [],
  }));
  const evidence = (list: TraceFinding[]) =>
    list.slice(0, EXAMPLES).map((f) => ({
      traceId: f.sample.traceId,
      route: f.sample.route,
      outcome: f.sample.outcome,
      link: link(base, f.sample.traceId),
      problems: f.problems,
      spans: f.spans,
    }));
  const counts = {
    sampled: samples.length,
    found: found.length,
    lost: lost.length,
    lagging: lagging.length,
    from: o.from,
    polls: o.traces.reduce((n, r) => n + r.polls, 0),
  };
  const laggingNote = lagging.length
    ? `${lagging.length} newest trace(s) not in the store yet (lagging): ${lagging
        .slice(0, 3)
        .map((s) => short(s.traceId))
        .join(', ')}`
    : '';

  if (a.kind === 'log-correlation') return evalLogCorrelation(check, a, obs, found, records, { range, base, counts });

  if (a.kind === 'edges') {
    const seen = new Map<string, string>();
    for (const s of found) {
      const t = indexTrace(records.get(s.traceId)!.spans, names.logical);
      for (const e of edgesOf(t)) if (!seen.has(e)) seen.set(e, s.traceId);
    }
    const missing = a.edges.filter((e) => !seen.has(e));
    const details = {
      ...counts,
      edges: [...seen].map(([edge, traceId]) => ({ edge, traceId, link: link(base, traceId) })),
      missing,
      unexpected: [...seen.keys()].filter((e) => !a.edges.includes(e)),
    };
    const links = [...new Set([...seen.values()])].slice(0, 5).map((id) => link(base, id));
    if (found.length === 0)
      return verdict(check, 'inconclusive', `none of the ${samples.length} sampled traces is in the store`, {
        range,
        reason: laggingNote || 'no trace found',
        details,
      });
    if (missing.length)
      return verdict(
        check,
        violated(check),
        `edges not derived from ${found.length} traces: ${missing.join(', ')} (seen: ${[...seen.keys()].join(', ') || 'none'})`,
        { range, details, links, observed: seen.size, expected: a.edges.join(', ') },
      );
    return verdict(
      check,
      'pass',
      `${a.edges.length} expected edges derived from ${found.length} traces: ${a.edges.join(', ')}`,
      {
        range,
        details,
        links,
        observed: seen.size,
        expected: a.edges.join(', '),
      },
    );
  }

  if (a.kind === 'propagation-rate') {
    const target = a.target ?? 0.99;
    const groups = new Map<string, { judged: number; ok: number }>();
    for (const f of [...findings, ...lostFindings]) {
      const k = `${f.sample.route} ${f.sample.outcome}`;
      const g = groups.get(k) ?? { judged: 0, ok: 0 };
      g.judged++;
      if (f.problems.length === 0) g.ok++;
      groups.set(k, g);
    }
    const judged = findings.length + lostFindings.length;
    const ok = findings.length - bad.length;
    const rate = judged ? ok / judged : Number.NaN;
    const details = {
      ...counts,
      target,
      byRouteOutcome: Object.fromEntries([...groups].map(([k, g]) => [k, { ...g, rate: g.ok / g.judged }])),
      broken: evidence([...lostFindings, ...bad]),
    };
    const links = [...lostFindings, ...bad].slice(0, 5).map((f) => link(base, f.sample.traceId));
    if (judged === 0)
      return verdict(check, 'inconclusive', laggingNote || 'no sampled trace to judge', {
        range,
        reason: 'lagging',
        details,
      });
    const pct = (x: number) => `${fmt(x * 100)} %`;
    if (rate < target)
      return verdict(
        check,
        violated(check),
        `propagation rate ${pct(rate)} (${ok}/${judged}) < ${pct(target)}; first: ${[...lostFindings, ...bad][0]?.problems[0] ?? ''}`,
        {
          range,
          details,
          links,
          observed: rate,
          expected: `>= ${target}`,
        },
      );
    if (lagging.length)
      return verdict(check, 'inconclusive', `${pct(rate)} so far, but ${laggingNote}`, {
        range,
        reason: 'lagging',
        details,
        observed: rate,
      });
    return verdict(
      check,
      'pass',
      `propagation rate ${pct(rate)} (${ok}/${judged} traces continued and unbroken) >= ${pct(target)}`,
      {
        range,
        details,
        links: found.slice(0, 3).map((s) => link(base, s.traceId)),
        observed: rate,
        expected: `>= ${target}`,
      },
    );
  }

  const failures = [...lostFindings, ...(a.kind === 'retrievable' ? [] : bad)];
  const details = {
    ...counts,
    failures: evidence(failures),
    examples: evidence(findings.filter((f) => !f.problems.length)).slice(0, 3),
  };
  if (failures.length)
    return verdict(
      check,
      violated(check),
      `${failures.length} of ${found.length + lost.length} traces: ${failures[0]!.problems[0]}${failures.length > 1 ? ` (and ${failures.length - 1} more)` : ''}`,
      {
        range,
        details,
        links: failures.slice(0, 5).map((f) => link(base, f.sample.traceId)),
        observed: failures.length,
      },
    );
  if (lagging.length || found.length === 0)
    return verdict(check, 'inconclusive', laggingNote || 'no trace found', { range, reason: 'lagging', details });
  const what: Record<string, string> = {
    retrievable: 'retrievable by their trace ID',
    continued: `continued by ${entryOf(check)} with the client span as parent`,
    unbroken: 'unbroken: one root, no orphan span, every answered call continued',
    spans: `matching every rule (${a.kind === 'spans' ? a.rules.length : 0})`,
  };
  return verdict(check, 'pass', `all ${found.length} sampled traces ${what[a.kind] ?? a.kind}`, {
    range,
    details,
    links: found.slice(0, 3).map((s) => link(base, s.traceId)),
    observed: found.length,
  });
}

/** ARCH-1: every service is in the store's service list and has traces in the window. */
function evalServices(
  check: TraceCheck,
  obs: Record<string, Observation | TraceObservation>,
  ctx: EvalContext,
  range: Verdict['range'],
): Verdict {
  if (check.assert.kind !== 'services') throw new Error('unreachable');
  const names = naming(ctx.target.services);
  const list = obs.services;
  if (list?.kind !== 'trace-services')
    return verdict(check, 'inconclusive', 'unexpected observation', {
      range,
      reason: `expected trace-services, got ${list?.kind}`,
    });
  const per = check.assert.services.map((s) => {
    const o = obs[`search:${s}`];
    const traces = o?.kind === 'trace-search' ? o.traces : [];
    return {
      service: s,
      as: names.telemetry(s),
      listed: list.services.includes(names.telemetry(s)),
      traces: traces.length,
      examples: traces.slice(0, 3).map((t) => ({ traceId: t.traceId, link: link(ctx.urls.jaeger, t.traceId) })),
    };
  });
  const bad = per.filter((p) => !p.listed || p.traces === 0);
  const details = { from: list.from, servicesListed: list.services, services: per };
  const links = per.flatMap((p) => p.examples.slice(0, 1).map((e) => e.link));
  if (bad.length)
    return verdict(
      check,
      violated(check),
      bad
        .map((p) =>
          p.listed
            ? `${p.service} (${p.as}): no trace in the window`
            : `${p.service} (${p.as}): not in the service list (listed: ${list.services.join(', ') || 'none'})`,
        )
        .join('; '),
      { range, details, links, observed: per.length - bad.length, expected: `${per.length} services` },
    );
  return verdict(
    check,
    'pass',
    `each of ${per.length} services reports traces: ${per.map((p) => `${p.service} (${p.traces})`).join(', ')}`,
    { range, details, links, observed: per.length },
  );
}

/**
 * LOG-2 as correlation: the log records carrying a sampled trace's ID name a span of that
 * trace. A window of records none of which carries a sampled trace's ID fails, naming the
 * field (unless the records are only a sample of the window: then it cannot tell).
 */
function evalLogCorrelation(
  check: TraceCheck,
  a: { traceIdField?: string; spanIdField?: string },
  obs: Record<string, Observation | TraceObservation>,
  found: TraceSample[],
  records: Map<string, TraceRecord>,
  e: { range: Verdict['range']; base: string | undefined; counts: Record<string, unknown> },
): Verdict {
  const tf = a.traceIdField ?? 'trace_id';
  const sf = a.spanIdField ?? 'span_id';
  const logs = obs.logs;
  if (logs?.kind !== 'logs')
    return verdict(check, 'inconclusive', 'unexpected observation', {
      range: e.range,
      reason: `expected logs, got ${logs?.kind}`,
    });
  if (found.length === 0)
    return verdict(check, 'inconclusive', 'no sampled trace is in the trace store', {
      range: e.range,
      reason: 'no trace found',
      details: e.counts,
    });
  const spansOf = new Map(found.map((s) => [s.traceId, new Set(records.get(s.traceId)!.spans.map((x) => x.spanId))]));
  const recs = logs.records.filter((r) => typeof r[tf] === 'string' && spansOf.has(r[tf]));
  const details = {
    ...e.counts,
    logsFrom: logs.from,
    recordsInWindow: logs.records.length,
    recordsOfSampledTraces: recs.length,
  };
  if (recs.length === 0) {
    const withField = logs.records.filter((r) => typeof r[tf] === 'string' && r[tf] !== '').length;
    const summary = `none of the ${logs.records.length} log records in the window carries the ${tf} of one of the ${found.length} sampled traces (${withField} have a ${tf} at all)`;
    if (logs.records.length === 0 || logs.sampled)
      return verdict(check, 'inconclusive', summary, {
        range: e.range,
        reason: logs.sampled ? 'records are a sample of the window' : 'no records',
        details,
      });
    return verdict(check, violated(check), summary, {
      range: e.range,
      details,
      links: found.slice(0, 3).map((s) => link(e.base, s.traceId)),
    });
  }
  const bad = recs.filter((r) => !spansOf.get(String(r[tf]))!.has(String(r[sf])));
  const traces = new Set(recs.map((r) => String(r[tf])));
  const links = [...traces].slice(0, 3).map((id) => link(e.base, id));
  if (bad.length) {
    const first = bad[0]!;
    return verdict(
      check,
      violated(check),
      `${bad.length} of ${recs.length} log records name a ${sf} that is not a span of their trace: ${sf}=${String(first[sf] ?? '(none)')} in trace ${short(String(first[tf]))} ("${String(first.message ?? '')}")`,
      {
        range: e.range,
        details: {
          ...details,
          mismatched: bad.slice(0, EXAMPLES).map((r) => ({
            [tf]: r[tf],
            [sf]: r[sf],
            service: r.service,
            message: r.message,
            link: link(e.base, String(r[tf])),
          })),
        },
        links: bad.slice(0, 5).map((r) => link(e.base, String(r[tf]))),
        observed: bad.length,
      },
    );
  }
  return verdict(
    check,
    'pass',
    `${recs.length} log records of ${traces.size} sampled traces carry their ${tf} and a ${sf} of that trace`,
    {
      range: e.range,
      details,
      links,
      observed: recs.length,
    },
  );
}

import { aggregate, compare, describeAggregation } from './compare.ts';
import { parseDuration } from '../util/duration.ts';
import { normalisePromQL } from './promql-normalise.ts';
import { fmt, isoRange, promLink, verdict, violated } from './verdict.ts';
import type {
  EvalContext,
  Observation,
  PromBucketCheck,
  PromExemplarsCheck,
  PromFlagCheck,
  PromQueryCheck,
  PromRulesCheck,
  PromSeriesCheck,
  PromTargetsCheck,
  Verdict,
} from './types.ts';

type Win = { start: number; end: number };
type Obs = Record<string, Observation>;

function unexpected(o: Observation | undefined, want: string): string {
  return `expected a ${want} observation, got ${o ? o.kind : 'nothing'}`;
}

export function evalQuery(check: PromQueryCheck, obs: Obs, ctx: EvalContext, win: Win, query: string): Verdict {
  const o = obs.main;
  const expected = `${check.comparator} ${fmt(check.target, check.unit)}`;
  const common = {
    queries: [query],
    expected,
    range: check.mode === 'range' ? isoRange(win, ctx.stepSeconds) : isoRange({ start: win.start, end: ctx.evalTime }),
    links: promLink(ctx, query, check.mode === 'range' ? win : { start: win.start, end: ctx.evalTime }),
  };
  let value: number | undefined;
  let how: string;
  if (check.mode === 'range') {
    if (o?.kind !== 'matrix')
      return verdict(check, 'inconclusive', 'unexpected observation', { ...common, reason: unexpected(o, 'matrix') });
    if (o.series.length > 1) {
      // Aggregating across series would hide which one breached: judge the worst one.
      const per = o.series.map((s) => ({
        labels: s.labels,
        v: aggregate(
          s.values.map((x) => x[1]),
          check.aggregation ?? { kind: 'last' },
        ),
      }));
      const judged = per.filter((p): p is { labels: typeof p.labels; v: number } => p.v !== undefined);
      const bad = judged.filter((p) => !compare(p.v, check.comparator, check.target));
      const worst = bad[0] ?? judged[0];
      value = worst?.v;
      how = `${describeAggregation(check.aggregation ?? { kind: 'last' })} over the window, worst of ${o.series.length} series (${JSON.stringify(worst?.labels ?? {})})`;
    } else {
      const values = o.series[0]?.values.map((x) => x[1]) ?? [];
      value = aggregate(values, check.aggregation ?? { kind: 'last' });
      how = `${describeAggregation(check.aggregation ?? { kind: 'last' })} of ${values.length} samples`;
    }
  } else {
    if (o?.kind !== 'vector')
      return verdict(check, 'inconclusive', 'unexpected observation', { ...common, reason: unexpected(o, 'vector') });
    const values = o.samples.map((s) => s.value).filter((v) => !Number.isNaN(v));
    const bad = values.filter((v) => !compare(v, check.comparator, check.target));
    value = bad[0] ?? values[0];
    how =
      o.samples.length > 1 ? `worst of ${o.samples.length} series at the evaluation time` : 'at the evaluation time';
  }
  if (value === undefined) {
    return verdict(
      check,
      'inconclusive',
      'no data: the query returned no samples (or only NaN, i.e. 0/0) in the window',
      {
        ...common,
        reason: 'no series',
      },
    );
  }
  const ok = compare(value, check.comparator, check.target);
  return verdict(
    check,
    ok ? 'pass' : violated(check),
    `${fmt(value, check.unit)} ${ok ? 'meets' : 'violates'} ${expected} (${how})`,
    {
      ...common,
      observed: value,
    },
  );
}

export function evalSeries(check: PromSeriesCheck, obs: Obs, ctx: EvalContext, win: Win, queries: string[]): Verdict {
  const expect = check.expect ?? 'present';
  const found: Record<string, number> = {};
  for (const [i, sel] of check.selectors.entries()) {
    const o = obs[`s${i}`];
    if (o?.kind !== 'vector')
      return verdict(check, 'inconclusive', 'unexpected observation', { queries, reason: unexpected(o, 'vector') });
    found[sel] = o.samples.length;
  }
  const missing = Object.entries(found)
    .filter(([, n]) => n === 0)
    .map(([s]) => s);
  const present = Object.entries(found)
    .filter(([, n]) => n > 0)
    .map(([s]) => s);
  const common = {
    queries,
    range: isoRange({ start: win.start, end: ctx.evalTime }),
    details: { seriesPerSelector: found },
    links: queries.flatMap((q) => promLink(ctx, q, { start: win.start, end: ctx.evalTime })).slice(0, 3),
  };
  if (expect === 'present') {
    const ok = missing.length === 0;
    return verdict(
      check,
      ok ? 'pass' : violated(check),
      ok
        ? `all ${present.length} selector(s) have samples in the window`
        : `no samples in the window for: ${missing.join(', ')}`,
      {
        ...common,
        observed: `${present.length}/${check.selectors.length} present`,
        expected: 'every selector has samples',
      },
    );
  }
  const ok = present.length === 0;
  return verdict(
    check,
    ok ? 'pass' : violated(check),
    ok ? `none of ${check.selectors.join(', ')} exists` : `present: ${present.join(', ')}`,
    {
      ...common,
      observed: `${present.length}/${check.selectors.length} present`,
      expected: 'absent',
    },
  );
}

export function evalBuckets(check: PromBucketCheck, obs: Obs, ctx: EvalContext, win: Win, query: string): Verdict {
  const o = obs.main;
  const common = {
    queries: [query],
    range: isoRange({ start: win.start, end: ctx.evalTime }),
    links: promLink(ctx, query, { start: win.start, end: ctx.evalTime }),
    expected: `a bucket with le="${check.bound}"`,
  };
  if (o?.kind !== 'vector')
    return verdict(check, 'inconclusive', 'unexpected observation', { ...common, reason: unexpected(o, 'vector') });
  const les = o.samples
    .map((s) => Number(s.labels.le === '+Inf' ? Infinity : s.labels.le))
    .filter((x) => !Number.isNaN(x))
    .sort((a, b) => a - b);
  if (les.length === 0)
    return verdict(check, 'inconclusive', 'no histogram buckets found in the window', {
      ...common,
      reason: 'no series',
    });
  const has = les.some((le) => Math.abs(le - check.bound) < 1e-9);
  const below = les.filter((le) => le < check.bound).pop();
  const above = les.find((le) => le > check.bound);
  return verdict(
    check,
    has ? 'pass' : violated(check),
    has
      ? `the histogram has a bucket edge at ${check.bound}: the threshold is measured exactly`
      : `no bucket edge at ${check.bound}; nearest edges ${below ?? '-'} and ${above ?? '-'}: the threshold can only be bracketed`,
    { ...common, observed: les.map((l) => fmt(l)).join(', ') },
  );
}

export function evalFlags(check: PromFlagCheck, obs: Obs, ctx: EvalContext): Verdict {
  const o = obs.main;
  const links = ctx.urls.prometheus ? [`${ctx.urls.prometheus.replace(/\/$/, '')}/flags`] : [];
  const expected = `${check.flag} ${check.comparator} ${check.target}`;
  if (o?.kind !== 'flags')
    return verdict(check, 'inconclusive', 'unexpected observation', {
      links,
      expected,
      reason: unexpected(o, 'flags'),
    });
  const raw = o.flags[check.flag];
  if (raw === undefined)
    return verdict(check, 'inconclusive', `Prometheus reports no flag ${check.flag}`, {
      links,
      expected,
      reason: 'flag not reported',
    });
  const num = (s: string) => parseDuration(s) ?? Number(s);
  const value = num(raw);
  const target = num(check.target);
  // Prometheus 2.x reports an unset retention as "0s" and applies the 15d default.
  const effective = check.flag === 'storage.tsdb.retention.time' && value === 0 ? 15 * 86400 : value;
  const ok = compare(effective, check.comparator, target);
  return verdict(
    check,
    ok ? 'pass' : violated(check),
    `${check.flag}=${raw}${effective !== value ? ' (unset: default 15d applies)' : ''}`,
    {
      links,
      expected,
      observed: raw,
    },
  );
}

export function evalRules(check: PromRulesCheck, obs: Obs, ctx: EvalContext): Verdict {
  const o = obs.main;
  const links = ctx.urls.prometheus ? [`${ctx.urls.prometheus.replace(/\/$/, '')}/rules`] : [];
  const exp = check.expected;
  if (!exp)
    return verdict(check, 'inconclusive', 'the spec rules were not loaded', { links, reason: 'rulesFile not loaded' });
  if (o?.kind !== 'rules')
    return verdict(check, 'inconclusive', 'unexpected observation', { links, reason: unexpected(o, 'rules') });
  const groups = o.groups.filter((g) => g.name === check.group);
  if (groups.length === 0) {
    return verdict(check, violated(check), `group "${check.group}" is not loaded in Prometheus`, {
      links,
      observed: o.groups.map((g) => g.name).join(', ') || 'no groups',
      expected: `group ${check.group}`,
    });
  }
  const loaded = groups.flatMap((g) => g.rules);
  const diffs: string[] = [];
  for (const r of exp.rules) {
    const got = loaded.filter((l) => l.name === r.alert);
    if (got.length === 0) {
      diffs.push(`${r.alert}: missing`);
      continue;
    }
    if (got.length > 1) diffs.push(`${r.alert}: loaded ${got.length} times`);
    const g = got[0]!;
    if (normalisePromQL(g.query) !== normalisePromQL(r.expr))
      diffs.push(
        `${r.alert}: expr differs: loaded ${JSON.stringify(g.query)} vs spec ${JSON.stringify(r.expr.trim())}`,
      );
    if (g.durationSeconds !== r.forSeconds)
      diffs.push(`${r.alert}: for ${g.durationSeconds}s vs spec ${r.forSeconds}s`);
    for (const [kind, a, b] of [
      ['label', g.labels, r.labels],
      ['annotation', g.annotations, r.annotations],
    ] as const) {
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
        if (a[k] !== b[k])
          diffs.push(`${r.alert}: ${kind} ${k}: loaded ${JSON.stringify(a[k])} vs spec ${JSON.stringify(b[k])}`);
      }
    }
    if (g.health && g.health !== 'ok' && g.health !== 'unknown') diffs.push(`${r.alert}: rule health ${g.health}`);
  }
  for (const l of loaded)
    if (!exp.rules.some((r) => r.alert === l.name)) diffs.push(`${l.name}: loaded but not in the spec`);
  const ok = diffs.length === 0;
  return verdict(
    check,
    ok ? 'pass' : violated(check),
    ok
      ? `${exp.rules.length} rules match the spec (expr, for, labels, annotations)`
      : `${diffs.length} drift(s) from the spec`,
    {
      links,
      observed: ok ? `${loaded.length} rules, no drift` : diffs.join('; '),
      expected: `${exp.rules.length} rules as in ${check.rulesFile}`,
      details: { diffs },
    },
  );
}

export function evalTargets(check: PromTargetsCheck, obs: Obs, ctx: EvalContext): Verdict {
  const o = obs.main;
  const links = ctx.urls.prometheus ? [`${ctx.urls.prometheus.replace(/\/$/, '')}/targets`] : [];
  if (o?.kind !== 'targets')
    return verdict(check, 'inconclusive', 'unexpected observation', { links, reason: unexpected(o, 'targets') });
  const problems: string[] = [];
  const status: Record<string, string> = {};
  for (const job of [...check.jobs, ...(check.optionalJobs ?? [])]) {
    const ts = o.targets.filter((t) => t.job === job);
    const optional = !check.jobs.includes(job);
    if (ts.length === 0) {
      status[job] = optional ? 'not deployed (optional)' : 'not configured';
      if (!optional) problems.push(`${job}: no target`);
      continue;
    }
    const down = ts.filter((t) => t.health !== 'up');
    status[job] = down.length
      ? `${down.length}/${ts.length} down: ${down.map((d) => d.lastError || d.health).join('; ')}`
      : `${ts.length} up`;
    if (down.length) problems.push(`${job}: ${status[job]}`);
  }
  const ok = problems.length === 0;
  return verdict(
    check,
    ok ? 'pass' : violated(check),
    ok ? `every job is up: ${check.jobs.join(', ')}` : problems.join('; '),
    {
      links,
      observed: Object.entries(status)
        .map(([j, s]) => `${j}=${s}`)
        .join(', '),
      expected: 'every listed job has targets, all up',
      details: { status },
    },
  );
}

const TRACE_ID = /^[0-9a-f]{32}$/;

export function evalExemplars(check: PromExemplarsCheck, obs: Obs, ctx: EvalContext, win: Win): Verdict {
  const o = obs.main;
  const common = {
    queries: [check.selector],
    range: isoRange({ start: win.start, end: ctx.evalTime }),
    expected: `exemplars with a 32-hex ${check.traceIdLabel}`,
  };
  if (o?.kind !== 'exemplars')
    return verdict(check, 'inconclusive', 'unexpected observation', { ...common, reason: unexpected(o, 'exemplars') });
  const all = o.series.flatMap((s) => s.exemplars);
  if (all.length === 0) {
    return verdict(
      check,
      violated(check),
      'no exemplars in the window (is exemplar storage on and the target scraped as OpenMetrics?)',
      { ...common, observed: 0 },
    );
  }
  const bad = all.filter((e) => !TRACE_ID.test(e.labels[check.traceIdLabel] ?? ''));
  const ok = bad.length === 0;
  return verdict(
    check,
    ok ? 'pass' : violated(check),
    ok
      ? `${all.length} exemplars, all carry a W3C trace ID`
      : `${bad.length}/${all.length} exemplars lack a valid ${check.traceIdLabel}`,
    {
      ...common,
      observed: `${all.length} exemplars, ${bad.length} invalid`,
      details: { sample: all.slice(0, 3) },
    },
  );
}

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Aggregation, CheckBase, Comparator } from '../../model/check.ts';
import type { EvalContext } from '../../model/context.ts';
import { aggregate, compare, describeAggregation } from '../compare.ts';
import { substituteMetrics } from '../placeholders.ts';
import { comparator, duration } from '../schema-parts.ts';
import { parametriseWindow, specQueries } from '../spec-queries.ts';
import { fmt, isoRange, promLink, unexpected, verdict, violated } from '../verdict.ts';
import { rangeOf } from '../window.ts';
import { defineKind, type Window } from './kind.ts';
import type { Request } from '../../model/request.ts';
import { parse } from 'yaml';
import { selectorsOf } from '../promql-tree.ts';

/**
 * The metric families the alert rules of a rule file read (the official PromQL parser), scoped
 * to the target (`job`, `instance`) but not to the events they count: a family with samples
 * lets a rule fire; a value filter matching nothing only means no such event happened.
 */
export function ruleInputs(rulesYaml: string): string[] {
  const doc = parse(rulesYaml) as { groups?: Array<{ rules?: Array<{ expr?: unknown }> }> };
  const out = new Set<string>();
  for (const g of doc.groups ?? [])
    for (const r of g.rules ?? []) {
      if (typeof r.expr !== 'string') continue;
      const sels = selectorsOf(r.expr, { keepLabels: ['job', 'instance'] });
      if (!Array.isArray(sels)) throw new Error(sels.message);
      for (const sel of sels) out.add(sel);
    }
  if (out.size === 0) throw new Error('no alert rule expression with a series selector');
  return [...out];
}

/**
 * A PromQL expression judged against a target.
 * `mode: range` runs a range query over the (aligned) window and aggregates every sample;
 * `mode: instant` evaluates once at the window's end (after settling).
 * Placeholders: `$window` (the check's `window`, e.g. the spec's `5m`), `$range` (the run
 * window's length, aligned to the step), `{{metrics.NAME}}` (target config mapping).
 */
export interface PromQueryCheck extends CheckBase {
  source: 'prometheus';
  /** Inline PromQL, or filled in by the loader from `specQuery`. */
  query: string;
  /**
   * A query taken verbatim from a spec file (blocks separated by blank lines, each under a
   * `# heading` comment). With `window`, every `[range]` in it becomes `[$window]`.
   */
  specQuery?: { file: string; heading: string };
  window?: string;
  mode: 'range' | 'instant';
  aggregation?: Aggregation;
  comparator: Comparator;
  target: number;
  unit: string;
  /**
   * A rule file whose alerts this check watches (AL-5): the series the rules read must have
   * samples in the window, else the alerts could not have fired and "none fired" proves
   * nothing — inconclusive, naming the absent series.
   */
  inputsFromRules?: string;
  /** Filled in by the loader: the series selectors the rules in `inputsFromRules` read. */
  inputs?: string[];
}

const aggregation = {
  type: 'object',
  additionalProperties: false,
  required: ['kind'],
  properties: {
    kind: { enum: ['min', 'avg', 'max', 'last', 'quantile'] },
    q: { type: 'number', minimum: 0, maximum: 1 },
  },
  if: { properties: { kind: { const: 'quantile' } } },
  then: { required: ['q'] },
  else: { not: { required: ['q'] } },
};

/** The query exactly as it will be sent. */
export function renderQuery(check: PromQueryCheck, win: Window, ctx: EvalContext): string {
  let q = check.query;
  if (check.window) q = q.replaceAll('$window', check.window);
  return q.replaceAll('$range', rangeOf(win, ctx));
}

export const prometheusQuery = defineKind<PromQueryCheck>({
  source: 'prometheus',
  schema: {
    properties: {
      query: { type: 'string', minLength: 1 },
      specQuery: {
        type: 'object',
        additionalProperties: false,
        required: ['file', 'heading'],
        properties: { file: { type: 'string' }, heading: { type: 'string' } },
      },
      window: duration,
      mode: { enum: ['range', 'instant'] },
      aggregation,
      comparator,
      target: { type: 'number' },
      unit: { type: 'string' },
      inputsFromRules: { type: 'string', minLength: 1 },
    },
    required: ['mode', 'comparator', 'target', 'unit'],
    // Exactly one of an inline query or a verbatim spec query.
    extra: { oneOf: [{ required: ['query'] }, { required: ['specQuery'] }] },
  },
  async load(check, { dir, where, target, problems }) {
    if (check.specQuery) {
      const specPath = resolve(dir, check.specQuery.file);
      try {
        const q = specQueries(await readFile(specPath, 'utf8')).get(check.specQuery.heading);
        if (q === undefined) problems.push(`${where}/specQuery/heading: no query under "# ${check.specQuery.heading}"`);
        else check.query = check.window ? parametriseWindow(q) : q;
      } catch (err) {
        problems.push(
          `${where}/specQuery/file: cannot read ${check.specQuery.file}: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
    // Absent when the spec query could not be read (reported above).
    check.query = substituteMetrics((check.query as string | undefined) ?? '', target, problems, `${where}/query`);
    if (check.query.includes('$window') && !check.window) {
      problems.push(`${where}/window: the query uses $window but the check sets no window`);
    }
    if (check.inputsFromRules) {
      const file = resolve(dir, check.inputsFromRules);
      try {
        check.inputs = ruleInputs(await readFile(file, 'utf8'));
      } catch (err) {
        problems.push(
          `${where}/inputsFromRules: cannot read the rules' inputs from ${check.inputsFromRules}: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
    if (check.mode === 'range' && !check.aggregation) {
      problems.push(`${where}/aggregation: a range check needs an aggregation (min/avg/max/last/quantile)`);
    }
  },
  requests(check, ctx, _ledger, win) {
    const query = renderQuery(check, win, ctx);
    // Whether each input series has samples in the window (count of series that do).
    const inputs: Request[] = (check.inputs ?? []).map((sel, i) => ({
      key: `input${i}`,
      backend: 'prometheus',
      op: 'instant',
      query: `count(count_over_time(${sel}[${rangeOf(win, ctx)}]))`,
      time: ctx.evalTime,
    }));
    const main: Request[] =
      check.mode === 'range'
        ? [
            {
              key: 'main',
              backend: 'prometheus',
              op: 'range',
              query,
              start: win.start,
              end: win.end,
              step: ctx.stepSeconds,
            },
          ]
        : [{ key: 'main', backend: 'prometheus', op: 'instant', query, time: ctx.evalTime }];
    return [...main, ...inputs];
  },
  evaluate(check, obs, ctx, _ledger, win, queries) {
    const query = queries[0] ?? check.query;
    const o = obs.main;
    const expected = `${check.comparator} ${fmt(check.target, check.unit)}`;
    const common = {
      queries: [query],
      expected,
      range:
        check.mode === 'range' ? isoRange(win, ctx.stepSeconds) : isoRange({ start: win.start, end: ctx.evalTime }),
      links: promLink(ctx, query, check.mode === 'range' ? win : { start: win.start, end: ctx.evalTime }),
    };
    const absent = (check.inputs ?? []).filter((_sel, i) => {
      const g = obs[`input${i}`];
      return g?.kind !== 'vector' || !g.samples.some((x) => x.value > 0);
    });
    if (absent.length)
      return verdict(
        check,
        'inconclusive',
        `the alert rules' input series have no samples in the window, so their alerts could not have fired: ${absent.map((a) => `${a}: no samples`).join('; ')}`,
        { ...common, reason: 'rule inputs absent (nothing could have fired)', details: { absentInputs: absent } },
      );
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
  },
});

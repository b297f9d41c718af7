import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import type { CheckBase } from '../../model/check.ts';
import { parseDuration } from '../../util/duration.ts';
import { comparePromql } from '../promql-tree.ts';
import { unexpected, verdict, violated } from '../verdict.ts';
import { defineKind } from './kind.ts';

export interface PromRulesCheck extends CheckBase {
  source: 'prometheus-rules';
  /** Path (relative to the checks directory) of the spec's rule file. */
  rulesFile: string;
  group: string;
  /** Filled in by the loader from `rulesFile`. */
  expected?: ExpectedRuleGroup;
}

export interface ExpectedRule {
  alert: string;
  expr: string;
  forSeconds: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface ExpectedRuleGroup {
  name: string;
  rules: ExpectedRule[];
}

/** Parses one rules file into the shape AL-4 compares (for → seconds). */
export function parseRuleGroup(text: string, group: string): ExpectedRuleGroup | string {
  const doc = parse(text) as { groups?: Array<{ name?: string; rules?: Array<Record<string, unknown>> }> };
  const g = doc?.groups?.find((x) => x.name === group);
  if (!g) return `group "${group}" not found`;
  const rules = (g.rules ?? []).map((r) => ({
    alert: String(r.alert ?? r.record ?? ''),
    expr: String(r.expr ?? ''),
    forSeconds: typeof r.for === 'string' ? (parseDuration(r.for) ?? 0) : 0,
    labels: (r.labels ?? {}) as Record<string, string>,
    annotations: (r.annotations ?? {}) as Record<string, string>,
  }));
  return { name: group, rules };
}

export const prometheusRules = defineKind<PromRulesCheck>({
  source: 'prometheus-rules',
  evidence: 'conformance',
  schema: {
    properties: { rulesFile: { type: 'string' }, group: { type: 'string' } },
    required: ['rulesFile', 'group'],
  },
  async load(check, { dir, where, problems }) {
    const rulesPath = resolve(dir, check.rulesFile);
    try {
      const g = parseRuleGroup(await readFile(rulesPath, 'utf8'), check.group);
      if (typeof g === 'string') problems.push(`${where}/group: ${g} in ${check.rulesFile}`);
      else check.expected = g;
    } catch (err) {
      problems.push(
        `${where}/rulesFile: cannot read ${check.rulesFile}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  },
  requests: () => [{ key: 'main', backend: 'prometheus', op: 'rules' }],
  evaluate(check, obs, ctx) {
    const o = obs.main;
    const links = ctx.urls.prometheus ? [`${ctx.urls.prometheus.replace(/\/$/, '')}/rules`] : [];
    const exp = check.expected;
    if (!exp)
      return verdict(check, 'inconclusive', 'the spec rules were not loaded', {
        links,
        reason: 'rulesFile not loaded',
      });
    if (ctx.ruleCompression !== undefined) {
      // Compressed rules differ from the spec's text by design: the comparison does not apply
      // to this run (skipped, like a check on a source the run does not have) — never a pass,
      // never a false fail, and no reason to call the whole run inconclusive.
      const reason = `the run loaded the spec rules time-compressed ×${ctx.ruleCompression} (for and windows divided), so their text cannot equal the spec's; the promtool cases judge the spec file`;
      return verdict(check, 'skipped', `not compared: ${reason}`, { links, reason });
    }
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
      // On the syntax tree: Prometheus' re-printing is never drift, every real change is named.
      const cmp = comparePromql(r.expr, g.query);
      if (!('equal' in cmp))
        diffs.push(`${r.alert}: expr cannot be compared: ${cmp.message} (loaded ${JSON.stringify(g.query)})`);
      else if (!cmp.equal)
        diffs.push(
          `${r.alert}: expr differs (${cmp.differences.join('; ')}): loaded ${JSON.stringify(g.query)} vs spec ${JSON.stringify(r.expr.trim())}`,
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
  },
});

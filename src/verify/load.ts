import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { parse } from 'yaml';
import { HarnessError } from '../util/errors.ts';
import { parseDuration } from '../util/duration.ts';
import { KNOWN_REQUIREMENTS } from './requirements.ts';
import { checkFileSchema } from './schema.ts';
import { parametriseWindow, specQueries } from './spec-queries.ts';
import type { Check, ExpectedRuleGroup, TargetConfig } from './types.ts';

/** `file: /checks/0/window: must match pattern …` — one line per problem. */
export function formatAjvErrors(file: string, errors: ErrorObject[]): string[] {
  return errors.map((e) => {
    const extra =
      e.keyword === 'additionalProperties'
        ? ` "${String((e.params as { additionalProperty: string }).additionalProperty)}"`
        : e.keyword === 'enum'
          ? ` (${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)})`
          : '';
    return `${file}: ${e.instancePath || '/'}: ${e.message ?? e.keyword}${extra}`;
  });
}

function newValidator() {
  // `discriminator` makes the per-source branches report the real problem, not every branch.
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, discriminator: true });
  return ajv.compile(checkFileSchema);
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

const PLACEHOLDER = /\{\{\s*metrics\.([A-Za-z0-9_]+)\s*\}\}/g;

/** Replaces `{{metrics.X}}` with the target's metric names; unknown names are reported. */
export function substituteMetrics(text: string, target: TargetConfig, problems: string[], where: string): string {
  return text.replace(PLACEHOLDER, (_m, name: string) => {
    const v = target.metrics[name];
    if (v === undefined) {
      problems.push(
        `${where}: unknown metric mapping "{{metrics.${name}}}" (known: ${Object.keys(target.metrics).join(', ')})`,
      );
      return `{{metrics.${name}}}`;
    }
    return v;
  });
}

export interface LoadedCatalogue {
  dir: string;
  files: string[];
  checks: Check[];
}

/**
 * Loads every `*.yaml` in `dir`, validates strictly and resolves placeholders and rule
 * files. Collects every problem and fails once with all of them (file + path each).
 */
export async function loadChecks(dir: string, target: TargetConfig): Promise<LoadedCatalogue | HarnessError> {
  const root = resolve(dir);
  let names: string[];
  try {
    names = (await readdir(root)).filter((n) => n.endsWith('.yaml') || n.endsWith('.yml')).sort();
  } catch (err) {
    return new HarnessError('CONFIG_CHECKS', `cannot read the checks directory ${root}`, { cause: err });
  }
  const validate = newValidator();
  const problems: string[] = [];
  const checks: Check[] = [];
  const seen = new Map<string, string>();
  for (const name of names) {
    const file = join(root, name);
    const shown = relative(process.cwd(), file) || file;
    let doc: unknown;
    try {
      doc = parse(await readFile(file, 'utf8'), { uniqueKeys: true });
    } catch (err) {
      problems.push(`${shown}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
      continue;
    }
    if (!validate(doc)) {
      problems.push(...formatAjvErrors(shown, validate.errors ?? []));
      continue;
    }
    const list = (doc as { checks: Check[] }).checks;
    for (const [i, c] of list.entries()) {
      const where = `${shown}: /checks/${i}`;
      const prev = seen.get(c.id);
      if (prev) problems.push(`${where}/id: duplicate check id "${c.id}" (first in ${prev})`);
      seen.set(c.id, where);
      for (const r of c.requirements) {
        if (!KNOWN_REQUIREMENTS.has(r)) problems.push(`${where}/requirements: unknown requirement ID "${r}"`);
      }
      const check: Check = { ...c, file: shown };
      if (check.source === 'prometheus' && check.specQuery) {
        const specPath = resolve(dirname(file), check.specQuery.file);
        try {
          const q = specQueries(await readFile(specPath, 'utf8')).get(check.specQuery.heading);
          if (q === undefined)
            problems.push(`${where}/specQuery/heading: no query under "# ${check.specQuery.heading}"`);
          else check.query = check.window ? parametriseWindow(q) : q;
        } catch (err) {
          problems.push(
            `${where}/specQuery/file: cannot read ${check.specQuery.file}: ${err instanceof Error ? err.message : String(err)}`,
          );
        }
      }
      if (check.source === 'prometheus') {
        check.query = substituteMetrics(check.query ?? '', target, problems, `${where}/query`);
        if (check.query.includes('$window') && !check.window) {
          problems.push(`${where}/window: the query uses $window but the check sets no window`);
        }
        if (check.mode === 'range' && !check.aggregation) {
          problems.push(`${where}/aggregation: a range check needs an aggregation (min/avg/max/last/quantile)`);
        }
      }
      if (check.source === 'prometheus-series') {
        check.selectors = check.selectors.map((s, j) =>
          substituteMetrics(s, target, problems, `${where}/selectors/${j}`),
        );
      }
      if (check.source === 'prometheus-exemplars' || check.source === 'prometheus-buckets') {
        check.selector = substituteMetrics(check.selector, target, problems, `${where}/selector`);
      }
      if (
        check.source === 'prometheus-flags' &&
        parseDuration(check.target) === undefined &&
        Number.isNaN(Number(check.target))
      ) {
        problems.push(`${where}/target: "${check.target}" is neither a duration nor a number`);
      }
      if (check.source === 'prometheus-rules') {
        const rulesPath = resolve(dirname(file), check.rulesFile);
        try {
          const g = parseRuleGroup(await readFile(rulesPath, 'utf8'), check.group);
          if (typeof g === 'string') problems.push(`${where}/group: ${g} in ${check.rulesFile}`);
          else check.expected = g;
        } catch (err) {
          problems.push(
            `${where}/rulesFile: cannot read ${check.rulesFile}: ${err instanceof Error ? err.message : String(err)}`,
          );
        }
      }
      checks.push(check);
    }
  }
  if (names.length === 0) problems.push(`${root}: no *.yaml check files`);
  if (problems.length > 0) {
    return new HarnessError('CONFIG_CHECKS', `${problems.length} problem(s) in the check catalogue`, {
      where: root,
      details: problems.join('\n'),
      hint: 'fix every line above; docs/checks.md describes the format',
    });
  }
  return { dir: root, files: names, checks };
}

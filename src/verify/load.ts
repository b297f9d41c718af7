import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import type { ErrorObject } from 'ajv';
import { compileSchema } from '../util/schema-file.ts';
import { parse } from 'yaml';
import type { TelemetryNames } from '../model/context.ts';
import { KNOWN_REQUIREMENTS } from '../model/requirements.ts';
import { HarnessError } from '../util/errors.ts';
import { kindOf, type Check } from './kinds/index.ts';
import { checkFileSchema } from './schema.ts';

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

export interface LoadedCatalogue {
  dir: string;
  files: string[];
  checks: Check[];
}

/**
 * Loads every `*.yaml` in `dir`, validates strictly and resolves placeholders and rule
 * files. Collects every problem and fails once with all of them (file + path each).
 */
export async function loadChecks(dir: string, target: TelemetryNames): Promise<LoadedCatalogue | HarnessError> {
  const root = resolve(dir);
  let names: string[];
  try {
    names = (await readdir(root)).filter((n) => n.endsWith('.yaml') || n.endsWith('.yml')).sort();
  } catch (err) {
    return new HarnessError('CONFIG_CHECKS', `cannot read the checks directory ${root}`, { cause: err });
  }
  const validate = compileSchema(checkFileSchema);
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
      await kindOf(check).load?.(check, { dir: dirname(file), where, target, problems });
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

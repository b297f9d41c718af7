import { readFile, stat } from 'node:fs/promises';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import { HarnessError } from './errors.ts';

/**
 * Loading a YAML/JSON data file strictly: parse errors and every schema violation are
 * collected and reported together, each with its path in the file (`/targets/staging/api`)
 * and line:column, so one edit-run cycle fixes them all.
 */
export interface Problem {
  path: string;
  line?: number;
  column?: number;
  message: string;
}

/** Problems shown at most; a generated file with thousands of errors must not flood the terminal. */
export const MAX_PROBLEMS_SHOWN = 50;

export function formatProblems(file: string, problems: Problem[]): string {
  const lines = problems
    .slice(0, MAX_PROBLEMS_SHOWN)
    .map((p) => `${file}${p.line ? `:${p.line}:${p.column ?? 1}` : ''}  ${p.path || '/'}: ${p.message}`);
  if (problems.length > MAX_PROBLEMS_SHOWN)
    lines.push(`… and ${problems.length - MAX_PROBLEMS_SHOWN} more problems of the same file`);
  return lines.join('\n');
}

/** Config-like files are hand-written and small; anything bigger is a mistake or an attack. */
export const MAX_DATA_FILE_BYTES = 1024 * 1024;

/**
 * The one Ajv of the harness, for every file kind (target config, profile, telemetry names,
 * check catalogue). `discriminator` makes a check's per-source branches report the real
 * problem instead of every branch's.
 */
const ajv = new Ajv({
  allErrors: true,
  strict: true,
  strictRequired: false,
  allowUnionTypes: true,
  discriminator: true,
});
const compiled = new WeakMap<object, ValidateFunction>();

/** The compiled validator of a schema (compiled once per schema object). */
export function compileSchema(schema: object): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    v = ajv.compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

function describe(e: ErrorObject): { path: string; message: string } {
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'additionalProperties') {
    return { path: `${e.instancePath}/${String(params.additionalProperty)}`, message: 'unknown field' };
  }
  if (e.keyword === 'required') {
    return { path: e.instancePath, message: `missing required field "${String(params.missingProperty)}"` };
  }
  if (e.keyword === 'enum') {
    return {
      path: e.instancePath,
      message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
    };
  }
  return { path: e.instancePath, message: e.message ?? e.keyword };
}

function locate(doc: Document, lc: LineCounter, path: string): { line?: number; column?: number } {
  const keys = path
    .split('/')
    .slice(1)
    .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((k) => (/^\d+$/.test(k) ? Number(k) : k));
  // Walk down as far as the path exists (an unknown or missing key points at its parent).
  for (let n = keys.length; n >= 0; n--) {
    const node: unknown = n === 0 ? doc.contents : doc.getIn(keys.slice(0, n), true);
    if (isNode(node) && node.range) {
      const pos = lc.linePos(node.range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return {};
}

/** Parses text (YAML is a superset of JSON) and validates it; returns value or all problems. */
export function parseAndValidate<T>(text: string, schema: object): { value?: T; raw?: unknown; problems: Problem[] } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const problems: Problem[] = [];
  for (const err of doc.errors) {
    const pos = lc.linePos(err.pos[0]);
    problems.push({ path: '', line: pos.line, column: pos.col, message: err.message.split('\n')[0] ?? err.message });
  }
  if (problems.length) return { problems };
  let value: unknown;
  try {
    // yaml refuses alias expansion past a bound ("billion laughs"): a problem of the file.
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return { problems: [{ path: '', message: `cannot be read: ${err instanceof Error ? err.message : String(err)}` }] };
  }
  const validate = compileSchema(schema);
  if (!validate(value)) {
    const seen = new Set<string>();
    for (const e of validate.errors ?? []) {
      const d = describe(e);
      const key = `${d.path}|${d.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      problems.push({ ...d, ...locate(doc, lc, d.path) });
    }
    return { raw: value, problems };
  }
  return { value: value as T, problems };
}

/** Reads and validates a file, throwing one HarnessError that lists every problem. */
export async function loadDataFile<T>(
  file: string,
  schema: object,
  what: string,
  extraChecks: (value: T) => Problem[] = () => [],
): Promise<T> {
  let text: string;
  try {
    const size = (await stat(file)).size;
    if (size > MAX_DATA_FILE_BYTES)
      throw new HarnessError(
        'CONFIG_TOO_LARGE',
        `the ${what} ${file} is ${(size / 1024 / 1024).toFixed(1)} MiB; at most ${MAX_DATA_FILE_BYTES / 1024 / 1024} MiB is read`,
        { where: file, hint: `is this the right file? a ${what} is a few kilobytes of YAML` },
      );
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof HarnessError) throw err;
    throw new HarnessError('CONFIG_UNREADABLE', `cannot read the ${what} ${file}`, {
      cause: err,
      hint: 'check the path (relative paths are resolved from the current directory)',
    });
  }
  const { value, raw, problems } = parseAndValidate<T>(text, schema);
  // Semantic checks also run on a schema-invalid file, so one pass reports everything; on a
  // shape they cannot read they give up quietly (the schema problems already explain it).
  let extra: Problem[];
  try {
    extra = extraChecks((value ?? raw) as T);
  } catch {
    extra = [];
  }
  const all = [...problems, ...extra];
  if (all.length || value === undefined) {
    throw new HarnessError(
      'CONFIG_INVALID',
      `the ${what} ${file} has ${all.length} problem${all.length === 1 ? '' : 's'}`,
      {
        details: formatProblems(file, all),
        hint: `fix every listed field; docs/run.md describes the ${what} format`,
      },
    );
  }
  return value;
}

/**
 * Time-compressed rules (pure): a copy of a rule file whose `for` and PromQL range windows
 * are divided by a factor (factor 20: `[5m]` → `[15s]`, `for: 2m` → `for: 6s`), so the live
 * check sees every alert fire and resolve in seconds. The copy says so: a header comment and
 * the annotation `harness_time_compression` on every alert (it reaches Alertmanager and the
 * receiver). Verdicts on such rules are behaviour, not spec fidelity.
 */
import { parse, stringify } from 'yaml';
import { HarnessError } from '../util/errors.ts';
import { formatDuration, parseDuration } from '../util/duration.ts';

export const COMPRESSION_ANNOTATION = 'harness_time_compression';
export const DEFAULT_COMPRESSION = 20;

function scale(text: string, factor: number, where: string): string {
  const s = parseDuration(text);
  const scaled = s === undefined ? NaN : s / factor;
  if (!Number.isInteger(scaled) || scaled < 1) {
    throw new HarnessError(
      'CONFIG_BAD_COMPRESSION',
      `${where}: ${text} / ${factor} is not a whole number of seconds ≥ 1`,
      {
        hint: 'choose a factor that divides every window and `for` into whole seconds (20: 5m → 15s)',
      },
    );
  }
  return formatDuration(scaled);
}

interface RuleDoc {
  groups?: Array<{ name?: string; rules?: Array<Record<string, unknown>> }>;
}

/** The compressed copy's YAML text. Only `[duration]` range selectors are scaled (no subqueries). */
export function compressRules(text: string, factor: number, source = 'rules'): string {
  if (!Number.isInteger(factor) || factor < 1) {
    throw new HarnessError('CONFIG_BAD_COMPRESSION', `compression factor ${factor} is not a whole number ≥ 1`);
  }
  const doc = parse(text) as RuleDoc;
  for (const g of doc?.groups ?? []) {
    for (const r of g.rules ?? []) {
      const name = String(r.alert ?? r.record ?? '?');
      if (typeof r.expr === 'string') {
        if (/\[[^\]]*:[^\]]*\]/.test(r.expr)) {
          throw new HarnessError('CONFIG_BAD_COMPRESSION', `${name}: subqueries are not compressed`);
        }
        r.expr = r.expr.replace(
          /\[\s*([0-9][0-9a-z.]*)\s*\]/g,
          (_m, d: string) => `[${scale(d, factor, `${name} window`)}]`,
        );
      }
      if (typeof r.for === 'string') r.for = scale(r.for, factor, `${name} for`);
      if (r.alert !== undefined) {
        r.annotations = {
          ...((r.annotations as Record<string, string> | undefined) ?? {}),
          [COMPRESSION_ANNOTATION]: String(factor),
        };
      }
    }
  }
  return (
    `# slo-harness: TIME-COMPRESSED copy of ${source} (factor ${factor}): every \`for\` and range\n` +
    `# window divided by ${factor}. Verifies alert behaviour, not spec fidelity.\n` +
    stringify(doc, { lineWidth: 0 })
  );
}

/** The compression factor a rule file declares (undefined: not compressed). */
export function compressionOf(text: string): number | undefined {
  const m = /^# slo-harness: TIME-COMPRESSED copy of .* \(factor (\d+)\)/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

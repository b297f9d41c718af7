import { HarnessError, errorMessage } from '../util/errors.ts';
import { jsonReporter } from './json.ts';
import { junitReporter } from './junit.ts';
import { markdownReporter } from './markdown.ts';
import type { Reporter, RunReportData } from './reporter.ts';

/** Every report format by name: `--reporter` picks from here; the default is all of them. */
export const REPORTERS: readonly Reporter[] = [jsonReporter, junitReporter, markdownReporter];

export const REPORTER_NAMES = REPORTERS.map((r) => r.name);

/** `--reporter json,junit` (repeatable, comma-separated) as reporters; none named means all. */
export function reportersNamed(names: readonly string[] | undefined): Reporter[] {
  if (!names || names.length === 0) return [...REPORTERS];
  const unknown = names.filter((n) => !REPORTER_NAMES.includes(n));
  if (unknown.length) {
    throw new HarnessError('CONFIG_REPORTER', `unknown reporter ${unknown.map((n) => `"${n}"`).join(', ')}`, {
      hint: `choose from ${REPORTER_NAMES.join(', ')} (comma-separated; default all)`,
    });
  }
  return REPORTERS.filter((r) => names.includes(r.name));
}

export interface ReporterFailure {
  reporter: string;
  message: string;
}

export interface WrittenReports {
  files: string[];
  failures: ReporterFailure[];
}

/**
 * Runs each reporter on its own: one that throws is recorded (onFailure: a warning, an event)
 * and the others still write. The verdicts are already decided: a report that cannot be
 * written never changes them.
 */
export async function writeReports(
  reporters: readonly Reporter[],
  data: RunReportData,
  dir: string,
  onFailure?: (f: ReporterFailure) => void,
): Promise<WrittenReports> {
  const out: WrittenReports = { files: [], failures: [] };
  for (const r of reporters) {
    try {
      out.files.push(...(await r.write(data, dir)));
    } catch (err) {
      const f = { reporter: r.name, message: errorMessage(err) };
      out.failures.push(f);
      onFailure?.(f);
    }
  }
  return out;
}

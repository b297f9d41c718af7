/**
 * promtool's answer to the generated cases → one verdict per spec alert (pure). The verdict
 * names the alert, the failing case, the evaluation time and what differed (fired / did not
 * fire / which label or annotation), with promtool's own output as evidence.
 */
import type { Verdict } from '../model/verdict.ts';
import type { AlertModel } from './model.ts';
import type { Case } from './cases.ts';

export interface PromtoolRun {
  command: string;
  code: number | null;
  output: string;
}

export interface PromtoolFailure {
  test: string;
  alertname: string;
  time: string;
  expected: Array<Record<string, string>>;
  got: Array<Record<string, string>>;
}

/** `{a="x", b="y"}` → {a:'x', b:'y'} (promtool prints Go-quoted values). */
function parseLabelBlock(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
    out[m[1]!] = JSON.parse(`"${m[2]!}"`) as string;
  }
  return out;
}

function parseAlerts(block: string): Array<Record<string, string>> {
  const alerts: Array<Record<string, string>> = [];
  for (const m of block.matchAll(/Labels:\{(.*)\}\s*\n\s*Annotations:\{(.*)\}/g)) {
    const labels = parseLabelBlock(m[1]!);
    const ann = parseLabelBlock(m[2]!);
    alerts.push({ ...labels, ...Object.fromEntries(Object.entries(ann).map(([k, v]) => [`annotation ${k}`, v])) });
  }
  return alerts;
}

/** The failures promtool 2.x prints under `FAILED:` (name, alertname, time, exp, got). */
export function parsePromtoolFailures(output: string): PromtoolFailure[] {
  const out: PromtoolFailure[] = [];
  const re =
    /name: (.*),\s*\n\s*alertname: (\S+), time: (\S+),\s*\n\s*exp:([\s\S]*?)got:([\s\S]*?)(?=\n\s*name: |\n\s*$|$)/g;
  for (const m of output.matchAll(re)) {
    out.push({
      test: m[1]!.trim(),
      alertname: m[2]!,
      time: m[3]!,
      expected: parseAlerts(m[4]!),
      got: parseAlerts(m[5]!),
    });
  }
  return out;
}

/** One line saying what differed at one evaluation. */
export function describeFailure(f: PromtoolFailure): string {
  const caseName = /^\S+ (\S+):/.exec(f.test)?.[1] ?? f.test;
  if (f.expected.length > 0 && f.got.length === 0) return `${caseName}: expected firing at ${f.time}, it did not fire`;
  if (f.expected.length === 0 && f.got.length > 0) return `${caseName}: fired at ${f.time}, expected not firing`;
  const e = f.expected[0] ?? {};
  const g = f.got[0] ?? {};
  const keys = [...new Set([...Object.keys(e), ...Object.keys(g)])].filter((k) => e[k] !== g[k]);
  const diffs = keys.map((k) => `${k} expected ${JSON.stringify(e[k] ?? null)} got ${JSON.stringify(g[k] ?? null)}`);
  return `${caseName}: at ${f.time} ${diffs.join('; ') || 'alerts differ'}`;
}

export interface RulesTestInput {
  model: AlertModel;
  requirement: string;
  cases: Case[];
  rulesFile: string;
  specFile: string;
  run: PromtoolRun;
  /** The rules are a time-compressed copy: behaviour, not spec fidelity. */
  compressed?: boolean;
}

const MAX_OUTPUT = 8000;

export function rulesTestVerdict(input: RulesTestInput): Verdict {
  const { model, requirement, cases, run } = input;
  const id = `${requirement.toLowerCase()}-promtool-cases`;
  const failures = parsePromtoolFailures(run.output).filter((f) => f.alertname === model.alert);
  const passed = run.code === 0 && /SUCCESS/.test(run.output);
  const failedCases = [...new Set(failures.map((f) => /^\S+ (\S+):/.exec(f.test)?.[1] ?? f.test))];
  // First difference per case: what a person needs; the full list stays in details.
  const firstPerCase = failedCases.map((c) => {
    const first = describeFailure(failures.find((f) => f.test.includes(` ${c}:`))!);
    const onset = cases.find((x) => x.name === c)?.predicted.find((p) => p.condition)?.t;
    // Timing failures point at threshold, window or `for`: say when the modelled breach began.
    return onset !== undefined && /did not fire|expected not firing/.test(first)
      ? `${first} (modelled condition true from ${onset}s, for ${model.forSeconds}s)`
      : first;
  });
  const summary = passed
    ? `${model.alert}: ${cases.length}/${cases.length} promtool cases pass (fires after ${model.forSeconds}s past ${model.cmp} ${model.threshold}, not when shorter or at the threshold, resolves; labels and annotations as specified)`
    : failures.length > 0
      ? `${model.alert}: ${failedCases.length} of ${cases.length} cases fail — ${firstPerCase.join('; ')}`
      : `${model.alert}: promtool rejected the rules (exit ${run.code}): ${run.output.trim().split('\n').slice(-3).join(' ')}`;
  return {
    checkId: id,
    title: `${model.alert} fires, holds and resolves as specified (promtool, generated cases)`,
    requirements: [requirement],
    severity: 'gate',
    outcome: passed ? 'pass' : 'fail',
    summary: input.compressed ? `${summary} [compressed rules]` : summary,
    observed: passed
      ? `${cases.length}/${cases.length} cases pass`
      : `${failedCases.length || cases.length} of ${cases.length} cases fail`,
    expected: `${model.cmp} ${model.threshold} over [${model.windowSeconds}s] for ${model.forSeconds}s; labels ${JSON.stringify(model.labels)}`,
    queries: [model.expr.trim()],
    links: [],
    details: {
      rulesFile: input.rulesFile,
      specFile: input.specFile,
      compressed: input.compressed === true,
      command: run.command,
      exitCode: run.code,
      cases: cases.map((c) => ({
        name: c.name,
        title: c.title,
        intervalSeconds: c.intervalSeconds,
        evaluations: c.predicted.length,
        firingEvaluations: c.predicted.filter((p) => p.state === 'firing').length,
        failedAt: failures.filter((f) => f.test.includes(` ${c.name}:`)).map((f) => f.time),
      })),
      differences: failures.map(describeFailure),
      promtoolOutput: run.output.length > MAX_OUTPUT ? `${run.output.slice(0, MAX_OUTPUT)}\n… (truncated)` : run.output,
    },
  };
}

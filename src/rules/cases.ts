/**
 * promtool `test rules` cases generated from an alert's SLI model (pure). Per alert:
 *   breach-fires   a breach just past the threshold: no alert while pending, firing exactly
 *                  `for` after the condition first holds (the `for` + one evaluation-th
 *                  evaluation), labels and rendered annotations as specified, and no firing
 *                  alert once the window has recovered;
 *   short-breach   the condition holds for one evaluation less: never fires;
 *   at-threshold   the SLI sits exactly on the threshold: never fires (strict comparators).
 * Every evaluation of each case is asserted (promtool compares firing alerts only, so
 * "not firing" is an empty exp_alerts).
 */
import { stringify } from 'yaml';
import { HarnessError } from '../util/errors.ts';
import type { AlertModel } from './model.ts';
import { compare, expectedAlert, inputSeries, simulate, valueOf, type Step } from './sim.ts';

export type CaseName = 'breach-fires' | 'short-breach' | 'at-threshold';

export interface Case {
  name: CaseName;
  /** What it shows, for reports. */
  title: string;
  intervalSeconds: number;
  /** Per-step component counts (step 0 adds nothing). */
  steps: number[][];
  predicted: Step[];
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** Sample and evaluation interval: the largest whole-second divisor of window and `for` with ≥5 samples per window. */
export function caseInterval(model: AlertModel): number {
  const w = model.windowSeconds;
  const g = model.forSeconds > 0 ? gcd(w, model.forSeconds) : w;
  if (!Number.isInteger(w) || !Number.isInteger(g)) {
    throw new HarnessError('ALERT_MODEL_UNSUPPORTED', `${model.alert}: window and for must be whole seconds`);
  }
  for (let d = g; d >= 1; d--) if (g % d === 0 && w / d >= 5) return d;
  throw new HarnessError('ALERT_MODEL_UNSUPPORTED', `${model.alert}: window ${w}s too short for 5 samples`);
}

interface Levels {
  healthy: number[];
  atThreshold: number[];
  justPast: number[];
  severe: number[];
}

/** Per-interval counts at the levels the cases use; N is chosen so the threshold is a whole count. */
export function levels(model: AlertModel): Levels {
  const { threshold: t, cmp } = model;
  const frac = model.sli.kind === 'ratio' ? t : model.sli.q;
  let N = 0;
  for (const candidate of [100, 1000, 10_000, 100_000, 1_000_000]) {
    if (Math.abs(frac * candidate - Math.round(frac * candidate)) < 1e-9) {
      N = candidate;
      break;
    }
  }
  if (N === 0)
    throw new HarnessError('ALERT_MODEL_UNSUPPORTED', `${model.alert}: ${frac} is not a whole share of 10^k`);
  const k = Math.round(frac * N);
  if (model.sli.kind === 'ratio') {
    const low = cmp === '<' || cmp === '<=';
    if ((low && k < 1) || (!low && k > N - 1)) {
      throw new HarnessError('ALERT_MODEL_UNSUPPORTED', `${model.alert}: threshold ${t} leaves no breaching ratio`);
    }
    const share = (num: number) => [num, N - num];
    return {
      healthy: share(low ? N : 0),
      atThreshold: share(k),
      justPast: share(low ? k - 1 : k + 1),
      severe: share(low ? 0 : N),
    };
  }
  if (cmp === '<' || cmp === '<=') {
    throw new HarnessError('ALERT_MODEL_UNSUPPORTED', `${model.alert}: a quantile alert must fire above its threshold`);
  }
  return {
    healthy: [N, 0, 0, 0],
    atThreshold: [0, k, N - k, 0],
    justPast: [0, k - 1, N - k + 1, 0],
    severe: [0, 0, 0, N],
  };
}

const repeat = (level: number[], times: number) => Array.from({ length: times }, () => [...level]);

/** The cases of one alert, each checked against its own intent before it is handed out. */
export function buildCases(model: AlertModel): Case[] {
  const i = caseInterval(model);
  const n = model.windowSeconds / i;
  const f = model.forSeconds / i;
  const L = levels(model);
  const zero = L.healthy.map(() => 0);
  const lead = [zero, ...repeat(L.healthy, n)];
  const mk = (name: CaseName, title: string, steps: number[][]): Case => ({
    name,
    title,
    intervalSeconds: i,
    steps,
    predicted: simulate(model, i, steps),
  });

  const exact = valueOf(
    model,
    L.atThreshold.map((c) => c * n),
  );
  if (exact !== model.threshold) {
    throw new HarnessError(
      'ALERT_MODEL_UNSUPPORTED',
      `${model.alert}: cannot place the SLI exactly on ${model.threshold} (got ${exact})`,
    );
  }
  const cases = [
    mk(
      'breach-fires',
      `a breach just past the threshold fires once it has held for ${model.forSeconds}s, then resolves`,
      [...lead, ...repeat(L.justPast, n + f + 2), ...repeat(L.healthy, n + 3)],
    ),
    mk('at-threshold', `the SLI exactly at the threshold (${model.threshold}) does not fire`, [
      ...lead,
      ...repeat(L.atThreshold, n + f + 2),
      ...repeat(L.healthy, 2),
    ]),
  ];
  if (f >= 1)
    cases.splice(
      1,
      0,
      mk(
        'short-breach',
        `a breach holding one evaluation short of ${model.forSeconds}s does not fire`,
        shortBreach(model, lead, L, n, f),
      ),
    );

  for (const c of cases) assertIntent(model, c, f);
  return cases;
}

/** The condition holds for exactly f evaluations: severe samples, then (if needed) a dilution. */
function shortBreach(model: AlertModel, lead: number[][], L: Levels, n: number, f: number): number[][] {
  const severe = repeat(L.severe, Math.max(1, f - n + 1));
  const after = repeat(L.healthy, n + 2);
  if (f >= n) return [...lead, ...severe, ...repeat(L.healthy, f - severe.length), ...after];
  // The severe sample stays in the window longer than f evaluations: outweigh it with a
  // burst of healthy traffic at the f-th evaluation (doubling until the condition clears).
  for (let d = 2; d < 2 ** 31; d *= 2) {
    const steps = [...lead, ...severe, ...repeat(L.healthy, f - 1), L.healthy.map((c) => c * d), ...after];
    const pred = simulate(model, model.windowSeconds / n, steps);
    if (!pred[lead.length + f]!.condition) return steps;
  }
  throw new HarnessError('ALERT_MODEL_UNSUPPORTED', `${model.alert}: cannot end a short breach`);
}

function assertIntent(model: AlertModel, c: Case, f: number): void {
  const firing = c.predicted.filter((s) => s.state === 'firing').length;
  const onset = c.predicted.findIndex((s) => s.condition);
  const ok =
    c.name === 'breach-fires'
      ? onset > 0 && c.predicted[onset + f]?.state === 'firing' && c.predicted.at(-1)!.state === 'inactive'
      : c.name === 'short-breach'
        ? firing === 0 && c.predicted.filter((s) => s.condition).length === f
        : firing === (compare(model.cmp, model.threshold, model.threshold) ? firing : 0);
  if (!ok)
    throw new HarnessError('ALERT_MODEL_INTERNAL', `${model.alert}: case ${c.name} does not show what it should`);
}

// ───────────────────────────── promtool files ─────────────────────────────

function seriesText(labels: Record<string, string>): string {
  const { __name__, ...rest } = labels;
  const body = Object.entries(rest)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',');
  return `${__name__}{${body}}`;
}

/** The promtool unit-test document for one alert's cases against `rulesFile`. */
export function promtoolTestFile(model: AlertModel, rulesFile: string, cases: Case[] = buildCases(model)): string {
  const series = inputSeries(model);
  const interval = cases[0]?.intervalSeconds ?? 60;
  const doc = {
    rule_files: [rulesFile],
    evaluation_interval: `${interval}s`,
    tests: cases.map((c) => ({
      name: `${model.alert} ${c.name}: ${c.title}`,
      interval: `${c.intervalSeconds}s`,
      input_series: series.map((s) => {
        let v = 0;
        const values = c.steps.map((step) => {
          v += s.components.reduce((acc, j) => acc + (step[j] ?? 0), 0) * model.windowSeconds;
          return v;
        });
        return { series: seriesText(s.labels), values: values.join(' ') };
      }),
      alert_rule_test: c.predicted.map((p) => ({
        eval_time: `${p.t}s`,
        alertname: model.alert,
        exp_alerts:
          p.state === 'firing'
            ? [
                (() => {
                  const e = expectedAlert(model, p.value);
                  return { exp_labels: e.labels, exp_annotations: e.annotations };
                })(),
              ]
            : [],
      })),
    })),
  };
  return stringify(doc, { lineWidth: 0 });
}

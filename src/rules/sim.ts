/**
 * Predicts, evaluation by evaluation, what Prometheus does with an alert rule given synthetic
 * counters (pure). The model follows Prometheus 2.x (Debian's 2.42): a range selector
 * [t-W, t] is closed on both ends, so with samples and evaluations on the same grid
 * `rate()` is (v(t) - v(t-W)) / W with no extrapolation. Counters grow by `count × W` per
 * sample, so every rate is an exact integer and every ratio one correctly rounded division —
 * the same double Go computes.
 */
import type { AlertModel, Cmp, Matcher, Selector } from './model.ts';
import { HarnessError } from '../util/errors.ts';
import { renderAnnotation } from './template.ts';

export interface InputSeries {
  labels: Record<string, string>;
  /** Which step components add up to this series' per-step count. */
  components: number[];
}

/** Label values tried when a regex matcher needs a concrete value (then a generic one). */
const VOCABULARY: Record<string, string[]> = {
  code: ['200', '500', '404'],
  status: ['failed', 'success', 'error'],
};

function matches(m: Matcher, value: string): boolean {
  // Prometheus regexes are fully anchored.
  const re = (v: string) => new RegExp(`^(?:${m.value})$`).test(v);
  switch (m.op) {
    case '=':
      return value === m.value;
    case '!=':
      return value !== m.value;
    case '=~':
      return re(value);
    case '!~':
      return !re(value);
  }
}

function candidates(m: Matcher): string[] {
  const fromRegex = m.op === '=~' ? [m.value.split('|')[0]!.replace(/\./g, '0')] : [];
  return [...(m.op === '=' ? [m.value] : []), ...(VOCABULARY[m.label] ?? []), ...fromRegex, 'other'];
}

/** A label set satisfying every matcher of `sel` (and, when given, violating one of `not`). */
export function labelsFor(alert: string, sel: Selector, not?: Selector): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const m of sel.matchers) {
    const v = candidates(m).find((c) => matches(m, c));
    if (v === undefined)
      throw new HarnessError('ALERT_MODEL_UNSUPPORTED', `${alert}: no value satisfies ${m.label}${m.op}"${m.value}"`);
    labels[m.label] = v;
  }
  if (not) {
    // Violate a numerator matcher on a label the denominator leaves free (code="500").
    const m = not.matchers.find((x) => !(x.label in labels));
    const v = m && candidates(m).find((c) => !matches(m, c));
    if (m && v !== undefined) labels[m.label] = v;
    else if (not.matchers.every((x) => matches(x, labels[x.label] ?? ''))) {
      throw new HarnessError(
        'ALERT_MODEL_UNSUPPORTED',
        `${alert}: no series is in the denominator but not the numerator`,
      );
    }
  }
  return labels;
}

/** The bucket bounds the model uses: the threshold and its half and double. */
export function bucketBounds(model: AlertModel): number[] {
  return [model.threshold / 2, model.threshold, model.threshold * 2];
}

/**
 * The input series of a model. Ratio: component 0 = numerator series, 1 = denominator-only
 * series. Quantile: component j = observations in bucket j (≤ τ/2, ≤ τ, ≤ 2τ, +Inf); the
 * `le` series are cumulative.
 */
export function inputSeries(model: AlertModel): InputSeries[] {
  const { sli } = model;
  if (sli.kind === 'ratio') {
    if (sli.num.metric !== sli.den.metric) {
      throw new HarnessError(
        'ALERT_MODEL_UNSUPPORTED',
        `${model.alert}: numerator and denominator are different metrics`,
      );
    }
    const num = labelsFor(model.alert, {
      metric: sli.num.metric,
      matchers: [...sli.den.matchers, ...sli.num.matchers],
    });
    const other = labelsFor(model.alert, sli.den, sli.num);
    return [
      { labels: { __name__: sli.num.metric, ...num }, components: [0] },
      { labels: { __name__: sli.den.metric, ...other }, components: [1] },
    ];
  }
  const base = labelsFor(model.alert, sli.bucket);
  const les = [...bucketBounds(model).map(String), '+Inf'];
  return les.map((le, j) => ({
    labels: { __name__: sli.bucket.metric, ...base, le },
    components: Array.from({ length: j + 1 }, (_, i) => i),
  }));
}

export function compare(cmp: Cmp, a: number, b: number): boolean {
  return cmp === '<' ? a < b : cmp === '<=' ? a <= b : cmp === '>' ? a > b : a >= b;
}

/** Prometheus 2.42's bucketQuantile for cumulative counts per upper bound (last = +Inf). */
export function bucketQuantile(q: number, bounds: number[], cumulative: number[]): number {
  const total = cumulative.at(-1) ?? 0;
  if (cumulative.length < 2 || Number.isNaN(total)) return NaN;
  let rank = q * total;
  let b = cumulative.findIndex((c, i) => i < cumulative.length - 1 && c >= rank);
  if (b === -1) b = cumulative.length - 1;
  if (b === cumulative.length - 1) return bounds[bounds.length - 1]!;
  if (b === 0 && bounds[0]! <= 0) return bounds[0]!;
  let start = 0;
  let count = cumulative[b]!;
  if (b > 0) {
    start = bounds[b - 1]!;
    count -= cumulative[b - 1]!;
    rank -= cumulative[b - 1]!;
  }
  return start + (bounds[b]! - start) * (rank / count);
}

/** One evaluation's prediction. */
export interface Step {
  /** Seconds from the start. */
  t: number;
  value: number;
  condition: boolean;
  state: 'inactive' | 'pending' | 'firing';
}

/** The expression's value at each step, from per-step component counts (step 0 adds nothing). */
export function simulate(model: AlertModel, intervalSeconds: number, steps: number[][]): Step[] {
  const n = Math.round(model.windowSeconds / intervalSeconds);
  const out: Step[] = [];
  let activeSince: number | undefined;
  for (let k = 0; k < steps.length; k++) {
    let value = NaN;
    if (k >= 1) {
      const sums = (steps[0] ?? []).map(() => 0);
      for (let j = Math.max(1, k - n + 1); j <= k; j++)
        (steps[j] ?? []).forEach((c, i) => (sums[i] = (sums[i] ?? 0) + c));
      value = valueOf(model, sums);
    }
    const condition = !Number.isNaN(value) && compare(model.cmp, value, model.threshold);
    if (condition && activeSince === undefined) activeSince = k;
    if (!condition) activeSince = undefined;
    const state =
      activeSince === undefined
        ? 'inactive'
        : (k - activeSince) * intervalSeconds >= model.forSeconds
          ? 'firing'
          : 'pending';
    out.push({ t: k * intervalSeconds, value, condition, state });
  }
  return out;
}

/** The expression's value from window sums of the components (rates = sums, see above). */
export function valueOf(model: AlertModel, sums: number[]): number {
  if (model.sli.kind === 'ratio') {
    const num = sums[0] ?? 0;
    return num / (num + (sums[1] ?? 0));
  }
  const cumulative: number[] = [];
  sums.forEach((s, i) => cumulative.push((cumulative[i - 1] ?? 0) + s));
  return bucketQuantile(model.sli.q, bucketBounds(model), cumulative);
}

/** The labels and annotations Prometheus attaches to a firing alert of this model. */
export function expectedAlert(
  model: AlertModel,
  value: number,
): { labels: Record<string, string>; annotations: Record<string, string> } {
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(model.annotations))
    annotations[k] = renderAnnotation(v, value, `${model.alert} ${k}`);
  return { labels: { ...model.labels }, annotations };
}

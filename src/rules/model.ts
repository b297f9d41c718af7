/**
 * A small model of each spec alert's SLI, extracted from the rule's PromQL (pure). It knows
 * the input series, the range window, the comparator and threshold, `for`, the labels and
 * the annotation templates — enough to generate promtool cases and to predict, sample by
 * sample, what Prometheus must do with them.
 *
 * The extraction recognises exactly the two expression shapes the spec uses (anything else
 * is an UNSUPPORTED error naming the alert, never a guess):
 *   ratio:    ( sum(rate(NUM[W])) / sum(rate(DEN[W])) ) CMP T
 *   quantile: histogram_quantile(Q, sum(rate(BUCKET[W])) by (le)) CMP T
 * Selectors are `metric{label OP "value", …}` with OP in = != =~ !~ (values without `}`).
 */
import { HarnessError } from '../util/errors.ts';
import { parseDuration } from '../util/duration.ts';
import { parse } from 'yaml';

export type Cmp = '<' | '<=' | '>' | '>=';
export interface Matcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}
export interface Selector {
  metric: string;
  matchers: Matcher[];
}

export type Sli = { kind: 'ratio'; num: Selector; den: Selector } | { kind: 'quantile'; q: number; bucket: Selector };

export interface AlertModel {
  alert: string;
  expr: string;
  sli: Sli;
  windowSeconds: number;
  cmp: Cmp;
  threshold: number;
  forSeconds: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export const SPEC_GROUP = 'imageflow-slo-alerts';
/** The spec's alerts and the requirement each one is (REQUIREMENTS.md AL-1…AL-3). */
export const SPEC_ALERTS = [
  { alert: 'APIAvailabilitySLOBreach', requirement: 'AL-1' },
  { alert: 'APILatencySLOBreach', requirement: 'AL-2' },
  { alert: 'PipelineErrorRateSLOBreach', requirement: 'AL-3' },
] as const;

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SEL = `${NAME}(?:\\s*\\{[^}]*\\})?`;
const DUR = '[0-9][0-9a-z.]*';
const NUM = '[-+]?[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?';
const CMP = '<=|>=|<|>';
const RATE = `sum\\s*\\(\\s*rate\\s*\\(\\s*(${SEL})\\s*\\[\\s*(${DUR})\\s*\\]\\s*\\)\\s*\\)`;
const RATIO = new RegExp(`^\\(?\\s*${RATE}\\s*/\\s*${RATE}\\s*\\)?\\s*(${CMP})\\s*(${NUM})$`);
const QUANTILE = new RegExp(
  `^histogram_quantile\\s*\\(\\s*(${NUM})\\s*,\\s*${RATE}\\s*by\\s*\\(\\s*le\\s*\\)\\s*\\)\\s*(${CMP})\\s*(${NUM})$`,
);
const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*$/;

function unsupported(alert: string, why: string): HarnessError {
  return new HarnessError('ALERT_MODEL_UNSUPPORTED', `${alert}: ${why}`, {
    hint: 'the SLI model knows `(sum(rate(A[w])) / sum(rate(B[w]))) CMP T` and `histogram_quantile(q, sum(rate(X_bucket[w])) by (le)) CMP T`',
  });
}

export function parseSelector(text: string, alert = 'selector'): Selector {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{([^}]*)\})?$/.exec(text.trim());
  if (!m) throw unsupported(alert, `cannot read selector ${text}`);
  const body = (m[2] ?? '').trim();
  const matchers: Matcher[] = [];
  // Split on commas outside quotes.
  for (const part of body.match(/(?:[^,"]|"(?:[^"\\]|\\.)*")+/g) ?? []) {
    if (!part.trim()) continue;
    const mm = MATCHER.exec(part);
    if (!mm) throw unsupported(alert, `cannot read matcher ${part.trim()} in ${text}`);
    matchers.push({ label: mm[1]!, op: mm[2] as Matcher['op'], value: JSON.parse(`"${mm[3]!}"`) as string });
  }
  return { metric: m[1]!, matchers };
}

function window(alert: string, a: string, b?: string): number {
  if (b !== undefined && a !== b) throw unsupported(alert, `the two rate windows differ ([${a}] and [${b}])`);
  const s = parseDuration(a);
  if (s === undefined || s <= 0) throw unsupported(alert, `bad range window [${a}]`);
  return s;
}

/** Extracts the SLI of one rule expression. */
export function parseSli(
  alert: string,
  expr: string,
): { sli: Sli; windowSeconds: number; cmp: Cmp; threshold: number } {
  const flat = expr.replace(/\s+/g, ' ').trim();
  const r = RATIO.exec(flat);
  if (r) {
    return {
      sli: { kind: 'ratio', num: parseSelector(r[1]!, alert), den: parseSelector(r[3]!, alert) },
      windowSeconds: window(alert, r[2]!, r[4]!),
      cmp: r[5] as Cmp,
      threshold: Number(r[6]),
    };
  }
  const q = QUANTILE.exec(flat);
  if (q) {
    const bucket = parseSelector(q[2]!, alert);
    if (!bucket.metric.endsWith('_bucket')) throw unsupported(alert, `${bucket.metric} is not a _bucket series`);
    return {
      sli: { kind: 'quantile', q: Number(q[1]), bucket },
      windowSeconds: window(alert, q[3]!),
      cmp: q[4] as Cmp,
      threshold: Number(q[5]),
    };
  }
  throw unsupported(alert, `expression shape not modelled: ${flat}`);
}

interface RuleFile {
  groups?: Array<{ name?: string; rules?: Array<Record<string, unknown>> }>;
}

const strings = (v: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries((v ?? {}) as Record<string, unknown>).map(([k, x]) => [k, String(x)]));

/** The model of every alerting rule of a group in a rule file's text (for: seconds; none = 0). */
export function modelsFromRules(text: string, group = SPEC_GROUP): AlertModel[] {
  const g = (parse(text) as RuleFile | null)?.groups?.find((x) => x.name === group);
  if (!g) throw new HarnessError('ALERT_MODEL_NO_GROUP', `group "${group}" not found`);
  return (g.rules ?? [])
    .filter((r) => typeof r.alert === 'string')
    .map((r) => {
      const alert = String(r.alert);
      const expr = String(r.expr ?? '');
      const forSeconds = typeof r.for === 'string' ? parseDuration(r.for) : 0;
      if (forSeconds === undefined) throw unsupported(alert, `bad for: ${String(r.for)}`);
      return {
        alert,
        expr,
        ...parseSli(alert, expr),
        forSeconds,
        labels: strings(r.labels),
        annotations: strings(r.annotations),
      };
    });
}

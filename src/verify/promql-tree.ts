import type { SyntaxNode } from '@lezer/common';
import { parser } from '@prometheus-io/lezer-promql';
import { parseDuration } from '../util/duration.ts';

/**
 * PromQL read with the official parser (the grammar Prometheus' own UI uses), for what a
 * regex cannot do honestly: the series selectors a query reads (input guards, issue 14) and
 * a comparison of two expressions on their syntax trees (AL-4 rule drift).
 */

export interface PromqlProblem {
  /** 0-based offset of the first syntax error. */
  offset: number;
  message: string;
}

function errorAt(query: string): PromqlProblem | undefined {
  let offset: number | undefined;
  parser.parse(query).iterate({
    enter: (n) => {
      if (offset === undefined && n.type.isError) offset = n.from;
      return offset === undefined;
    },
  });
  return offset === undefined
    ? undefined
    : {
        offset,
        message: `PromQL syntax error at column ${offset + 1}: near ${JSON.stringify(query.slice(offset, offset + 20))}`,
      };
}

const text = (q: string, n: SyntaxNode) => q.slice(n.from, n.to);
const kids = (n: SyntaxNode): SyntaxNode[] => {
  const out: SyntaxNode[] = [];
  for (let c = n.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
};

/**
 * Every distinct series selector the query reads (`metric{matchers}`), in order of appearance.
 * With `keepLabels`, only matchers on those labels are kept: the metric *family* as the
 * target exposes it (`pipeline_executions_total{status=~"failed"}` → `pipeline_executions_total`),
 * which exists whether or not any event of the filtered kind happened.
 */
export function selectorsOf(query: string, opts: { keepLabels?: readonly string[] } = {}): string[] | PromqlProblem {
  const problem = errorAt(query);
  if (problem) return problem;
  const out = new Set<string>();
  parser.parse(query).iterate({
    enter: (n) => {
      if (n.name !== 'VectorSelector') return true;
      out.add(canonSelector(query, n.node, opts.keepLabels));
      return false;
    },
  });
  return [...out];
}

function unquote(s: string): string {
  const body = s.slice(1, -1);
  if (s.startsWith('`')) return body;
  return body.replace(/\\(.)/g, (_m, c: string) => ({ n: '\n', t: '\t' })[c] ?? c);
}

/** `metric{a="x",b=~"y"}` with matchers sorted and quoting made uniform; `{__name__="m"}` → `m`. */
function canonSelector(q: string, n: SyntaxNode, keepLabels?: readonly string[]): string {
  let name = '';
  const matchers: string[] = [];
  for (const c of kids(n)) {
    if (c.name === 'Identifier') name = text(q, c);
    if (c.name !== 'LabelMatchers') continue;
    for (const m of kids(c)) {
      if (!/Matcher$/.test(m.name)) continue;
      const parts = kids(m);
      const label = parts.find((p) => p.name === 'LabelName' || p.name === 'QuotedLabelName');
      const op = parts.find((p) => p.name === 'MatchOp');
      const value = parts.find((p) => p.name === 'StringLiteral');
      const labelText = label ? (label.name === 'QuotedLabelName' ? unquote(text(q, label)) : text(q, label)) : '';
      const valueText = value ? unquote(text(q, value)) : '';
      const opText = op ? text(q, op) : '=';
      if (labelText === '__name__' && opText === '=' && !name) name = valueText;
      else if (!label && value)
        name = valueText; // {"metric"} (quoted name, Prometheus 3)
      else if (!keepLabels || keepLabels.includes(labelText))
        matchers.push(`${labelText}${opText}${JSON.stringify(valueText)}`);
    }
  }
  matchers.sort();
  return matchers.length ? `${name}{${matchers.join(',')}}` : name;
}

/**
 * A canonical rendering of the syntax tree: whitespace, parentheses, matcher order,
 * quoting, the position of `by (…)`, grouping label order and duration spelling (`300s` =
 * `5m`) do not matter; every other difference does.
 */
export function canonicalPromql(query: string): string | PromqlProblem {
  const problem = errorAt(query);
  if (problem) return problem;
  const top = parser.parse(query).topNode;
  return canon(query, top);
}

function canon(q: string, n: SyntaxNode): string {
  switch (n.name) {
    case 'PromQL':
    case 'ParenExpr':
      return kids(n)
        .map((c) => canon(q, c))
        .join('');
    case 'VectorSelector':
      return canonSelector(q, n);
    case 'NumberDurationLiteral':
    case 'NumberDurationLiteralInDurationContext':
    case 'Duration':
    case 'DurationExpr': {
      const t = text(q, n);
      const d = parseDuration(t);
      if (/[a-z]/i.test(t) && d !== undefined) return `${d}s`;
      const num = Number(t);
      return Number.isNaN(num) ? t : String(num);
    }
    case 'StringLiteral':
      return JSON.stringify(unquote(text(q, n)));
    case 'GroupingLabels':
      return `(${kids(n)
        .map((c) => text(q, c))
        .sort()
        .join(',')})`;
    case 'AggregateExpr': {
      // `sum by (x) (e)` and `sum (e) by (x)` are one expression.
      const parts = kids(n);
      const op = parts.find((c) => c.name === 'AggregateOp');
      const mod = parts.find((c) => c.name === 'AggregateModifier');
      const body = parts.find((c) => c.name === 'FunctionCallBody');
      return `${op ? text(q, op).toLowerCase() : '?'}${mod ? ` ${canon(q, mod)}` : ''}${body ? canon(q, body) : '()'}`;
    }
    default: {
      const parts = kids(n);
      // Keywords (sum, by, bool, on, offset…) are case-insensitive; names are not.
      if (parts.length === 0) return /Name$|Identifier$/.test(n.name) ? text(q, n) : text(q, n).toLowerCase();
      const inner = parts.map((c) => canon(q, c));
      if (n.name === 'FunctionCallBody') return `(${inner.join(',')})`;
      if (n.name === 'MatrixSelector') return `${inner[0] ?? ''}[${inner.slice(1).join('')}]`;
      return inner.join(' ');
    }
  }
}

/** What an expression is made of, named, so a difference can be told in words. */
function facts(query: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (kind: string, v: string) => out.set(kind, [...(out.get(kind) ?? []), v]);
  parser.parse(query).iterate({
    enter: (n) => {
      const node = n.node;
      if (n.name === 'VectorSelector') {
        add('selector', canonSelector(query, node));
        return false;
      }
      if (n.name === 'MatrixSelector') {
        const dur = kids(node).slice(1);
        add('range', `[${dur.map((d) => text(query, d)).join('')}]`);
      }
      if (n.name === 'FunctionIdentifier') add('function', text(query, node));
      if (n.name === 'AggregateOp') add('aggregation', text(query, node).toLowerCase());
      if (n.name === 'AggregateModifier') add('grouping', canon(query, node));
      if (n.name === 'NumberDurationLiteral' && node.parent?.name === 'BinaryExpr') add('number', text(query, node));
      if (['Gtr', 'Lss', 'Gte', 'Lte', 'Eql', 'Neq'].includes(n.name)) add('comparison', text(query, node));
      if (['Add', 'Sub', 'Mul', 'Div', 'Mod', 'Pow', 'And', 'Or', 'Unless'].includes(n.name))
        add('operator', text(query, node));
      return true;
    },
  });
  return out;
}

const KIND_WORDS: Record<string, string> = {
  selector: 'series selector (metric or matcher)',
  range: 'range',
  function: 'function',
  aggregation: 'aggregation',
  grouping: 'grouping',
  number: 'threshold/number',
  comparison: 'comparison',
  operator: 'operator',
};

/**
 * Whether two expressions are the same PromQL, and if not, each difference named
 * (`threshold/number: 99.9 → 99.5`). Structure-only changes are reported as such.
 */
export function comparePromql(
  expected: string,
  actual: string,
): { equal: true } | { equal: false; differences: string[] } | PromqlProblem {
  const a = canonicalPromql(expected);
  if (typeof a !== 'string') return a;
  const b = canonicalPromql(actual);
  if (typeof b !== 'string') return b;
  if (a === b) return { equal: true };
  const fa = facts(expected);
  const fb = facts(actual);
  const differences: string[] = [];
  for (const kind of Object.keys(KIND_WORDS)) {
    const left = [...(fa.get(kind) ?? [])];
    const right = [...(fb.get(kind) ?? [])];
    const gone = left.filter((v) => {
      const i = right.indexOf(v);
      if (i < 0) return true;
      right.splice(i, 1);
      return false;
    });
    if (gone.length || right.length)
      differences.push(`${KIND_WORDS[kind]}: ${gone.join(', ') || '(none)'} → ${right.join(', ') || '(none)'}`);
  }
  if (!differences.length) differences.push(`structure: ${a} → ${b}`);
  return { equal: false, differences };
}

/**
 * Prometheus returns a rule's expression re-printed from its syntax tree, so the loaded
 * text differs from the file in whitespace and label-matcher order. This normalises both
 * sides without a PromQL parser: drop whitespace outside string literals, sort the matchers
 * inside each `{…}`. Anything else that differs is real drift.
 */
export function normalisePromQL(expr: string): string {
  let out = '';
  let quote: string | undefined;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i]!;
    if (quote) {
      if (c === '\\') {
        out += c + (expr[++i] ?? '');
      } else if (c === quote) {
        out += '"';
        quote = undefined;
      } else out += c;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      quote = c;
      out += '"';
      continue;
    }
    if (!/\s/.test(c)) out += c;
  }
  const sorted = out.replace(/\{([^{}]*)\}/g, (_m, inner: string) => `{${splitMatchers(inner).sort().join(',')}}`);
  return prefixGrouping(sorted);
}

const AGGREGATORS = /(sum|avg|min|max|count|group|stddev|stdvar|topk|bottomk|quantile|count_values)\($/;

/**
 * Prometheus prints `sum(x) by (le)` as `sum by (le) (x)`; move every postfix grouping
 * clause in front of its argument list (on whitespace-free text) so both forms compare equal.
 */
function prefixGrouping(expr: string): string {
  for (let i = 0; i < expr.length; i++) {
    if (expr[i] !== '(' || !AGGREGATORS.test(expr.slice(0, i + 1))) continue;
    let depth = 0;
    let j = i;
    for (; j < expr.length; j++) {
      if (expr[j] === '(') depth++;
      else if (expr[j] === ')' && --depth === 0) break;
    }
    const rest = expr.slice(j + 1);
    const m = /^(by|without)\(([^()]*)\)/.exec(rest);
    if (!m) continue;
    const args = expr.slice(i, j + 1);
    const rebuilt = `${expr.slice(0, i)}${m[1]}(${m[2]})${args}${rest.slice(m[0].length)}`;
    return prefixGrouping(rebuilt);
  }
  return expr;
}

function splitMatchers(inner: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let inStr = false;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!;
    if (c === '"' && inner[i - 1] !== '\\') inStr = !inStr;
    if (c === ',' && !inStr) {
      if (cur) parts.push(cur);
      cur = '';
    } else cur += c;
  }
  if (cur) parts.push(cur);
  return parts;
}

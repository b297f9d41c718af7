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
  return out.replace(/\{([^{}]*)\}/g, (_m, inner: string) => `{${splitMatchers(inner).sort().join(',')}}`);
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

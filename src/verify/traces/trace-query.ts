/**
 * The `trace_query` annotation of the spec's alert rules: a Jaeger search written as a
 * relative link. Grammar (what the spec's rules use; anything else is an error with its
 * column, 1-based):
 *
 *   trace_query := "jaeger?" param ("&" param)*
 *   param       := "service=" name | "operation=" name | "tags=" json-object
 *   name        := one or more characters other than "&"
 *   json-object := a JSON object of tag → string | number | boolean (may hold "&" inside strings)
 *
 * `service` is required; each key at most once. Examples:
 *   jaeger?service=imageflow-backend-api&operation=http_request
 *   jaeger?service=imageflow-processing&tags={"error":"true"}
 */
export interface TraceQuery {
  service: string;
  operation?: string;
  /** Tag → the value as Jaeger compares it (its string form). */
  tags: Record<string, string>;
}

export interface TraceQueryError {
  error: string;
  /** 1-based column in the annotation. */
  col: number;
}

export const isTraceQueryError = (q: TraceQuery | TraceQueryError): q is TraceQueryError => 'error' in q;

/** The end of a JSON object starting at `i` (index after its closing brace), or -1. */
function objectEnd(text: string, i: number): number {
  let depth = 0;
  let inString = false;
  for (let j = i; j < text.length; j++) {
    const c = text[j];
    if (inString) {
      if (c === '\\') j++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return j + 1;
  }
  return -1;
}

export function parseTraceQuery(text: string): TraceQuery | TraceQueryError {
  const PREFIX = 'jaeger?';
  if (!text.startsWith(PREFIX)) return { error: `expected "${PREFIX}"`, col: 1 };
  const out: Partial<TraceQuery> & { tags: Record<string, string> } = { tags: {} };
  const seen = new Set<string>();
  let i = PREFIX.length;
  for (;;) {
    const eq = text.indexOf('=', i);
    const amp = text.indexOf('&', i);
    if (eq < 0 || (amp >= 0 && amp < eq)) return { error: 'expected key=value', col: i + 1 };
    const key = text.slice(i, eq);
    if (!['service', 'operation', 'tags'].includes(key))
      return { error: `unknown key "${key}" (service, operation or tags)`, col: i + 1 };
    if (seen.has(key)) return { error: `"${key}" given twice`, col: i + 1 };
    seen.add(key);
    const v = eq + 1;
    let end: number;
    if (key === 'tags') {
      if (text[v] !== '{') return { error: 'tags must be a JSON object', col: v + 1 };
      end = objectEnd(text, v);
      if (end < 0) return { error: 'unterminated JSON object', col: v + 1 };
      let obj: unknown;
      try {
        obj = JSON.parse(text.slice(v, end));
      } catch (err) {
        return { error: `tags: ${(err as Error).message}`, col: v + 1 };
      }
      for (const [k, val] of Object.entries(obj as Record<string, unknown>)) {
        if (!['string', 'number', 'boolean'].includes(typeof val))
          return { error: `tag "${k}" must be a string, number or boolean`, col: v + 1 };
        out.tags[k] = String(val);
      }
    } else {
      const a = text.indexOf('&', v);
      end = a < 0 ? text.length : a;
      if (end === v) return { error: `empty ${key}`, col: v + 1 };
      out[key as 'service' | 'operation'] = text.slice(v, end);
    }
    if (end === text.length) break;
    if (text[end] !== '&') return { error: 'expected "&" or the end', col: end + 1 };
    i = end + 1;
  }
  if (out.service === undefined) return { error: 'no service=', col: 1 };
  return { service: out.service, ...(out.operation !== undefined ? { operation: out.operation } : {}), tags: out.tags };
}

import type { AttrValue, Span } from '../../model/trace.ts';

/**
 * The span selector language of the trace checks (docs/checks.md, "Trace checks"). CSS-like:
 * a chain of span patterns joined by relations, matched within one trace.
 *
 *   selector   = compound , { relation , compound } ;
 *   relation   = ">" | ">>" ;                   (* child of / descendant of the left side *)
 *   compound   = "span" , [ "[" , { condition } , "]" ] , { pseudo } ;
 *   pseudo     = ":root" | ":leaf" ;           (* parent not in the trace / no child span *)
 *   condition  = [ "!" ] , key                 (* attribute present / absent *)
 *              | key , op , value ;
 *   key        = field | attribute ;
 *   field      = "service" | "name" | "kind" | "status" | "duration" ;
 *   attribute  = [ "attr." ] , ident           (* "attr." forces an attribute named like a field *)
 *              | "attr." , string ;
 *   op         = "=" | "!=" | "~=" | "<" | "<=" | ">" | ">=" ;   (* "~=": regular expression *)
 *   value      = string | number , [ "ms" | "s" ] | ident ;
 *   ident      = letter-or-digit-or "_" "." "-" "/" , { … } ;
 *   string     = '"' , { char | '\"' | '\\' } , '"' ;
 *
 * Examples: `span[service=backend-api kind=server] > span[service=backend-api kind=client]
 * >> span[service=workflows]`, `span[kind=server http.status_code>=500 status!=error]`,
 * `span[service=processing duration>2s]`, `span[!user.id kind=server]:root`.
 *
 * `service` is the logical service name (the target maps telemetry names to it); `duration` is
 * in milliseconds unless suffixed. Ordering comparisons need numbers on both sides. A selector
 * that does not parse is an error with its column, never a selector that matches everything.
 */

export type Op = '=' | '!=' | '~=' | '<' | '<=' | '>' | '>=';
export type Key = { field: 'service' | 'name' | 'kind' | 'status' | 'duration' } | { attr: string };
export type Condition = { key: Key; present: boolean } | { key: Key; op: Op; value: string | number; regex?: RegExp };
export interface Compound {
  conditions: Condition[];
  pseudo: Array<'root' | 'leaf'>;
}
export interface Selector {
  source: string;
  steps: Array<{ relation?: 'child' | 'descendant'; compound: Compound }>;
}
export interface SelectorError {
  col: number;
  message: string;
}

const FIELDS = new Set(['service', 'name', 'kind', 'status', 'duration']);
const IDENT = /[A-Za-z0-9_.\-/]/;

class ParseError extends Error {
  constructor(
    readonly col: number,
    msg: string,
  ) {
    super(msg);
  }
}

/** Parses a selector; the error's `col` is 1-based. */
export function parseSelector(text: string): Selector | SelectorError {
  let i = 0;
  const fail = (msg: string): never => {
    throw new ParseError(i + 1, msg);
  };
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const peek = (s: string) => text.startsWith(s, i);
  const expect = (s: string) => {
    if (!peek(s)) fail(`expected '${s}'${i < text.length ? ` but found '${text[i]}'` : ' at the end'}`);
    i += s.length;
  };
  const ident = (): string => {
    const st = i;
    while (i < text.length && IDENT.test(text[i]!)) i++;
    if (i === st) fail(i < text.length ? `expected a name but found '${text[i]}'` : 'expected a name at the end');
    return text.slice(st, i);
  };
  const str = (): string => {
    expect('"');
    let out = '';
    for (;;) {
      if (i >= text.length) fail("expected '\"' (unterminated string)");
      const c = text[i++]!;
      if (c === '"') return out;
      if (c === '\\' && i < text.length) out += text[i++];
      else out += c;
    }
  };
  const key = (): Key => {
    if (peek('attr.')) {
      i += 5;
      return { attr: peek('"') ? str() : ident() };
    }
    const name = ident();
    return FIELDS.has(name) ? { field: name as 'service' } : { attr: name };
  };
  const op = (): Op | undefined => {
    for (const o of ['!=', '~=', '<=', '>=', '=', '<', '>'] as const) {
      if (peek(o)) {
        i += o.length;
        return o;
      }
    }
    return undefined;
  };
  const value = (k: Key, o: Op): { value: string | number; regex?: RegExp } => {
    const at = i;
    const raw = peek('"') ? str() : ident();
    const quoted = text[at] === '"';
    if (o === '~=') {
      try {
        return { value: raw, regex: new RegExp(raw) };
      } catch (err) {
        throw new ParseError(at + 1, `bad regular expression: ${(err as Error).message}`);
      }
    }
    if ('field' in k && k.field === 'duration') {
      const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s)?$/.exec(raw);
      if (!m) throw new ParseError(at + 1, `expected a duration (e.g. 250ms, 2s) but found '${raw}'`);
      return { value: Number(m[1]) * (m[2] === 's' ? 1000 : 1) };
    }
    if ('field' in k && k.field === 'kind' && !KINDS.has(raw))
      throw new ParseError(at + 1, `unknown span kind '${raw}' (${[...KINDS].join(', ')})`);
    if ('field' in k && k.field === 'status' && !STATUSES.has(raw))
      throw new ParseError(at + 1, `unknown span status '${raw}' (${[...STATUSES].join(', ')})`);
    if (['<', '<=', '>', '>='].includes(o)) {
      const n = Number(raw);
      if (quoted || raw === '' || Number.isNaN(n))
        throw new ParseError(at + 1, `'${o}' needs a number but found '${raw}'`);
      return { value: n };
    }
    return { value: !quoted && /^-?[0-9]+(\.[0-9]+)?$/.test(raw) ? Number(raw) : raw };
  };
  const compound = (): Compound => {
    ws();
    expect('span');
    const c: Compound = { conditions: [], pseudo: [] };
    if (peek('[')) {
      i++;
      for (;;) {
        ws();
        if (peek(']')) {
          i++;
          break;
        }
        if (i >= text.length) fail("expected ']'");
        const negated = peek('!') && !peek('!=');
        if (negated) i++;
        const k = key();
        const o = negated ? undefined : op();
        if (o === undefined) {
          if ('field' in k) fail(`expected an operator after '${k.field}'`);
          c.conditions.push({ key: k, present: !negated });
          if (i < text.length && !/[\s\]]/.test(text[i]!)) fail(`expected an operator or ']' but found '${text[i]}'`);
          continue;
        }
        c.conditions.push({ key: k, op: o, ...value(k, o) });
        if (i < text.length && !/[\s\]]/.test(text[i]!)) fail(`expected ' ' or ']' but found '${text[i]}'`);
      }
    }
    while (peek(':')) {
      i++;
      const p = ident();
      if (p !== 'root' && p !== 'leaf')
        throw new ParseError(i - p.length + 1, `unknown pseudo-class ':${p}' (:root, :leaf)`);
      c.pseudo.push(p);
    }
    return c;
  };
  try {
    const steps: Selector['steps'] = [{ compound: compound() }];
    for (;;) {
      ws();
      if (i >= text.length) break;
      let relation: 'child' | 'descendant';
      if (peek('>>')) relation = 'descendant';
      else if (peek('>')) relation = 'child';
      else fail(`expected '>', '>>' or the end but found '${text[i]}'`);
      i += relation! === 'descendant' ? 2 : 1;
      steps.push({ relation: relation!, compound: compound() });
    }
    return { source: text, steps };
  } catch (err) {
    if (err instanceof ParseError) return { col: err.col, message: err.message };
    throw err;
  }
}

export function isSelectorError(s: Selector | SelectorError): s is SelectorError {
  return 'col' in s;
}

const KINDS = new Set(['unspecified', 'internal', 'server', 'client', 'producer', 'consumer']);
const STATUSES = new Set(['unset', 'ok', 'error']);

/** One trace's spans, indexed for the relations; `service` gives the logical service name. */
export interface TraceIndex {
  spans: Span[];
  byId: Map<string, Span>;
  children: Map<string, Span[]>;
  service: (s: Span) => string;
}

export function indexTrace(spans: Span[], service: (s: Span) => string = (s) => s.service): TraceIndex {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const children = new Map<string, Span[]>();
  for (const s of spans) {
    if (s.parentSpanId && byId.has(s.parentSpanId)) {
      const l = children.get(s.parentSpanId) ?? [];
      l.push(s);
      children.set(s.parentSpanId, l);
    }
  }
  return { spans, byId, children, service };
}

function fieldValue(s: Span, k: Key, t: TraceIndex): AttrValue | undefined {
  if ('attr' in k) return s.attributes[k.attr];
  switch (k.field) {
    case 'service':
      return t.service(s);
    case 'name':
      return s.name;
    case 'kind':
      return s.kind;
    case 'status':
      return s.status;
    case 'duration':
      return s.end - s.start;
  }
}

function test(c: Condition, s: Span, t: TraceIndex): boolean {
  const v = fieldValue(s, c.key, t);
  if ('present' in c) return (v !== undefined && v !== '') === c.present;
  if (v === undefined) return c.op === '!=';
  switch (c.op) {
    case '=':
      return String(v) === String(c.value);
    case '!=':
      return String(v) !== String(c.value);
    case '~=':
      return c.regex!.test(String(v));
    default: {
      const n = typeof v === 'number' ? v : Number(v);
      if (typeof v === 'boolean' || Number.isNaN(n) || typeof c.value !== 'number') return false;
      if (c.op === '<') return n < c.value;
      if (c.op === '<=') return n <= c.value;
      if (c.op === '>') return n > c.value;
      return n >= c.value;
    }
  }
}

function matchesCompound(c: Compound, s: Span, t: TraceIndex): boolean {
  for (const p of c.pseudo) {
    if (p === 'root' && s.parentSpanId && t.byId.has(s.parentSpanId)) return false;
    if (p === 'leaf' && (t.children.get(s.spanId)?.length ?? 0) > 0) return false;
  }
  return c.conditions.every((x) => test(x, s, t));
}

/** The spans matching the selector's last pattern, with the chain before it satisfied. */
export function select(sel: Selector, t: TraceIndex): Span[] {
  let current = t.spans.filter((s) => matchesCompound(sel.steps[0]!.compound, s, t));
  for (const step of sel.steps.slice(1)) {
    const prev = new Set(current.map((s) => s.spanId));
    current = t.spans.filter((s) => {
      if (!matchesCompound(step.compound, s, t)) return false;
      let p = s.parentSpanId ? t.byId.get(s.parentSpanId) : undefined;
      if (step.relation === 'child') return !!p && prev.has(p.spanId);
      const seen = new Set<string>();
      while (p && !seen.has(p.spanId)) {
        if (prev.has(p.spanId)) return true;
        seen.add(p.spanId);
        p = p.parentSpanId ? t.byId.get(p.parentSpanId) : undefined;
      }
      return false;
    });
  }
  return current;
}

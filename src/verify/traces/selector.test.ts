import { describe, expect, it } from 'vitest';
import { indexTrace, isSelectorError, parseSelector, select } from './selector.ts';
import type { Span } from '../../model/trace.ts';

const span = (id: string, parent: string | undefined, over: Partial<Span>): Span => ({
  traceId: 't'.repeat(32),
  spanId: id,
  ...(parent ? { parentSpanId: parent } : {}),
  service: 'backend-api',
  name: 'x',
  kind: 'internal',
  status: 'unset',
  attributes: {},
  start: 0,
  end: 10,
  ...over,
});

// client(c0) → backend server(a) → backend client(b) → workflows server(w) → step(st) → client(pc) → processing(p)
const SPANS: Span[] = [
  span('a', 'c0', {
    kind: 'server',
    name: 'POST /v1/executions/',
    attributes: { 'http.status_code': 202, 'user.id': 'u1' },
  }),
  span('b', 'a', { kind: 'client', name: 'POST /v1/workflows', attributes: { 'peer.service': 'workflows' } }),
  span('w', 'b', { service: 'workflows', kind: 'server', name: 'POST /v1/workflows', end: 3000 }),
  span('st', 'w', { service: 'workflows', name: 'step resize', status: 'error' }),
  span('pc', 'st', { service: 'workflows', kind: 'client', status: 'error', attributes: { 'http.status_code': 500 } }),
  span('p', 'pc', { service: 'processing', kind: 'server', status: 'error', attributes: { 'http.status_code': 500 } }),
  span('e', 'a', { kind: 'server', name: 'GET /x', attributes: { 'http.status_code': 503, name: 'attr-name' } }),
];
const T = indexTrace(SPANS);
const ids = (sel: string) => {
  const s = parseSelector(sel);
  if (isSelectorError(s)) throw new Error(`col ${s.col}: ${s.message}`);
  return select(s, T)
    .map((x) => x.spanId)
    .sort();
};

describe('selector: matching', () => {
  it.each([
    ['span', ['a', 'b', 'e', 'p', 'pc', 'st', 'w']],
    ['span[service=workflows]', ['pc', 'st', 'w']],
    ['span[service="backend-api" kind=server]', ['a', 'e']],
    ['span[kind=server] > span[kind=client]', ['b']],
    ['span[service=backend-api kind=server] > span[service=workflows]', []],
    ['span[service=backend-api kind=server] >> span[service=workflows]', ['pc', 'st', 'w']],
    ['span[service=backend-api] > span[service=workflows kind=server]', ['w']],
    ['span[kind=server http.status_code>=500 status!=error]', ['e']],
    ['span[http.status_code>=500]', ['e', 'p', 'pc']],
    ['span[http.status_code=202]', ['a']],
    ['span[user.id]', ['a']],
    ['span[!user.id kind=server]', ['e', 'p', 'w']],
    ['span[name~="^step "]', ['st']],
    ['span[name="POST /v1/workflows"]', ['b', 'w']],
    ['span[duration>2s]', ['w']],
    ['span[duration<=10ms kind=server]', ['a', 'e', 'p']],
    ['span:root', ['a']],
    ['span[kind=server]:leaf', ['e', 'p']],
    ['span[name~="^step " status!=error] > span[kind=client status=error]', []],
    ['span[name~="^step "] > span[kind=client status=error]', ['pc']],
    ['span[attr.name=attr-name]', ['e']],
    ['span[attr."name"="attr-name"]', ['e']],
    ['span[peer.service=workflows] > span', ['w']],
    ['span[missing.attr!=1 kind=client]', ['b', 'pc']],
    // Ordering on a non-number never matches (no string comparison by accident).
    ['span[name>1]', []],
  ])('%s', (sel, expected) => {
    expect(ids(sel)).toEqual(expected);
  });

  it('maps services through the given naming (telemetry → logical)', () => {
    const t = indexTrace([span('a', undefined, { service: 'imageflow-backend-api' })], (s) =>
      s.service.replace(/^imageflow-/, ''),
    );
    const s = parseSelector('span[service=backend-api]');
    if (isSelectorError(s)) throw new Error(s.message);
    expect(select(s, t)).toHaveLength(1);
  });
});

describe('selector: errors name the column, never match everything', () => {
  it.each([
    ['span[service="backend-api" kind=server', 39, "expected ']'"],
    ['spam', 1, "expected 'span'"],
    ['', 1, "expected 'span' at the end"],
    ['span[kind=servr]', 11, "unknown span kind 'servr'"],
    ['span[status=failed]', 13, "unknown span status 'failed'"],
    ['span[http.status_code>=abc]', 24, "'>=' needs a number"],
    ['span[duration>2min]', 15, 'expected a duration'],
    ['span[name="x]', 14, 'unterminated string'],
    ['span[name~="("]', 12, 'bad regular expression'],
    ['span[service]', 13, "expected an operator after 'service'"],
    ['span[kind=server] span', 19, "expected '>', '>>' or the end"],
    ['span >', 7, "expected 'span' at the end"],
    ['span:first', 6, "unknown pseudo-class ':first'"],
    ['span[a=b,c=d]', 9, "expected ' ' or ']' but found ','"],
  ])('%s → col %i', (sel, col, message) => {
    const r = parseSelector(sel);
    expect(isSelectorError(r)).toBe(true);
    if (!isSelectorError(r)) return;
    expect(r.col).toBe(col);
    expect(r.message).toContain(message);
  });
});

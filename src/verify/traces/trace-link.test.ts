import { describe, expect, it } from 'vitest';
import type { Span, TraceFindObs } from '../../model/trace.ts';
import { measureLink, spanMatches } from './trace-link.ts';

const span = (traceId: string, over: Partial<Span> = {}): Span => ({
  traceId,
  spanId: 'a'.repeat(16),
  service: 'api',
  name: 'GET /x',
  kind: 'server',
  status: 'unset',
  attributes: {},
  start: 0,
  end: 1,
  ...over,
});
const found = (spans: Span[]): TraceFindObs => ({
  kind: 'trace-find',
  from: 'http://j',
  service: 'api',
  limit: 10,
  spans,
});

describe('spanMatches()', () => {
  it("compares tags by the attribute's string form, as Jaeger does", () => {
    const s = span('t1', { attributes: { 'http.status_code': 500, ok: true } });
    expect(spanMatches(s, { service: 'api', tags: { 'http.status_code': '500', ok: 'true' } })).toBe(true);
    expect(spanMatches(s, { service: 'api', tags: { 'http.status_code': '5xx' } })).toBe(false);
    expect(spanMatches(s, { service: 'other', tags: {} })).toBe(false);
    expect(spanMatches(s, { service: 'api', operation: 'http_request', tags: {} })).toBe(false);
  });

  it('matches error=true on a span with error status (Jaeger shows it as that tag)', () => {
    expect(spanMatches(span('t', { status: 'error' }), { service: 'api', tags: { error: 'true' } })).toBe(true);
    expect(spanMatches(span('t', { status: 'ok' }), { service: 'api', tags: { error: 'true' } })).toBe(false);
  });
});

describe('measureLink()', () => {
  it('counts the traces in the status class a "5xx" value can never match', () => {
    const m = measureLink(
      { service: 'spec-api', tags: { 'http.status_code': '5xx' } },
      'api',
      found([
        span('t1', { attributes: { 'http.status_code': 503 } }),
        span('t2', { attributes: { 'http.status_code': 200 } }),
        span('t3', { attributes: { 'http.status_code': 500 } }),
      ]),
    );
    expect(m.traces).toBe(3);
    expect(m.matched).toEqual([]);
    expect(m.tags).toEqual([
      {
        key: 'http.status_code',
        value: '5xx',
        seen: [200, 500, 503],
        never: '0 traces match http.status_code=5xx while 2 traces in the window have http.status_code 5xx (500…599)',
      },
    ]);
  });

  it('does not call a value impossible when the tag holds strings, or was never seen', () => {
    const q = { service: 'api', tags: { env: 'prod', missing: 'x' } };
    const m = measureLink(q, 'api', found([span('t1', { attributes: { env: 'dev' } })]));
    expect(m.tags.map((t) => t.never)).toEqual([undefined, undefined]);
    expect(m.tags[0]!.seen).toEqual(['dev']);
  });
});

import { describe, expect, it } from 'vitest';
import { comparePromql, selectorsOf } from './promql-tree.ts';

const SPEC_AL1 = `(
  sum(rate(http_requests_total{job="backend-api",code=~"2..|3.."}[5m]))
  /
  sum(rate(http_requests_total{job="backend-api"}[5m]))
) * 100 < 99.9`;

describe('selectorsOf', () => {
  it('lists the series a query reads, never a constant fallback', () => {
    expect(selectorsOf('sum(increase(http_requests_total{code=~"4..", job="backend-api"}[1h])) or vector(0)')).toEqual([
      'http_requests_total{code=~"4..",job="backend-api"}',
    ]);
  });
  it('canonicalises matcher order and quoting, dedupes', () => {
    expect(selectorsOf(`a{y='1',x="2"} + a{x="2",y="1"} + {__name__="b"}`)).toEqual(['a{x="2",y="1"}', 'b']);
  });
  it('keepLabels reduces each selector to its metric family on the target', () => {
    expect(
      selectorsOf('sum(rate(p{status=~"failed|error", job="b"}[5m])) / sum(rate(p{job="b"}[5m]))', {
        keepLabels: ['job'],
      }),
    ).toEqual(['p{job="b"}']);
  });
  it('a query that does not parse is a problem with its column, not an empty list', () => {
    const r = selectorsOf('sum(rate(x[5m])');
    expect(r).toMatchObject({ message: expect.stringMatching(/column \d+/) });
  });
});

describe('comparePromql (AL-4 on the syntax tree)', () => {
  it.each([
    ['whitespace and line breaks', SPEC_AL1, SPEC_AL1.replace(/\s+/g, ' ')],
    [
      'as Prometheus re-prints it',
      SPEC_AL1,
      '(sum(rate(http_requests_total{code=~"2..|3..",job="backend-api"}[5m])) / sum(rate(http_requests_total{job="backend-api"}[5m]))) * 100 < 99.9',
    ],
    ['by before or after the body', 'sum(rate(x[5m])) by (le, job)', 'sum by (job, le) (rate(x[5m]))'],
    ['duration spelling', 'rate(x[5m])', 'rate(x[300s])'],
    ['single quotes', `x{a='b'}`, 'x{a="b"}'],
    ['keyword case', 'SUM(x) BY (a)', 'sum by (a) (x)'],
    ['__name__ matcher', '{__name__="x", a="b"}', 'x{a="b"}'],
  ])('equal: %s', (_name, a, b) => {
    expect(comparePromql(a, b)).toEqual({ equal: true });
  });

  it.each([
    ['threshold', SPEC_AL1, SPEC_AL1.replace('99.9', '99.5'), /threshold\/number: 99\.9 → 99\.5/],
    ['range', SPEC_AL1, SPEC_AL1.replaceAll('[5m]', '[10m]'), /range: \[5m\], \[5m\] → \[10m\], \[10m\]/],
    ['matcher', SPEC_AL1, SPEC_AL1.replace('2..|3..', '2..'), /series selector.*code=~"2\.\.\|3\.\."/],
    ['function', SPEC_AL1, SPEC_AL1.replaceAll('rate(', 'irate('), /function: rate, rate → irate, irate/],
    ['comparison', SPEC_AL1, SPEC_AL1.replace('< 99.9', '<= 99.9'), /comparison: < → <=/],
    ['grouping', 'sum by (le) (x)', 'sum by (le, job) (x)', /grouping: by \(le\) → by \(job,le\)/],
    ['operands swapped', 'a / b', 'b / a', /structure: a \/ b → b \/ a/],
  ])('differs: %s, and says how', (_name, a, b, said) => {
    const r = comparePromql(a, b);
    expect(r).toMatchObject({ equal: false });
    expect((r as { differences: string[] }).differences.join('; ')).toMatch(said);
  });
});

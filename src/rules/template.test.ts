import { describe, expect, it } from 'vitest';
import { goFormatG, goFormatV, humanizePercentage, renderAnnotation } from './template.ts';

describe('Go template rendering of alert values', () => {
  it('formats %.4g as Go does, ties to even on the exact binary value', () => {
    expect(goFormatG(99.8, 4)).toBe('99.8');
    expect(goFormatG(100, 4)).toBe('100');
    expect(goFormatG(12.125, 4)).toBe('12.12'); // exact tie: Go rounds to even, toPrecision would say 12.13
    expect(goFormatG(12.375, 4)).toBe('12.38');
    expect(goFormatG(99.99999, 4)).toBe('100');
    expect(goFormatG(12345, 4)).toBe('1.234e+04');
    expect(goFormatG(0.00001234, 4)).toBe('1.234e-05');
    expect(goFormatG(0.001234, 4)).toBe('0.001234');
  });

  it('humanizePercentage and $value render like Prometheus', () => {
    expect(humanizePercentage(0.998)).toBe('99.8%');
    expect(humanizePercentage(0.0525)).toBe('5.25%');
    expect(goFormatV(2.3333333333333335)).toBe('2.3333333333333335');
    expect(() => goFormatV(1e7)).toThrow(/cannot predict/);
    expect(renderAnnotation('API availability is {{ $value | humanizePercentage }} (below 99.9%)', 0.5)).toBe(
      'API availability is 50% (below 99.9%)',
    );
    expect(renderAnnotation('P95 is {{ $value }}s', 4)).toBe('P95 is 4s');
    expect(() => renderAnnotation('{{ $labels.job }}', 1)).toThrow(/not modelled/);
  });
});

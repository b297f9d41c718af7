import type { Aggregation, Comparator } from '../model/check.ts';

/** Comparators as a registry of values: one place says what each one means. */
export const COMPARATORS: Record<Comparator, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
};

export function compare(observed: number, comparator: Comparator, target: number): boolean {
  return COMPARATORS[comparator](observed, target);
}

export function describeAggregation(a: Aggregation): string {
  return a.kind === 'quantile' ? `quantile(${a.q})` : a.kind;
}

/**
 * Aggregates the samples of a range query. NaN samples (0/0: no traffic at that instant)
 * are dropped, because "no data" must never count as a good value; if nothing is left the
 * caller reports inconclusive. ±Infinity is kept: a P95 in the +Inf bucket is a real value.
 */
export function aggregate(values: number[], a: Aggregation): number | undefined {
  const xs = values.filter((v) => !Number.isNaN(v));
  if (xs.length === 0) return undefined;
  switch (a.kind) {
    case 'min':
      return Math.min(...xs);
    case 'max':
      return Math.max(...xs);
    case 'last':
      return xs[xs.length - 1];
    case 'avg':
      return xs.reduce((s, v) => s + v, 0) / xs.length;
    case 'quantile': {
      // Same interpolation as PromQL's quantile_over_time.
      const sorted = [...xs].sort((x, y) => x - y);
      const rank = a.q * (sorted.length - 1);
      const lo = Math.floor(rank);
      const hi = Math.ceil(rank);
      const l = sorted[lo] as number;
      const h = sorted[hi] as number;
      return l + (h - l) * (rank - lo);
    }
  }
}

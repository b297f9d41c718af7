import { build, type Histogram } from 'hdr-histogram-js';
import type { LatencySummary } from '../model/ledger.ts';

/**
 * The fixed bucket grid (seconds). It contains every Prometheus default bucket
 * (.005 … 10), the SLO threshold 2 s, and finer steps in between, so a client-side
 * cumulative count can be compared with a server histogram at any common boundary.
 */
export const LATENCY_GRID_SECONDS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5,
  0.6, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.5, 3, 4, 5, 7.5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600, 900, 1200, 1800,
  3600,
];

/** The grid plus +Inf handled implicitly (count). */
function bucketIndex(grid: readonly number[], seconds: number): number {
  // First index with grid[i] >= seconds (observations <= le land in le's bucket).
  let lo = 0;
  let hi = grid.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((grid[mid] as number) < seconds) lo = mid + 1;
    else hi = mid;
  }
  return lo; // grid.length means "above the last boundary" (+Inf only)
}

/**
 * A latency distribution in O(1) memory: exact count/sum/min/max, exact counts at the
 * fixed grid, and an HDR histogram (microsecond resolution, 3 significant digits) for
 * quantiles.
 */
export class LatencyAccumulator {
  private readonly hdr: Histogram;
  private readonly buckets: Float64Array;
  private count = 0;
  private sum = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = 0;

  constructor(private readonly grid: readonly number[] = LATENCY_GRID_SECONDS) {
    // 1 µs … 2^40 µs (~12 days) and auto-resize off: memory is fixed up front, which is
    // what makes the ledger's footprint flat whatever the run length.
    this.hdr = build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 2 ** 40,
      numberOfSignificantValueDigits: 3,
      autoResize: false,
      bitBucketSize: 'packed',
    });
    this.buckets = new Float64Array(grid.length + 1);
  }

  recordSeconds(seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) return;
    this.count++;
    this.sum += seconds;
    if (seconds < this.min) this.min = seconds;
    if (seconds > this.max) this.max = seconds;
    const i = bucketIndex(this.grid, seconds);
    this.buckets[i] = (this.buckets[i] as number) + 1;
    this.hdr.recordValue(Math.min(Math.max(1, Math.round(seconds * 1e6)), 2 ** 40));
  }

  get total(): number {
    return this.count;
  }

  quantileSeconds(q: number): number {
    if (this.count === 0) return 0;
    return this.hdr.getValueAtPercentile(q * 100) / 1e6;
  }

  summary(): LatencySummary {
    let acc = 0;
    const cumulative = this.grid.map((le, i) => {
      acc += this.buckets[i] as number;
      return { le, count: acc };
    });
    return {
      count: this.count,
      sumSeconds: this.sum,
      minSeconds: this.count === 0 ? 0 : this.min,
      maxSeconds: this.max,
      quantiles: {
        p50: this.quantileSeconds(0.5),
        p90: this.quantileSeconds(0.9),
        p95: this.quantileSeconds(0.95),
        p99: this.quantileSeconds(0.99),
      },
      cumulative,
    };
  }
}

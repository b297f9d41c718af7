/** What every bench returns: figures measured in one run (see bench/run.ts). */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

/**
 * `full`: the size the bench is for (`npm run bench`). `tiny`: the same code paths at a size
 * that takes seconds, run inside `npm test` (bench/*.test.ts) so that no bench rots; its
 * figures mean nothing.
 */
export type BenchSize = 'full' | 'tiny';

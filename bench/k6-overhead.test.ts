import { describe, it } from 'vitest';
import { expectFigures } from './testing/figures.ts';
import { run } from './k6-overhead.ts';

// The bench at a tiny size, so that it cannot rot between bench runs (its figures mean nothing here).
describe('bench/k6-overhead at a tiny size', () => {
  it('produces its figures', async () => {
    expectFigures(await run('tiny'), 6);
  }, 300_000);
});

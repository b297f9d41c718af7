import { describe, it } from 'vitest';
import { expectFigures } from './testing/figures.ts';
import { run } from './traces.ts';

// The bench at a tiny size, so that it cannot rot between bench runs (its figures mean nothing here).
describe('bench/traces at a tiny size', () => {
  it('produces its figures', async () => {
    expectFigures(await run('tiny'), 4);
  }, 600_000);
});

import { describe, it } from 'vitest';
import { expectFigures } from './testing/figures.ts';
import { run } from './alerts.ts';

// The bench at a tiny size (one alert), so that it cannot rot between bench runs.
describe('bench/alerts at a tiny size', () => {
  it('produces its figures', async () => {
    expectFigures(await run('tiny'), 1);
  }, 300_000);
});

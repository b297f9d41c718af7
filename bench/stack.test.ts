import { describe, it } from 'vitest';
import { selectComponents } from '../src/stack/lifecycle.ts';
import { expectFigures } from './testing/figures.ts';
import { run } from './stack.ts';

// The bench at a tiny size, so that it cannot rot between bench runs (its figures mean nothing here).
describe('bench/stack at a tiny size', () => {
  it('produces its figures', async () => {
    expectFigures(await run('tiny'), 1 + selectComponents().length);
  }, 300_000);
});

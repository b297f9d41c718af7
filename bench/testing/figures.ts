import { expect } from 'vitest';
import type { Figure } from '../figures.ts';

/**
 * What a tiny run asserts: the bench produced its `count` figures, each named, with a unit
 * and a finite value — never what the value is (a wall-clock figure means nothing there).
 */
export function expectFigures(figures: readonly Figure[], count: number): void {
  expect(figures.map((f) => f.name)).toHaveLength(count);
  for (const f of figures) {
    expect(f.name.trim(), JSON.stringify(f)).not.toBe('');
    expect(f.unit, f.name).not.toBe('');
    expect(Number.isFinite(f.value), `${f.name}: ${f.value}`).toBe(true);
  }
}

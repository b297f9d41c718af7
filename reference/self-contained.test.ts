import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Every .ts file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('reference/ is a system of its own', () => {
  it('imports nothing outside reference/ but packages (the target never depends on the harness)', () => {
    const root = import.meta.dirname;
    const files = sources(root);
    expect(files.length).toBeGreaterThan(10);
    const outside: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)'(\.[^']*)'/g)) {
        const target = resolve(dirname(file), m[1]!);
        if (relative(root, target).startsWith('..')) outside.push(`${relative(root, file)} → ${m[1]}`);
      }
    }
    expect(outside).toEqual([]);
  });
});

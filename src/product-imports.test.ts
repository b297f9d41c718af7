import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

/** The product's modules: .ts files of src/ and reference/ that are neither tests nor under testing/. */
function productModules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'testing' ? [] : productModules(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('what only tests and benches use stays apart from the product', () => {
  it('no product module imports a testing/ module (fakes, shippers, drivers)', () => {
    const modules = [...productModules(join(ROOT, 'src')), ...productModules(join(ROOT, 'reference'))];
    expect(modules.length).toBeGreaterThan(50);
    const offending = modules.flatMap((file) =>
      [
        ...readFileSync(file, 'utf8').matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)'([^']*\/testing\/[^']*)'/g),
      ].map((m) => `${relative(ROOT, file)} → ${m[1]}`),
    );
    expect(offending).toEqual([]);
  });
});

/**
 * Runs every benchmark module in bench/ (each exports `run()` returning figures) and prints
 * one table. Figures are measured in this one run on a shared, noisy machine: compare the
 * ratios, not absolute times across machines. `npm run bench [name…]` runs a subset.
 */
import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Figure } from './figures.ts';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = (await readdir(here))
  .filter((f) => f.endsWith('.ts') && !['run.ts', 'figures.ts'].includes(f) && !f.endsWith('.test.ts'))
  .filter((f) => only.length === 0 || only.includes(f.replace(/\.ts$/, '')))
  .sort();

const rows: Array<[string, string, string, string]> = [];
let failed = 0;
for (const file of files) {
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { run?: () => Promise<Figure[]> };
  if (typeof mod.run !== 'function') continue;
  const bench = file.replace(/\.ts$/, '');
  console.error(`running ${bench}…`);
  try {
    for (const f of await mod.run()) {
      rows.push([bench, f.name, formatValue(f.value, f.unit), f.note ?? '']);
    }
  } catch (err) {
    failed++;
    rows.push([bench, 'FAILED', '', err instanceof Error ? err.message : String(err)]);
  }
}

function formatValue(v: number, unit: string): string {
  const digits = Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2;
  return `${v.toFixed(digits)} ${unit}`;
}

const header: [string, string, string, string] = ['bench', 'figure', 'value', 'note'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: string[]) => r.map((c, i) => (i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));
process.exitCode = failed > 0 ? 1 : 0;

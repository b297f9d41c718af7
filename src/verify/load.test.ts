import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HarnessError } from '../util/errors.ts';
import { loadChecks } from './load.ts';
import { parametriseWindow, specQueries } from './spec-queries.ts';
import { DEFAULT_TARGET } from '../config/telemetry-names.ts';
import type { Check } from './kinds/index.ts';

const CHECKS = new URL('../../checks/', import.meta.url).pathname;
const SPEC = new URL('../../../shared/spec/', import.meta.url).pathname;

describe('the shipped catalogue', () => {
  it('loads strictly and covers the requirements the issue names', async () => {
    const cat = await loadChecks(CHECKS, DEFAULT_TARGET);
    if (cat instanceof HarnessError) throw new Error(`${cat.message}\n${cat.details}`);
    const covered = new Set(cat.checks.flatMap((c) => c.requirements));
    const wanted = [
      ...['SLI-1', 'SLI-2', 'SLI-3', 'SLI-4', 'Q-1', 'Q-2', 'Q-3', 'Q-4'],
      ...['KM-1', 'KM-2', 'KM-3', 'KM-4', 'KM-5', 'KM-6', 'KM-7', 'KM-8'],
      ...['DB-2', 'DB-3', 'DB-4', 'DB-5', 'RET-6', 'AL-4', 'ARCH-3', 'ARCH-5'],
      ...Array.from({ length: 9 }, (_, i) => `FINDING-${i + 1}`),
    ];
    expect(wanted.filter((w) => !covered.has(w))).toEqual([]);
    expect(
      cat.checks
        .filter((c) => c.requirements.some((r) => r.startsWith('FINDING-')))
        .every((c) => c.severity === 'warning'),
    ).toBe(true);
  });

  it('uses the spec PromQL verbatim, parametrised only by the window', async () => {
    const cat = await loadChecks(CHECKS, DEFAULT_TARGET);
    if (cat instanceof HarnessError) throw cat;
    const spec = specQueries(await readFile(join(SPEC, 'slo-queries.promql'), 'utf8'));
    // The checked-in copy is byte-identical to the spec extract.
    expect(await readFile(join(CHECKS, 'queries/slo-queries.promql'), 'utf8')).toBe(
      await readFile(join(SPEC, 'slo-queries.promql'), 'utf8'),
    );
    const byReq = (id: string) =>
      cat.checks.find(
        (c): c is Extract<Check, { source: 'prometheus' }> => c.source === 'prometheus' && c.requirements[0] === id,
      );
    for (const [id, heading] of [
      ['Q-1', 'API可用性SLI'],
      ['Q-2', 'APIレイテンシSLI（P95）'],
      ['Q-3', 'パイプライン成功率SLI'],
      ['Q-4', 'エラーバジェット消費率'],
    ] as const) {
      const c = byReq(id);
      const verbatim = spec.get(heading);
      expect(verbatim, heading).toBeDefined();
      expect(c?.query).toBe(parametriseWindow(verbatim!));
      expect(c?.query.replaceAll('$window', c.window ?? '')).toBe(verbatim);
    }
  });

  it('the rules copy is the spec file, byte for byte', async () => {
    expect(await readFile(join(CHECKS, 'rules/imageflow-slo-alerts.yml'), 'utf8')).toBe(
      await readFile(join(SPEC, 'imageflow-slo-alerts.yml'), 'utf8'),
    );
  });
});

describe('strict validation', () => {
  it('reports every problem at once, each with file and path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'checks-'));
    await writeFile(
      join(dir, 'a.yaml'),
      `checks:
  - id: x
    title: t
    requirements: [SLI-1]
    severity: gate
    source: prometheus
    query: up
    mode: range
    comparator: '>'
    target: 1
    unit: u
    aggregation: { kind: median }
    colour: red
  - id: y
    title: t
    requirements: [NOPE-1]
    severity: gate
    source: statement
    finding: f
`,
    );
    await writeFile(
      join(dir, 'b.yaml'),
      `checks:\n  - id: y\n    title: t\n    requirements: [KM-1]\n    severity: gate\n    source: prometheus-flags\n    flag: f\n    comparator: '>='\n    target: 1d\n    extra: 1\n`,
    );
    const r = await loadChecks(dir, DEFAULT_TARGET);
    expect(r).toBeInstanceOf(HarnessError);
    const details = (r as HarnessError).details ?? '';
    expect(details).toMatch(/a\.yaml: \/checks\/0: must NOT have additional properties "colour"/);
    expect(details).toMatch(/a\.yaml: \/checks\/0\/aggregation\/kind: must be equal to one of the allowed values/);
    expect(details).toMatch(/b\.yaml: \/checks\/0: must NOT have additional properties "extra"/);
    expect((r as HarnessError).code).toBe('CONFIG_CHECKS');
  });

  it('rejects unknown requirement IDs, duplicate ids and unknown metric mappings', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'checks-'));
    const one = (id: string, req: string, q: string) =>
      `  - { id: ${id}, title: t, requirements: [${req}], severity: gate, source: prometheus, query: '${q}', mode: instant, comparator: '>', target: 1, unit: u }\n`;
    await writeFile(join(dir, 'a.yaml'), `checks:\n${one('x', 'SLI-9', 'up')}${one('x', 'SLI-1', '{{metrics.nope}}')}`);
    const r = await loadChecks(dir, DEFAULT_TARGET);
    const details = (r as HarnessError).details ?? '';
    expect(details).toMatch(/unknown requirement ID "SLI-9"/);
    expect(details).toMatch(/duplicate check id "x"/);
    expect(details).toMatch(/unknown metric mapping "\{\{metrics.nope\}\}"/);
  });
});

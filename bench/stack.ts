/**
 * Cold start of the embedded stack (tools already cached) to all-healthy, with each
 * component's share of the wall time. Target on a 2-core machine: under 10 s.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackDown, stackUp, selectComponents } from '../src/stack/lifecycle.ts';
import { ensureTools } from '../src/tools/provision.ts';
import type { BenchSize, Figure } from './figures.ts';

export async function run(size: BenchSize = 'full'): Promise<Figure[]> {
  const ROUNDS = size === 'tiny' ? 1 : 3;
  await ensureTools(['prometheus', 'alertmanager', 'node-exporter', 'jaeger', 'k6']);
  const totals: number[] = [];
  const perComponent = new Map<string, number[]>();
  for (let i = 0; i < ROUNDS; i++) {
    const dir = await mkdtemp(join(tmpdir(), 'slo-bench-stack-'));
    const start = performance.now();
    try {
      const up = await stackUp({ stateDir: dir, portStrategy: 'ephemeral', components: selectComponents() });
      totals.push(performance.now() - start);
      for (const [name, ms] of Object.entries(up.readyMs)) {
        perComponent.set(name, [...(perComponent.get(name) ?? []), ms]);
      }
    } finally {
      await stackDown({ stateDir: dir });
      await rm(dir, { recursive: true, force: true });
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const total = median(totals);
  const figures: Figure[] = [
    {
      name: 'cold start to all-healthy (median)',
      value: total / 1000,
      unit: 's',
      note: `${ROUNDS} rounds; target < 10 s; ratio to target ${(total / 10_000).toFixed(2)}`,
    },
  ];
  for (const [name, xs] of [...perComponent].sort((a, b) => median(b[1]) - median(a[1]))) {
    const m = median(xs);
    figures.push({
      name: `  ${name} ready after`,
      value: m / 1000,
      unit: 's',
      note: `share of total ${((m / total) * 100).toFixed(0)} %`,
    });
  }
  return figures;
}

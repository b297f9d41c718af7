/**
 * Live alert firing on the embedded stack (rules compressed ×20, scrape and evaluation every
 * second): per spec alert, the measured time from fault to firing minus the physical floor
 * (for + evaluation + scrape + the fault's own delay). Goal: ≤ 5 s over the floor. `tiny`: one alert.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { liveOnEmbedded } from '../src/alerts/embedded.ts';
import type { BenchSize, Figure } from './figures.ts';

export async function run(size: BenchSize = 'full'): Promise<Figure[]> {
  const dir = await mkdtemp(join(tmpdir(), 'slo-bench-alerts-'));
  try {
    const verdicts = await liveOnEmbedded({
      stateDir: dir,
      portStrategy: 'ephemeral',
      factor: 20,
      // tiny: one alert, the same code path.
      ...(size === 'tiny' ? { alerts: ['APIAvailabilitySLOBreach'] } : {}),
    });
    return verdicts.map((v) => {
      const d = (v.details ?? {}) as { firingDelaySeconds?: number; floorSeconds?: number; overFloorSeconds?: number };
      if (d.overFloorSeconds === undefined) throw new Error(`${v.summary} ${v.reason ?? ''}`);
      return {
        name: `${v.summary.split(/[ :]/)[0]} firing − floor`,
        value: d.overFloorSeconds,
        unit: 's',
        note: `${v.outcome}; fired after ${d.firingDelaySeconds?.toFixed(1)} s, floor ${d.floorSeconds?.toFixed(1)} s; goal ≤ 5 s`,
      };
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

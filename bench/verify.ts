import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackDown, stackUp, stackUrls } from '../src/stack/lifecycle.ts';
import { HarnessError } from '../src/util/errors.ts';
import { verify } from '../src/verify/engine.ts';
import { drive } from '../src/verify/testing/drive.ts';
import type { BenchSize, Figure } from './figures.ts';

/** Time to evaluate the whole catalogue against the local Prometheus (after 5 s of traffic). */
export async function run(size: BenchSize = 'full'): Promise<Figure[]> {
  const [seconds, repeats] = size === 'tiny' ? [1, 1] : [5, 5];
  const dir = await mkdtemp(join(tmpdir(), 'bench-verify-'));
  try {
    const up = await stackUp({ stateDir: dir, scrapeInterval: '1s' });
    const urls = stackUrls(up.state);
    const ledger = await drive(urls.backendApi, { seconds });
    const opts = {
      ledger,
      prometheus: { url: urls.prometheus },
      alertmanager: { url: urls.alertmanager },
      logs: Object.values(urls.appLogs),
      scrapeInterval: '1s',
      evaluationInterval: '1s',
    };
    const first = await verify({ ...opts, settle: true });
    if (first instanceof HarnessError) throw first;
    const times: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const r = await verify({ ...opts, settle: false });
      if (r instanceof HarnessError) throw r;
      times.push(r.durationMs);
    }
    times.sort((a, b) => a - b);
    return [
      {
        name: `verify: whole catalogue (median of ${repeats}, no settle)`,
        value: times[Math.floor(repeats / 2)] ?? 0,
        unit: 'ms',
        note: `${first.verdicts.length} checks`,
      },
      {
        name: 'verify: first evaluation incl. settle wait',
        value: first.durationMs,
        unit: 'ms',
        note: `settle ${first.settle?.waitedMs ?? 0} ms`,
      },
    ];
  } finally {
    await stackDown({ stateDir: dir });
    await rm(dir, { recursive: true, force: true });
  }
}

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ledger } from '../../model/ledger.ts';
import { buildPlan } from '../../load/plan.ts';
import { loadProfile } from '../../load/profile.ts';
import { PROJECT_ROOT } from '../../stack/config.ts';
import { EventLog } from '../events.ts';
import { tempDirPerTest } from '../../util/testing/temp-dir.ts';
import { verifyStageFor } from './verify.ts';
import { emptyPrometheus } from '../testing/empty-prometheus.ts';

describe('the verify stage under Ctrl-C', () => {
  let prom: { url: string; close: () => Promise<void> };
  let dir = '';
  tempDirPerTest('slo-verify-stage-', (d) => (dir = d));
  beforeAll(async () => {
    prom = await emptyPrometheus();
  });
  afterAll(() => prom.close());

  it('stops waiting for the settle at once and ends interrupted, without verdicts', async () => {
    const ledger = JSON.parse(
      await readFile(join(PROJECT_ROOT, 'src', 'verify', 'testdata', 'healthy-ledger.json'), 'utf8'),
    ) as Ledger;
    const ctl = new AbortController();
    const lines: string[] = [];
    const started = Date.now();
    setTimeout(() => ctl.abort(), 300);
    const err = await verifyStageFor({ write: (t) => lines.push(t), env: {} })({
      runId: 'r1',
      runDir: dir,
      ledger,
      target: {
        name: 'fake',
        embedded: false,
        apiBaseUrl: 'http://127.0.0.1:1',
        credentials: { username: 'u', password: 'p' },
        prometheus: { url: prom.url },
        scrapeInterval: '15s',
        allowHosts: ['127.0.0.1'],
      },
      // The settle budget is minutes (four scrape + evaluation intervals at least).
      plan: buildPlan(await loadProfile('smoke')),
      events: new EventLog(join(dir, 'events.jsonl')),
      signal: ctl.signal,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INTERRUPTED' });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(lines.join('')).toMatch(/settle: settle deadline: interrupted/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackDown, stackUp, stackUrls, type StackState } from '../stack/lifecycle.ts';
import { SPEC_RULE_FILE } from '../stack/config.ts';
import { waitFor } from '../util/wait.ts';
import { compressRules } from '../rules/compress.ts';
import { modelsFromRules } from '../rules/model.ts';
import { runLiveAlerts } from './live.ts';
import { loadedForSeconds } from './watch.ts';
import { LIVE_COMPONENTS, liveUrls } from './embedded.ts';

// The real embedded stack (reference system, Prometheus, Alertmanager, webhook sink) with the
// spec rules compressed ×20 (5m → 15s), scrape and evaluation every second.
const FACTOR = 20;
const models = modelsFromRules(compressRules(await readFile(SPEC_RULE_FILE, 'utf8'), FACTOR));

describe('live alert firing (real Prometheus → Alertmanager → receiver, compressed rules)', () => {
  let dir: string;
  let state: StackState;
  const lines: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slo-alerts-'));
    const up = await stackUp({
      stateDir: dir,
      portStrategy: 'ephemeral',
      scrapeInterval: '1s',
      ruleCompression: FACTOR,
      components: LIVE_COMPONENTS,
    });
    state = up.state;
  }, 180_000);

  afterAll(async () => {
    if (state) await stackDown({ stateDir: dir });
    await rm(dir, { recursive: true, force: true });
  });

  const live = (alerts?: string[]) => {
    return runLiveAlerts({
      urls: liveUrls(state),
      models,
      scrapeSeconds: 1,
      evaluationSeconds: 1,
      compression: FACTOR,
      ...(alerts ? { alerts } : {}),
      log: (l) => lines.push(l),
    });
  };

  it('all three alerts fire within the floor, reach the receiver and resolve', async () => {
    const v = await live();
    const explain = v.map((x) => `${x.outcome} ${x.summary} ${x.reason ?? ''}`).join('\n') + '\n' + lines.join('\n');
    expect(
      v.map((x) => [x.checkId, x.outcome]),
      explain,
    ).toEqual([
      ['al-1-fires-live', 'pass'],
      ['al-2-fires-live', 'pass'],
      ['al-3-fires-live', 'pass'],
    ]);
    for (const x of v) {
      const d = x.details as {
        firingDelaySeconds: number;
        floorSeconds: number;
        timeline: Record<string, string | null>;
      };
      expect(d.firingDelaySeconds).toBeLessThanOrEqual(d.floorSeconds + 5);
      for (const k of [
        'injected',
        'pending',
        'firing',
        'inAlertmanager',
        'delivered',
        'faultRemoved',
        'resolved',
        'resolvedDelivered',
      ]) {
        expect(d.timeline[k], `${x.checkId} ${k}`).toMatch(/^\d{4}-/);
      }
      expect(x.summary).toMatch(/\[compressed ×20/);
    }
  }, 400_000);

  it('with one rule broken (threshold out of reach) that alert fails, named', async () => {
    const file = join(dir, 'config', 'rules-compressed', 'imageflow-slo-alerts.yml');
    const text = await readFile(file, 'utf8');
    expect(text).toContain(') > 0.05');
    await writeFile(file, text.replace(') > 0.05', ') > 5'));
    // Prometheus re-reads its rule files on SIGHUP; wait until the broken rule is loaded.
    process.kill(state.components.prometheus!.pid, 'SIGHUP');
    const reloaded = await waitFor(
      async () => {
        const res = await fetch(`${stackUrls(state).prometheus}/api/v1/rules`);
        const body = (await res.json()) as {
          data: { groups: Array<{ rules: Array<{ name: string; query: string }> }> };
        };
        const q = body.data.groups[0]?.rules.find((r) => r.name === 'PipelineErrorRateSLOBreach')?.query ?? '';
        return { done: / > 5$/.test(q), reason: q };
      },
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    expect(reloaded.ok, reloaded.reason).toBe(true);
    expect((await loadedForSeconds(stackUrls(state).prometheus)).PipelineErrorRateSLOBreach).toBe(9);
    const v = await live(['PipelineErrorRateSLOBreach']);
    expect(v.map((x) => [x.checkId, x.outcome])).toEqual([['al-3-fires-live', 'fail']]);
    expect(v[0]!.summary).toMatch(
      /^PipelineErrorRateSLOBreach: did not fire within \d+\.\d s under its fault \(every pipeline step fails\)/,
    );
  }, 200_000);
});

import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EvalContext } from '../../model/context.ts';
import type { PromtoolTestObs } from '../../model/observation.ts';
import { promtoolObservation } from '../../rules/promtool.ts';
import { ensureTools } from '../../tools/provision.ts';
import { HarnessError } from '../../util/errors.ts';
import { tempDirPerTest } from '../../util/testing/temp-dir.ts';
import { DEFAULT_CHECKS_DIR } from '../engine.ts';
import { evaluateOne } from '../evaluate.ts';
import { loadChecks } from '../load.ts';
import { DEFAULT_TARGET } from '../../config/telemetry-names.ts';
import type { PromtoolRulesCheck } from './promtool-rules.ts';

// The promtool-rules kind in the catalogue: real promtool's answer, judged by the pure core.
const cat = await loadChecks(DEFAULT_CHECKS_DIR, DEFAULT_TARGET);
if (cat instanceof HarnessError) throw cat;
const checks = cat.checks.filter((c): c is PromtoolRulesCheck => c.source === 'promtool-rules');
const ctx = (promtool: boolean): EvalContext => ({
  window: { start: 0, end: 60 },
  evalTime: 60,
  stepSeconds: 5,
  scrapeIntervalSeconds: 5,
  urls: {},
  backends: { prometheus: false, alertmanager: false, logs: false, promtool, traces: false },
  target: DEFAULT_TARGET,
});
let dir = '';
tempDirPerTest('promtool-kind-', (d) => (dir = d));

async function observe(spec: string, rules: string, alert: string): Promise<PromtoolTestObs> {
  const { promtool } = await ensureTools(['prometheus']);
  const obs = await promtoolObservation(promtool!, spec, rules, alert);
  if (obs instanceof HarnessError) throw obs;
  return obs;
}

describe('promtool-rules checks (AL-1…AL-3 behaviour in every run)', () => {
  it('the catalogue has one per spec alert, on the verbatim spec rules; each passes with real promtool', async () => {
    expect(checks.map((c) => [c.id, c.alert, c.requirements])).toEqual([
      ['al-1-promtool-cases', 'APIAvailabilitySLOBreach', ['AL-1']],
      ['al-2-promtool-cases', 'APILatencySLOBreach', ['AL-2']],
      ['al-3-promtool-cases', 'PipelineErrorRateSLOBreach', ['AL-3']],
    ]);
    for (const c of checks) {
      const v = evaluateOne(c, { main: await observe(c.rulesPath!, c.rulesPath!, c.alert) }, undefined, ctx(true));
      expect([v.checkId, v.outcome]).toEqual([c.id, 'pass']);
      expect(v.details?.promtoolOutput).toMatch(/SUCCESS/);
    }
  });

  it('a tampered rule file fails the check, naming the difference', async () => {
    const c = checks[2]!;
    const file = join(dir, 'rules.yml');
    writeFileSync(file, readFileSync(c.rulesPath!, 'utf8').replace('for: 3m', 'for: 1m'));
    // The cases come from the spec; only the file under test changed.
    const v = evaluateOne(c, { main: await observe(c.rulesPath!, file, c.alert) }, undefined, ctx(true));
    expect(v.outcome).toBe('fail');
    expect(v.summary).toMatch(/^PipelineErrorRateSLOBreach: \d of 3 cases fail — .*fired at \S+, expected not firing/);
  });

  it('without promtool the check is inconclusive, never a pass', () => {
    const v = evaluateOne(checks[0]!, {}, undefined, ctx(false));
    expect([v.outcome, v.reason]).toEqual(['inconclusive', 'no promtool configured']);
  });
});

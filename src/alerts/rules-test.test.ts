import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SPEC_RULE_FILE } from '../stack/config.ts';
import { ensureTools } from '../tools/provision.ts';
import { tempDirPerTest } from '../util/testing/temp-dir.ts';
import { runRulesTest } from './rules-test.ts';

// Real promtool (Debian's 2.42) on the generated cases: the verbatim spec passes, each
// tampering fails and the verdict names the alert, the case and the difference.
let dir = '';
tempDirPerTest('rules-test-', (d) => (dir = d));
const spec = readFileSync(SPEC_RULE_FILE, 'utf8');

async function run(rules: string) {
  const file = join(dir, 'rules.yml');
  writeFileSync(file, rules);
  const { promtool } = await ensureTools(['prometheus']);
  return runRulesTest({ rulesFile: file, promtool: promtool! });
}

function tamper(from: string, to: string): string {
  expect(spec).toContain(from);
  return spec.replace(from, to);
}

describe('slo-harness rules test (real promtool)', () => {
  it('the verbatim spec rules pass every case for AL-1…AL-3', async () => {
    const v = await run(spec);
    expect(v.map((x) => [x.requirements[0], x.outcome])).toEqual([
      ['AL-1', 'pass'],
      ['AL-2', 'pass'],
      ['AL-3', 'pass'],
    ]);
    expect(v[0]!.details?.promtoolOutput).toMatch(/SUCCESS/);
  });

  it.each([
    [
      'a looser threshold (0.999 → 0.99)',
      ') < 0.999',
      ') < 0.99',
      'APIAvailabilitySLOBreach',
      /breach-fires: expected firing at \S+, it did not fire/,
    ],
    [
      'a stricter threshold (0.05 → 0.04)',
      ') > 0.05',
      ') > 0.04',
      'PipelineErrorRateSLOBreach',
      /at-threshold: fired at \S+, expected not firing/,
    ],
    [
      'a longer for (2m → 3m)',
      'for: 2m',
      'for: 3m',
      'APIAvailabilitySLOBreach',
      /breach-fires: expected firing at 10m, it did not fire/,
    ],
    [
      'a shorter for (5m → 4m)',
      'for: 5m',
      'for: 4m',
      'APILatencySLOBreach',
      /short-breach: fired at \S+, expected not firing/,
    ],
    [
      'a label (slo: latency → slo: p95)',
      'slo: latency',
      'slo: p95',
      'APILatencySLOBreach',
      /slo expected "latency" got "p95"/,
    ],
    [
      'an annotation (below 99.9% → below 99%)',
      '(below 99.9%)',
      '(below 99%)',
      'APIAvailabilitySLOBreach',
      /annotation description expected "API availability is 99.8% \(below 99.9%\)" got "API availability is 99.8% \(below 99%\)"/,
    ],
  ])('%s fails, naming the alert and what differs', async (_what, from, to, alert, why) => {
    const v = await run(tamper(from, to));
    const failed = v.filter((x) => x.outcome === 'fail');
    expect(failed.map((x) => x.summary.split(':')[0])).toEqual([alert]);
    expect(failed[0]!.summary).toMatch(why);
  });

  it("a rule file without the alert fails it; an unloadable file fails all three with promtool's message", async () => {
    const noLatency =
      spec.slice(0, spec.indexOf('  - alert: APILatencySLOBreach')) +
      spec.slice(spec.indexOf('  - alert: PipelineErrorRateSLOBreach'));
    const v = await run(noLatency);
    expect(v.map((x) => x.outcome)).toEqual(['pass', 'fail', 'pass']);
    expect(v[1]!.summary).toMatch(/APILatencySLOBreach: 1 of 3 cases fail — breach-fires: expected firing/);
    const broken = await run(spec.replace('histogram_quantile(0.95,', 'histogram_quantile(0.95'));
    expect(broken.every((x) => x.outcome === 'fail' && /promtool rejected the rules/.test(x.summary))).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SPEC_RULE_FILE } from '../stack/config.ts';
import { ensureTools } from '../tools/provision.ts';
import { tempDirPerTest } from '../util/testing/temp-dir.ts';
import { runCommand } from '../util/proc.ts';
import { compressRules, compressionOf, COMPRESSION_ANNOTATION } from './compress.ts';
import { modelsFromRules } from './model.ts';
import { runRulesTest } from '../alerts/rules-test.ts';

const spec = readFileSync(SPEC_RULE_FILE, 'utf8');
let dir = '';
tempDirPerTest('compress-', (d) => (dir = d));

describe('time-compressed rules', () => {
  it('divides every for and range window by the factor and marks the copy', () => {
    const text = compressRules(spec, 20, 'checks/rules/imageflow-slo-alerts.yml');
    expect(compressionOf(text)).toBe(20);
    expect(compressionOf(spec)).toBeUndefined();
    const models = modelsFromRules(text);
    expect(models.map((m) => [m.alert, m.windowSeconds, m.forSeconds, m.threshold])).toEqual([
      ['APIAvailabilitySLOBreach', 15, 6, 0.999],
      ['APILatencySLOBreach', 15, 15, 2],
      ['PipelineErrorRateSLOBreach', 15, 9, 0.05],
    ]);
    expect(models.every((m) => m.annotations[COMPRESSION_ANNOTATION] === '20')).toBe(true);
    // Everything else is the spec's: labels, other annotations, thresholds.
    const orig = modelsFromRules(spec);
    models.forEach((m, i) => {
      const { [COMPRESSION_ANNOTATION]: _mark, ...rest } = m.annotations;
      expect([m.labels, rest, m.cmp]).toEqual([orig[i]!.labels, orig[i]!.annotations, orig[i]!.cmp]);
    });
  });

  it('refuses a factor that does not give whole seconds', () => {
    expect(() => compressRules(spec, 7)).toThrow(/not a whole number of seconds/);
    expect(() => compressRules(spec, 0)).toThrow(/not a whole number ≥ 1/);
  });

  it('is valid for promtool and behaves as its own model predicts; the spec model tells it apart', async () => {
    const file = join(dir, 'compressed.yml');
    const text = compressRules(spec, 20);
    writeFileSync(file, text);
    const { promtool } = await ensureTools(['prometheus']);
    expect((await runCommand(promtool!, ['check', 'rules', file])).code).toBe(0);
    const own = await runRulesTest({
      rulesFile: file,
      models: modelsFromRules(text),
      promtool: promtool!,
      compressed: true,
    });
    expect(own.map((v) => v.outcome)).toEqual(['pass', 'pass', 'pass']);
    expect(own[0]!.summary).toMatch(/\[compressed rules\]$/);
    const againstSpec = await runRulesTest({ rulesFile: file, promtool: promtool! });
    expect(againstSpec.map((v) => v.outcome)).toEqual(['fail', 'fail', 'fail']);
  });
});

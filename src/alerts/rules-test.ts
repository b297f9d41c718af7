/**
 * `rules test`: generates the promtool cases of every spec alert from the spec's rules and
 * runs them against the rule file under test (default: the file the embedded stack loads).
 * One promtool run per alert, so each verdict carries its own output.
 */
import { resolve } from 'node:path';
import { HarnessError } from '../util/errors.ts';
import { SPEC_RULE_FILE } from '../stack/config.ts';
import type { Verdict } from '../model/verdict.ts';
import { SPEC_ALERTS, modelsFromRules, type AlertModel } from '../rules/model.ts';
import { buildCases } from '../rules/cases.ts';
import { rulesTestVerdict } from '../rules/rules-verdict.ts';
import { compressionOf } from '../rules/compress.ts';
import { readRuleFile, runCases } from '../rules/promtool.ts';

export interface RulesTestOptions {
  /** The rule file under test (default: the one the stack loads). */
  rulesFile?: string;
  /** The spec's rules the cases are generated from (default: checks/rules/, the verbatim spec). */
  specFile?: string;
  /** Models to use instead of the spec file's (e.g. a compressed copy's). */
  models?: AlertModel[];
  promtool: string;
  compressed?: boolean;
}

export async function runRulesTest(opts: RulesTestOptions): Promise<Verdict[]> {
  const rulesFile = resolve(opts.rulesFile ?? SPEC_RULE_FILE);
  const specFile = resolve(opts.specFile ?? SPEC_RULE_FILE);
  const rulesText = await readRuleFile(rulesFile, 'rule file');
  const compressed = opts.compressed ?? compressionOf(rulesText) !== undefined;
  const models = opts.models ?? modelsFromRules(await readRuleFile(specFile, 'spec rule file'));
  const verdicts: Verdict[] = [];
  for (const { alert, requirement } of SPEC_ALERTS) {
    const model = models.find((m) => m.alert === alert);
    if (!model) throw new HarnessError('ALERT_MODEL_MISSING', `the spec's rules ${specFile} have no alert ${alert}`);
    const cases = buildCases(model);
    const run = await runCases(opts.promtool, model, cases, rulesFile);
    verdicts.push(rulesTestVerdict({ model, requirement, cases, rulesFile, specFile, compressed, run }));
  }
  return verdicts;
}

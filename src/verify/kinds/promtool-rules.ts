import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CheckBase } from '../../model/check.ts';
import { HarnessError } from '../../util/errors.ts';
import { buildCases } from '../../rules/cases.ts';
import { compressionOf } from '../../rules/compress.ts';
import { modelsFromRules } from '../../rules/model.ts';
import { rulesTestVerdict } from '../../rules/rules-verdict.ts';
import { unexpected, verdict } from '../verdict.ts';
import { defineKind } from './kind.ts';

/**
 * A spec alert's behaviour: promtool cases generated from the spec rule's SLI (src/rules/)
 * run against the rule file — fires after `for`, not shorter, not at the threshold, resolves.
 */
export interface PromtoolRulesCheck extends CheckBase {
  source: 'promtool-rules';
  /** The spec's rule file (relative to the check's file): the cases come from it and run against it. */
  rulesFile: string;
  alert: string;
  /** Filled in by the loader: the file's absolute path and its text. */
  rulesPath?: string;
  specText?: string;
}

export const promtoolRules = defineKind<PromtoolRulesCheck>({
  source: 'promtool-rules',
  schema: {
    properties: { rulesFile: { type: 'string' }, alert: { type: 'string' } },
    required: ['rulesFile', 'alert'],
  },
  async load(check, { dir, where, problems }) {
    check.rulesPath = resolve(dir, check.rulesFile);
    try {
      check.specText = await readFile(check.rulesPath, 'utf8');
    } catch (err) {
      problems.push(`${where}/rulesFile: cannot read ${check.rulesFile}: ${(err as Error).message}`);
    }
  },
  requests: (check) => {
    const file = check.rulesPath ?? check.rulesFile;
    return [{ key: 'main', backend: 'promtool', op: 'test', alert: check.alert, specFile: file, rulesFile: file }];
  },
  evaluate(check, obs) {
    const o = obs.main;
    if (o?.kind !== 'promtool-test')
      return verdict(check, 'inconclusive', 'unexpected observation', { reason: unexpected(o, 'promtool-test') });
    try {
      const model = modelsFromRules(check.specText ?? '').find((m) => m.alert === check.alert);
      if (!model)
        return verdict(check, 'inconclusive', `${check.rulesFile} has no alert ${check.alert}`, {
          reason: 'alert not in the rule file',
        });
      const cases = buildCases(model);
      const file = check.rulesPath ?? check.rulesFile;
      const v = rulesTestVerdict({
        model,
        requirement: check.requirements[0] ?? '',
        cases,
        rulesFile: file,
        specFile: file,
        compressed: compressionOf(check.specText ?? '') !== undefined,
        run: o,
      });
      return {
        ...v,
        checkId: check.id,
        title: check.title,
        requirements: check.requirements,
        severity: check.severity,
      };
    } catch (err) {
      // A spec rule the model cannot express is a limit of the harness, not a verdict on the rule.
      if (err instanceof HarnessError)
        return verdict(check, 'inconclusive', err.message, { reason: 'rule not modelled' });
      throw err;
    }
  },
});

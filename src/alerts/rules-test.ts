/**
 * `rules test`: generates the promtool cases of every spec alert from the spec's rules and
 * runs them against the rule file under test (default: the file the embedded stack loads).
 * One promtool run per alert, so each verdict carries its own output.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HarnessError } from '../util/errors.ts';
import { runCommand } from '../util/proc.ts';
import { SPEC_RULE_FILE } from '../stack/config.ts';
import type { Verdict } from '../model/verdict.ts';
import { SPEC_ALERTS, modelsFromRules, type AlertModel } from '../rules/model.ts';
import { buildCases, promtoolTestFile } from '../rules/cases.ts';
import { rulesTestVerdict } from '../rules/rules-verdict.ts';
import { compressionOf } from '../rules/compress.ts';

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

async function readRules(file: string, what: string): Promise<string> {
  if (!existsSync(file)) {
    throw new HarnessError('CONFIG_RULES_NOT_FOUND', `${what} ${file} does not exist`, {
      hint: 'pass an existing file with --rules',
    });
  }
  return readFile(file, 'utf8');
}

export async function runRulesTest(opts: RulesTestOptions): Promise<Verdict[]> {
  const rulesFile = resolve(opts.rulesFile ?? SPEC_RULE_FILE);
  const specFile = resolve(opts.specFile ?? SPEC_RULE_FILE);
  const rulesText = await readRules(rulesFile, 'rule file');
  const compressed = opts.compressed ?? compressionOf(rulesText) !== undefined;
  const models = opts.models ?? modelsFromRules(await readRules(specFile, 'spec rule file'));
  const dir = await mkdtemp(join(tmpdir(), 'slo-harness-rules-test-'));
  try {
    const verdicts: Verdict[] = [];
    for (const { alert, requirement } of SPEC_ALERTS) {
      const model = models.find((m) => m.alert === alert);
      if (!model) throw new HarnessError('ALERT_MODEL_MISSING', `the spec's rules ${specFile} have no alert ${alert}`);
      const cases = buildCases(model);
      const testFile = join(dir, `${alert}.test.yml`);
      await writeFile(testFile, promtoolTestFile(model, rulesFile, cases));
      let r;
      try {
        r = await runCommand(opts.promtool, ['test', 'rules', testFile], { timeoutMs: 60_000 });
      } catch (err) {
        throw new HarnessError('TOOL_FAILED', `could not run promtool (${opts.promtool})`, {
          cause: err,
          hint: 'apt-get install prometheus',
        });
      }
      verdicts.push(
        rulesTestVerdict({
          model,
          requirement,
          cases,
          rulesFile,
          specFile,
          compressed,
          run: { command: `promtool test rules ${testFile}`, code: r.code, output: (r.stdout + r.stderr).trim() },
        }),
      );
    }
    return verdicts;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

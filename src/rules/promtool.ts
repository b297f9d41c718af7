/**
 * Runs one alert's generated cases with promtool (I/O at the edge of src/rules/): the test
 * file is written to a temporary directory, `promtool test rules` runs it, its output is the
 * observation the pure verdict reads.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { PromtoolTestObs } from '../model/observation.ts';
import { HarnessError } from '../util/errors.ts';
import { runCommand } from '../util/proc.ts';
import { buildCases, promtoolTestFile, type Case } from './cases.ts';
import { modelsFromRules, type AlertModel } from './model.ts';

export async function readRuleFile(file: string, what: string): Promise<string> {
  if (!existsSync(file)) {
    throw new HarnessError('CONFIG_RULES_NOT_FOUND', `${what} ${file} does not exist`, {
      hint: 'pass an existing file with --rules',
    });
  }
  return readFile(file, 'utf8');
}

/** Runs one alert's cases against `rulesFile` with promtool. */
export async function runCases(
  promtool: string,
  model: AlertModel,
  cases: Case[],
  rulesFile: string,
): Promise<PromtoolTestObs> {
  const dir = await mkdtemp(join(tmpdir(), 'slo-harness-rules-test-'));
  try {
    const testFile = join(dir, `${model.alert}.test.yml`);
    await writeFile(testFile, promtoolTestFile(model, rulesFile, cases));
    let r;
    try {
      r = await runCommand(promtool, ['test', 'rules', testFile], { timeoutMs: 60_000 });
    } catch (err) {
      throw new HarnessError('TOOL_FAILED', `could not run promtool (${promtool})`, {
        cause: err,
        hint: 'apt-get install prometheus',
      });
    }
    return {
      kind: 'promtool-test',
      command: `promtool test rules ${model.alert}.test.yml`,
      code: r.code,
      output: (r.stdout + r.stderr).trim(),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The spec alert's cases (generated from `specFile`) run against `rulesFile`. */
export async function promtoolObservation(
  promtool: string,
  specFile: string,
  rulesFile: string,
  alert: string,
): Promise<PromtoolTestObs | HarnessError> {
  try {
    const model = modelsFromRules(await readRuleFile(specFile, 'spec rule file')).find((m) => m.alert === alert);
    if (!model) return new HarnessError('ALERT_MODEL_MISSING', `${specFile} has no alert ${alert}`);
    return await runCases(promtool, model, buildCases(model), resolve(rulesFile));
  } catch (err) {
    return err instanceof HarnessError ? err : new HarnessError('TOOL_FAILED', String(err));
  }
}

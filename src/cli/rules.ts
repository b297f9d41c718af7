import type { Command } from 'commander';
import { ensureTools } from '../tools/provision.ts';
import { gateExitCode } from '../util/exit-codes.ts';
import { overall } from '../verify/evaluate.ts';
import { runRulesTest } from '../alerts/rules-test.ts';

/** `slo-harness rules test`: the spec alerts' behaviour, offline, with promtool. */
export function registerRules(program: Command): void {
  const rules = program.command('rules').description('Test the alert rules (offline, with promtool).');
  rules
    .command('test')
    .description(
      'Generate promtool unit tests for AL-1…AL-3 from the spec rules (checks/rules/) and run them\n' +
        'against a rule file: each alert fires once its breach has held for `for`, not for a shorter\n' +
        'breach nor exactly at its threshold, resolves after recovery, with the specified labels and\n' +
        'rendered annotations. Prints one verdict per alert (promtool output as evidence).',
    )
    .option(
      '--rules <file>',
      'rule file under test (default: the one the embedded stack loads, checks/rules/imageflow-slo-alerts.yml)',
    )
    .option('--spec <file>', 'spec rules the cases are generated from (default: checks/rules/imageflow-slo-alerts.yml)')
    .option('--json', 'print the verdicts as JSON')
    .addHelpText(
      'after',
      '\nExit codes: 0 every alert behaves as specified, 1 at least one does not (the verdict names the\n' +
        'alert, the case, the time and the difference), 2 bad flag or missing file, 4 promtool could not run.',
    )
    .action(async (o: { rules?: string; spec?: string; json?: boolean }) => {
      const tools = await ensureTools(['prometheus'], { log: (l) => console.error(l) });
      const verdicts = await runRulesTest({ rulesFile: o.rules, specFile: o.spec, promtool: tools.promtool! });
      if (o.json) console.log(JSON.stringify(verdicts, null, 2));
      else {
        for (const v of verdicts) {
          console.log(`${v.outcome.toUpperCase().padEnd(5)} ${v.requirements.join(',')} ${v.summary}`);
          if (v.outcome !== 'pass')
            for (const d of (v.details?.differences as string[]) ?? []) console.log(`        ${d}`);
        }
      }
      process.exitCode = gateExitCode(overall(verdicts));
    });
}

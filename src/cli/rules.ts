import type { Command } from 'commander';
import { HarnessError } from '../util/errors.ts';
import { ensureTools } from '../tools/provision.ts';
import { gateExitCode } from '../util/exit-codes.ts';
import { overall } from '../verify/evaluate.ts';
import { runRulesTest } from '../alerts/rules-test.ts';
import { liveOnEmbedded } from '../alerts/embedded.ts';
import { SPEC_ALERTS } from '../rules/model.ts';
import { withInterrupt } from '../util/interrupt.ts';
import type { Verdict } from '../model/verdict.ts';

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
      print(verdicts, o.json);
    });

  rules
    .command('live')
    .description(
      'Fire each spec alert for real on the embedded stack: drive its condition with a reference-system\n' +
        'fault (AL-1 HTTP 503s, AL-2 2.5 s latency, AL-3 failing steps) under background traffic, watch\n' +
        'Prometheus, Alertmanager and the webhook receiver until it fires and is delivered, remove the\n' +
        'fault and watch it resolve. Passes when firing is seen within the physical floor (for +\n' +
        "evaluation + scrape interval + the fault's own delay) plus --slack, and both notifications arrive.\n" +
        'Starts the stack (scrape/evaluation 1 s) when it is not running and stops it afterwards.',
    )
    .option('--compress <factor>', 'divide `for` and rule windows by factor (1 = the verbatim spec rules)', '20')
    .option('--slack <seconds>', 'allowed delay over the physical floor', '5')
    .option('--alert <name...>', `only these alerts (${SPEC_ALERTS.map((a) => a.alert).join(', ')})`)
    .option(
      '--state-dir <dir>',
      'stack state directory (default $SLO_HARNESS_STATE_DIR or ~/.local/state/slo-harness/stack)',
    )
    .option('--json', 'print the verdicts as JSON')
    .addHelpText(
      'after',
      '\nVerdicts on compressed rules are marked: they show behaviour, not spec fidelity.\n' +
        'Exit codes: 0 every alert passed, 1 one failed (named, with its phase), 2 bad flag or a running\n' +
        'stack with other rules, 3 not observable (no input series, backend unreachable), 4 harness error,\n' +
        '130 interrupted (faults removed, a stack it started stopped).',
    )
    .action(async (o: { compress: string; slack: string; alert?: string[]; stateDir?: string; json?: boolean }) => {
      const factor = Number(o.compress);
      const slack = Number(o.slack);
      if (!Number.isInteger(factor) || factor < 1) {
        throw new HarnessError('CONFIG_BAD_COMPRESSION', `--compress ${o.compress}: expected a whole number ≥ 1`);
      }
      if (!(slack >= 0)) throw new HarnessError('CONFIG_BAD_SLACK', `--slack ${o.slack}: expected seconds ≥ 0`);
      const verdicts = await withInterrupt((signal) =>
        liveOnEmbedded({
          factor,
          slackSeconds: slack,
          stateDir: o.stateDir,
          alerts: o.alert,
          signal,
          log: (l) => console.error(l),
        }),
      );
      print(verdicts, o.json);
    });
}

function print(verdicts: Verdict[], json?: boolean): void {
  if (json) console.log(JSON.stringify(verdicts, null, 2));
  else {
    for (const v of verdicts) {
      console.log(`${v.outcome.toUpperCase().padEnd(5)} ${v.requirements.join(',')} ${v.summary}`);
      if (v.outcome !== 'pass') for (const d of (v.details?.differences as string[]) ?? []) console.log(`        ${d}`);
    }
  }
  process.exitCode = gateExitCode(overall(verdicts));
}

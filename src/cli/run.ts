import { Command, Option } from 'commander';
import { HarnessError } from '../util/errors.ts';
import { STOP_SIGNALS } from '../util/interrupt.ts';
import { executeRun, verifyStageFor } from '../run/run.ts';
import { reporterOption } from './options.ts';
import { errorMessage } from '../util/errors.ts';
import type { Overrides } from '../load/plan.ts';
import type { ProgressMode } from '../load/progress.ts';

interface RunFlags {
  profile: string;
  config?: string;
  target?: string;
  rate?: string;
  execRate?: string;
  duration?: string;
  reportsDir?: string;
  stateDir?: string;
  progress: 'auto' | ProgressMode;
  runId?: string;
  reporter: string[];
}

function positive(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) {
    throw new HarnessError('CONFIG_BAD_FLAG', `${flag} ${v} is not a positive number`, { hint: `e.g. ${flag} 5` });
  }
  return n;
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description(
      'Drive synthetic traffic with k6, record the ground-truth ledger, then verify every check in checks/ ' +
        'against the telemetry of the same window. Without a target config it starts the embedded default ' +
        '(stack + reference ImageFlowCanvas on 127.0.0.1), runs, and stops what it started. Output: ' +
        'reports/<run-id>/ (ledger.json, verdicts.json, k6 summary, events.jsonl). Exit: 0 passed (warnings ' +
        'allowed), 1 a gate check failed, 3 inconclusive, 4 k6 or a component failed, 130 interrupted ' +
        '(Ctrl-C stops k6, keeps the ledger so far and tears down). See docs/run.md.',
    )
    .option(
      '-p, --profile <name|file>',
      'load profile: smoke, gate, nightly, gameday, alerts, or a profile file',
      'smoke',
    )
    .option('-c, --config <file>', 'target config (YAML/JSON; see docs/run.md); default ./slo-harness.yaml if present')
    .option('-t, --target <name>', 'target in the config ("embedded" forces the embedded default)')
    .option('--rate <n>', 'API iterations per second (api-steady, soak), within the profile caps')
    .option('--exec-rate <n>', 'pipeline executions per second, within the profile caps')
    .option('--duration <d>', 'duration of every phase, e.g. 30s or 5m, within the profile caps')
    .option('--reports-dir <dir>', 'where run directories go', 'reports')
    .option(
      '--state-dir <dir>',
      'embedded stack state dir (default $SLO_HARNESS_STATE_DIR or ~/.local/state/slo-harness/stack)',
    )
    .option('--run-id <id>', 'name of the run directory (default: time-profile-random)')
    .addOption(
      new Option('--progress <mode>', 'progress display').choices(['auto', 'tty', 'plain', 'off']).default('auto'),
    )
    .addOption(reporterOption('in the run directory'))
    .action(async (flags: RunFlags) => {
      const overrides: Overrides = {};
      const rate = positive('--rate', flags.rate);
      const execRate = positive('--exec-rate', flags.execRate);
      if (rate !== undefined) overrides.rate = rate;
      if (execRate !== undefined) overrides.execRate = execRate;
      if (flags.duration !== undefined) overrides.duration = flags.duration;

      const stop = new AbortController();
      const force = new AbortController();
      const onSignal = (sig: NodeJS.Signals) => {
        if (!stop.signal.aborted) {
          process.stderr.write(
            `\n${sig}: stopping k6, keeping the ledger so far and tearing down (again to kill k6 now)…\n`,
          );
          stop.abort();
        } else {
          force.abort();
        }
      };
      for (const sig of STOP_SIGNALS) process.on(sig, onSignal);
      try {
        const out = await executeRun({
          profile: flags.profile,
          ...(flags.config ? { configFile: flags.config } : {}),
          ...(flags.target ? { target: flags.target } : {}),
          overrides,
          reportsDir: flags.reportsDir ?? 'reports',
          ...(flags.stateDir ? { stateDir: flags.stateDir } : {}),
          ...(flags.runId ? { runId: flags.runId } : {}),
          ...(flags.progress !== 'auto' ? { progress: flags.progress } : {}),
          ...(flags.reporter.length ? { reporters: flags.reporter } : {}),
          signal: stop.signal,
          forceSignal: force.signal,
          verify: verifyStageFor({ write: (t) => void process.stderr.write(t) }),
        });
        if (out.status === 'interrupted' && out.error !== undefined) {
          // Interrupted before or during a task (e.g. stack start-up): nothing is left running.
          const hint = out.error instanceof HarnessError && out.error.hint ? ` (${out.error.hint})` : '';
          process.stderr.write(`interrupted: ${errorMessage(out.error)}${hint}\n`);
        } else if (out.error !== undefined) {
          // A harness failure: main formats it (a configuration error is a usage error, 2).
          throw out.error;
        }
        process.exitCode = out.exitCode;
      } finally {
        for (const sig of STOP_SIGNALS) process.off(sig, onSignal);
      }
    });
}

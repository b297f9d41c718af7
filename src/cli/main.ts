import { Command, CommanderError } from 'commander';
import { formatError, HarnessError } from '../util/errors.ts';
import { registerCommands } from './commands.ts';
import { EXIT } from '../util/exit-codes.ts';

export { EXIT } from '../util/exit-codes.ts';

export async function main(argv: string[]): Promise<number> {
  const program = new Command('slo-harness')
    .description(
      'Prove that ImageFlowCanvas meets its SLOs and that its monitoring tells the truth.\n' +
        'Drives synthetic traffic with k6, queries Prometheus, Alertmanager, Jaeger and the logs,\n' +
        'and writes pass/fail reports. With no configuration it runs an embedded default stack on 127.0.0.1.',
    )
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Exit codes:
  0    everything passed (or the command succeeded)
  1    the gate failed: at least one check failed
  2    usage error (bad flag, bad config)
  3    inconclusive: some check could not be observed, none failed
  4    the harness could not do its job (a tool or component failed)
  130  interrupted (Ctrl-C / SIGTERM); partial results are kept

Environment:
  SLO_HARNESS_STATE_DIR   where the embedded stack keeps pids, ports, data and logs
  SLO_HARNESS_TOOLS_DIR   cache of pinned tool builds (default ~/.cache/slo-harness/tools)
  SLO_HARNESS_JAVA        the java binary for the optional Elasticsearch (a JDK 11–21)`,
    );
  registerCommands(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    console.error(formatError(err));
    if (err instanceof HarnessError && err.code.startsWith('CONFIG_')) return EXIT.usage;
    if (err instanceof HarnessError && err.code === 'INTERRUPTED') return EXIT.interrupted;
    return EXIT.error;
  }
}

import type { Command } from 'commander';
import { existsSync, watchFile, unwatchFile, createReadStream, statSync } from 'node:fs';
import { HarnessError } from '../util/errors.ts';
import { withInterrupt } from '../util/interrupt.ts';
import { COMPONENT_NAMES, parsePortFlags, type ComponentName } from '../stack/config.ts';
import { stackDown, stackStatus, stackUp, stackUrls, tailFile } from '../stack/lifecycle.ts';
import { logPath } from '../stack/components.ts';
import { readState } from '../stack/state.ts';
import { defaultStateDir } from '../stack/config.ts';

const collect = (v: string, acc: string[]) => [...acc, v];

export function registerStack(program: Command): void {
  const stack = program
    .command('stack')
    .description(
      'Manage the embedded stack: Prometheus, Alertmanager, node exporter, Jaeger v2, an alert\n' +
        'webhook sink and the reference ImageFlowCanvas, all bound to 127.0.0.1.',
    )
    .option(
      '--state-dir <dir>',
      'pids, ports, configs, data and logs (default $SLO_HARNESS_STATE_DIR or ~/.local/state/slo-harness/stack)',
    );

  const stateDirOf = (cmd: Command): string | undefined => (cmd.optsWithGlobals() as { stateDir?: string }).stateDir;

  stack
    .command('up')
    .description('Start every component (idempotent) and wait until each is healthy.')
    .option('--scrape-interval <d>', 'Prometheus scrape interval', '5s')
    .option('--evaluation-interval <d>', 'Prometheus rule evaluation interval (default: the scrape interval)')
    .option('--retention <d>', 'Prometheus TSDB retention (RET-6 wants >= 180d)', '180d')
    .option(
      '--port <name=N>',
      'pin a port, e.g. --port prometheus=9999 (repeatable); a taken pinned port is an error',
      collect,
      [],
    )
    .option('--only <components>', `comma-separated subset of: ${COMPONENT_NAMES.join(', ')}`)
    .option('--ready-timeout <ms>', 'deadline for all components to become healthy', '60000')
    .option(
      '--compress-rules <factor>',
      'load time-compressed alert rules: `for` and windows divided by factor (behaviour, not spec fidelity)',
    )
    .action(
      async (
        o: {
          scrapeInterval: string;
          evaluationInterval?: string;
          retention: string;
          port: string[];
          only?: string;
          readyTimeout: string;
          compressRules?: string;
        },
        cmd: Command,
      ) => {
        const started = Date.now();
        // Ctrl-C while starting stops what was started (the components run in their own
        // process groups, so the terminal's SIGINT does not reach them) and exits 130.
        const res = await withInterrupt((signal) =>
          stackUp({
            signal,
            stateDir: stateDirOf(cmd),
            scrapeInterval: o.scrapeInterval,
            evaluationInterval: o.evaluationInterval,
            retention: o.retention,
            ruleCompression: o.compressRules === undefined ? undefined : Number(o.compressRules),
            ports: parsePortFlags(o.port),
            components: o.only ? (o.only.split(',').map((s) => s.trim()) as ComponentName[]) : undefined,
            readyTimeoutMs: parseReadyTimeout(o.readyTimeout),
            log: (l) => console.error(l),
          }),
        );
        if (res.started) console.error(`all healthy in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        await printStatus(res.state.stateDir);
      },
    );

  stack
    .command('down')
    .description('Stop exactly the processes `up` started (by recorded pid) and forget them.')
    .action(async (_o: unknown, cmd: Command) => {
      const n = await stackDown({ stateDir: stateDirOf(cmd), log: (l) => console.error(l) });
      console.log(n === 0 ? 'nothing was running' : `stack down (${n} processes stopped)`);
    });

  stack
    .command('status')
    .description('List each component with its URL and health. Exit 1 if any is unhealthy.')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const dir = stateDirOf(cmd) ?? defaultStateDir();
      if (o.json) {
        const s = await stackStatus({ stateDir: dir });
        const { state: _omitSecrets, ...rest } = s;
        console.log(JSON.stringify({ ...rest, urls: s.state ? withoutToken(stackUrls(s.state)) : undefined }, null, 2));
        if (!s.state || s.components.some((c) => !c.healthy)) process.exitCode = 1;
        return;
      }
      if (!(await printStatus(dir))) process.exitCode = 1;
    });

  stack
    .command('logs [component]')
    .description('Show the tail of each component log (or of one); -f follows it.')
    .option('-n, --lines <n>', 'lines per log', '20')
    .option('-f, --follow', 'keep printing new lines (one component)')
    .action(async (component: string | undefined, o: { lines: string; follow?: boolean }, cmd: Command) => {
      const dir = stateDirOf(cmd) ?? defaultStateDir();
      const loaded = await readState(dir);
      const names = component
        ? [component]
        : loaded.kind === 'ok'
          ? Object.keys(loaded.state.components)
          : [...COMPONENT_NAMES];
      if (component && !(COMPONENT_NAMES as readonly string[]).includes(component)) {
        throw new HarnessError('CONFIG_UNKNOWN_COMPONENT', `unknown component "${component}"`, {
          hint: `choose from: ${COMPONENT_NAMES.join(', ')}`,
        });
      }
      for (const name of names) {
        const file = logPath(dir, name);
        if (!existsSync(file)) continue;
        if (names.length > 1) console.log(`==> ${name} (${file}) <==`);
        console.log(await tailFile(file, Number(o.lines)));
      }
      if (o.follow && component) await follow(logPath(dir, component));
    });
}

function parseReadyTimeout(value: string): number {
  const ms = Number(value);
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new HarnessError(
      'CONFIG_BAD_TIMEOUT',
      `--ready-timeout "${value}" is not a positive number of milliseconds`,
      {
        hint: 'e.g. --ready-timeout 60000',
      },
    );
  }
  return ms;
}

function withoutToken<T extends { adminToken: string }>(u: T): Omit<T, 'adminToken'> {
  const { adminToken: _secret, ...rest } = u;
  return rest;
}

async function printStatus(stateDir: string): Promise<boolean> {
  const s = await stackStatus({ stateDir });
  if (s.problem) {
    console.log(`stack state is unreadable: ${s.problem}\nhint: \`slo-harness stack down\` cleans it up`);
    return false;
  }
  if (!s.state) {
    console.log(`no stack running (state dir ${stateDir})\nhint: \`slo-harness stack up\``);
    return false;
  }
  const rows = s.components.map((c) => [
    c.name,
    String(c.pid),
    c.healthy ? 'healthy' : c.running ? 'UNHEALTHY' : 'STOPPED',
    c.url,
    c.healthy ? '' : c.detail,
  ]);
  const widths = [0, 1, 2, 3].map((i) =>
    Math.max(...rows.map((r) => r[i]!.length), ['COMPONENT', 'PID', 'HEALTH', 'URL'][i]!.length),
  );
  const fmt = (r: string[]) =>
    r
      .slice(0, 4)
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ') + (r[4] ? `  ${r[4]}` : '');
  console.log(fmt(['COMPONENT', 'PID', 'HEALTH', 'URL']));
  for (const r of rows) console.log(fmt(r));
  const u = stackUrls(s.state);
  console.log(`\nOTLP: http ${u.jaegerOtlpHttp}  grpc ${u.jaegerOtlpGrpc}\nstate: ${stateDir}  logs: ${u.logDir}`);
  return s.components.every((c) => c.healthy);
}

async function follow(file: string): Promise<void> {
  let pos = statSync(file).size;
  await new Promise<void>((resolve) => {
    const onChange = () => {
      const size = statSync(file).size;
      if (size > pos) createReadStream(file, { start: pos, end: size - 1 }).pipe(process.stdout, { end: false });
      pos = size;
    };
    watchFile(file, { interval: 250 }, onChange);
    process.once('SIGINT', () => {
      unwatchFile(file, onChange);
      resolve();
    });
  });
}

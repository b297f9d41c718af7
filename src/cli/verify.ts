import { mkdir, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { reportersNamed, writeReports } from '../report/registry.ts';
import { renderSummary } from '../report/summary.ts';
import { commaList, reporterOption } from './options.ts';
import type { Ledger } from '../model/ledger.ts';
import { defaultStateDir } from '../stack/config.ts';
import { readState } from '../stack/state.ts';
import { HarnessError } from '../util/errors.ts';
import { parseDuration, requireDurationMs } from '../util/duration.ts';
import {
  backendUrlFromFlag,
  configPathFor,
  embeddedTarget,
  loadTargetConfig,
  resolveTarget,
  type ResolvedTarget,
} from '../config/target.ts';
import type { Endpoint } from '../sources/http.ts';
import type { ElasticsearchLogConfig } from '../sources/elasticsearch-logs.ts';
import { DEFAULT_CHECKS_DIR, verify, type VerifyReport } from '../verify/engine.ts';
import { savedVerification } from '../report/json.ts';
import { gateExitCode } from '../util/exit-codes.ts';
import { withInterrupt } from '../util/interrupt.ts';

/** `--since 2h` (ago) or an ISO-8601 instant. */
export function parseInstant(text: string, now: number): Date | HarnessError {
  const ago = parseDuration(text);
  if (ago !== undefined) return new Date(now - ago * 1000);
  const t = Date.parse(text);
  if (Number.isNaN(t))
    return new HarnessError('CONFIG_TIME', `"${text}" is neither an ISO-8601 time nor a duration ago (e.g. 2h)`);
  return new Date(t);
}

/**
 * With --out DIR, the same report files `run` writes into its run directory (--reporter
 * picks them); a reporter that fails is a warning, the others still write.
 */
async function writeVerifyReports(
  o: Record<string, string | string[] | boolean | undefined>,
  report: VerifyReport,
  ledger: Ledger | undefined,
  since: Date,
): Promise<string[]> {
  const names = o.reporter as string[];
  const reporters = reportersNamed(names);
  if (!o.out) return [];
  const dir = resolve(String(o.out));
  await mkdir(dir, { recursive: true });
  const runId = ledger?.runId ?? `verify-${since.toISOString()}`;
  const written = await writeReports(
    reporters,
    { runId, report, ...(ledger ? { ledger } : {}), env: process.env },
    dir,
    (f) => console.error(`verify: warning: the ${f.reporter} reporter failed: ${f.message}`),
  );
  return written.files;
}

function parseHeaderEnv(flag: string): [string, string] {
  const [header, env] = flag.split('=');
  if (!header || !env) {
    throw new HarnessError('CONFIG_HEADER_ENV', `--prometheus-header-env ${flag}: expected Header=ENV_VAR`, {
      hint: 'e.g. --prometheus-header-env Authorization=PROM_AUTH (the variable holds the value)',
    });
  }
  return [header, env];
}

async function readLedger(file: string): Promise<Ledger> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new HarnessError('CONFIG_LEDGER', `cannot read the ledger ${file}`, {
      cause: err,
      hint: 'pass the ledger.json of a run directory (reports/<run-id>/ledger.json)',
    });
  }
  const l = parsed as Partial<Ledger>;
  if (l.schemaVersion !== 1 || !l.window || !l.requests) {
    throw new HarnessError('CONFIG_LEDGER', `${file} is not a slo-harness ledger (schemaVersion 1)`, {
      hint: 'pass the ledger.json of a run directory (reports/<run-id>/ledger.json)',
    });
  }
  return l as Ledger;
}

const ES_FLAGS = {
  esTimeField: 'timeField',
  esMalformedQuery: 'malformedQuery',
  esApiKeyEnv: 'apiKeyEnv',
  esUsernameEnv: 'usernameEnv',
  esPasswordEnv: 'passwordEnv',
  esCaFile: 'caFile',
} as const;

/**
 * `--elasticsearch URL --es-index PATTERN …` as a log store; the `--es-*` flags alone refine
 * the store of the target config (`base`). Undefined when neither names one.
 */
export function logStoreFromFlags(
  o: Record<string, string | string[] | boolean | undefined>,
  base?: ElasticsearchLogConfig,
): ElasticsearchLogConfig | undefined {
  const extra: Partial<ElasticsearchLogConfig> = {};
  for (const [flag, field] of Object.entries(ES_FLAGS)) if (typeof o[flag] === 'string') extra[field] = o[flag];
  const url = (o.elasticsearch as string | undefined) ?? base?.url;
  const index = (o.esIndex as string | undefined) ?? base?.index;
  if (!url && !index && Object.keys(extra).length === 0) return undefined;
  if (!url || !index)
    throw new HarnessError(
      'CONFIG_LOG_STORE',
      '--elasticsearch and --es-index go together (the --es-* flags refine them)',
      {
        hint: 'e.g. --elasticsearch https://es.example.com:9200 --es-index "imageflow-*"',
      },
    );
  if ((o.logs as string[] | undefined)?.length)
    throw new HarnessError('CONFIG_LOG_STORE', '--logs (files) and Elasticsearch are two log sources: pass one');
  // A store named on the command line starts afresh; flags refine the config's own.
  const from = o.elasticsearch ? {} : (base ?? {});
  return { ...from, url, index, ...extra };
}

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description(
      'Evaluate the check catalogue on an existing window, without generating traffic\n' +
        "(e.g. a real deployment's nightly data). Backends default to the embedded stack when it runs.",
    )
    .requiredOption('--since <time>', 'window start: ISO-8601 or a duration ago (2h)')
    .option('--until <time>', 'window end: ISO-8601 or a duration ago (default now)')
    .option(
      '-c, --config <file>',
      'a run target config (docs/run.md): its Prometheus, Alertmanager, logs and telemetry names',
    )
    .option('-t, --target <name>', 'target in the config (default: its defaultTarget or only target)')
    .option('--prometheus <url>', 'Prometheus base URL (overrides the config)')
    .option('--alertmanager <url>', 'Alertmanager base URL')
    .option('--jaeger <url>', "Jaeger's query base URL (its api_v3), for the trace checks")
    .option('--logs <paths>', 'JSON-lines log files or directories (repeatable, comma-separated)', commaList, [])
    .option('--elasticsearch <url>', 'read the logs from Elasticsearch instead of files (with --es-index)')
    .option('--es-index <pattern>', 'the Elasticsearch index or pattern holding the application logs, e.g. imageflow-*')
    .option('--es-time-field <field>', 'the time field that places a record in the window (default @timestamp)')
    .option(
      '--es-malformed-query <lucene>',
      'how the shipper marks lines that were not JSON, e.g. tags:_jsonparsefailure',
    )
    .option('--es-api-key-env <VAR>', 'environment variable holding an Elasticsearch API key')
    .option('--es-username-env <VAR>', 'environment variable holding the Elasticsearch user (with --es-password-env)')
    .option('--es-password-env <VAR>', 'environment variable holding the Elasticsearch password')
    .option('--es-ca-file <pem>', "the CA that signed the cluster's certificate (default: the system's CAs)")
    .option('--ledger <file>', 'a run ledger, to also judge ground truth for that window')
    .option('--checks <dir>', 'check catalogue directory', DEFAULT_CHECKS_DIR)
    .option(
      '--telemetry-map <file>',
      'telemetry names mapping (YAML: job, metrics, executionStatus, uninstrumentedRoutes)',
    )
    .option('--only <ids>', 'check ids or requirement IDs (comma-separated, repeatable)', commaList, [])
    .option('--scrape-interval <d>', "Prometheus scrape interval (default: the embedded stack's, else 15s)")
    .option('--evaluation-interval <d>', 'rule evaluation interval (default: the scrape interval)')
    .option(
      '--prometheus-header-env <Header=ENV>',
      'send header from an environment variable (repeatable)',
      commaList,
      [],
    )
    .option('--state-dir <dir>', 'embedded stack state directory')
    .option(
      '--deadline <duration>',
      'one overall deadline for the whole verification, settling included (default: the settle budget + 2m); ' +
        'what a slow or failing backend has not answered by then is inconclusive',
    )
    .option('--json', 'print the verdicts as JSON')
    .option('--out <dir>', 'also write the report files there (verdicts.json, junit.xml, summary.md)')
    .addOption(reporterOption('written with --out'))
    .action(async (o: Record<string, string | string[] | boolean | undefined>) => {
      const now = Date.now();
      const since = parseInstant(String(o.since), now);
      if (since instanceof HarnessError) throw since;
      const until = o.until ? parseInstant(String(o.until), now) : new Date(now);
      if (until instanceof HarnessError) throw until;
      if (until <= since) throw new HarnessError('CONFIG_TIME', '--until must be after --since');
      // Named formats that go nowhere are a mistake worth saying, before anything is queried.
      if ((o.reporter as string[]).length && !o.out) {
        throw new HarnessError('CONFIG_REPORTER', '--reporter needs --out DIR (where the report files go)', {
          hint: 'e.g. --out reports/verify-nightly --reporter junit',
        });
      }
      reportersNamed(o.reporter as string[]);
      // Flags name backends; a URL with credentials in it is refused before anything is read.
      const promFlag = o.prometheus ? backendUrlFromFlag('--prometheus', String(o.prometheus)) : undefined;
      const amFlag = o.alertmanager ? backendUrlFromFlag('--alertmanager', String(o.alertmanager)) : undefined;
      const jaegerFlag = o.jaeger ? backendUrlFromFlag('--jaeger', String(o.jaeger)) : undefined;
      const configFile = configPathFor(o.config as string | undefined);
      if (o.target && !configFile) {
        throw new HarnessError('CONFIG_TARGET_WITHOUT_CONFIG', `--target ${String(o.target)} needs a target config`, {
          hint: 'pass --config FILE (or put slo-harness.yaml in this directory); a telemetry names file is --telemetry-map',
        });
      }
      // The same resolution as `run`: a config target, else the embedded stack when no
      // --prometheus names a backend. Flags then override what it gives.
      let base: ResolvedTarget | undefined;
      if (configFile) {
        if (!o.config) console.error(`verify: using the target config ${configFile}`);
        base = resolveTarget(
          await loadTargetConfig(configFile),
          configFile,
          o.target as string | undefined,
          process.env,
          {
            needCredentials: false,
          },
        );
        if (!base.prometheus && !promFlag) {
          // Never fall back to the embedded stack when a deployment was named.
          throw new HarnessError('CONFIG_BACKEND', `target "${base.name}" in ${configFile} configures no Prometheus`, {
            where: `${configFile} /targets/${base.name}/prometheus`,
            hint: 'add prometheus: { url: … } to the target, or pass --prometheus URL',
          });
        }
      } else if (!promFlag) {
        const st = await readState((o.stateDir as string | undefined) ?? defaultStateDir());
        if (st.kind !== 'ok') {
          throw new HarnessError('CONFIG_BACKEND', 'no --prometheus given and no embedded stack is running', {
            hint: 'pass --prometheus URL (and --alertmanager, --logs), or run `slo-harness stack up`',
          });
        }
        base = embeddedTarget(st.state);
      }
      const headerFlags = Object.fromEntries((o.prometheusHeaderEnv as string[]).map(parseHeaderEnv));
      const promBase = promFlag ? { url: promFlag } : (base?.prometheus as Endpoint);
      const prometheus: Endpoint = { ...promBase, headersEnv: { ...(promBase.headersEnv ?? {}), ...headerFlags } };
      const alertmanager = amFlag ? { url: amFlag } : base?.alertmanager;
      const jaeger = jaegerFlag ? { url: jaegerFlag } : base?.jaeger;
      let logs = o.logs as string[];
      // A store named by flags; else the base's, refined by the --es-* flags.
      let logStore = o.elasticsearch || o.esIndex ? logStoreFromFlags(o) : undefined;
      if (logs.length === 0 && !logStore && base?.logs?.kind === 'file') logs = base.logs.paths;
      if (logs.length === 0 && !logStore && base?.logs?.kind === 'elasticsearch')
        logStore = logStoreFromFlags(o, base.logs);
      // --es-* flags with no store to refine: say what is missing.
      logStore ??= logStoreFromFlags(o);
      const scrape = (o.scrapeInterval as string | undefined) ?? base?.scrapeInterval;
      const evalIv = (o.evaluationInterval as string | undefined) ?? base?.evaluationInterval;
      // An explicit --telemetry-map wins over the config's telemetry block.
      const telemetry = o.telemetryMap ? undefined : base?.telemetry;
      const ledger = o.ledger ? await readLedger(String(o.ledger)) : undefined;
      const deadlineMs = o.deadline ? requireDurationMs(String(o.deadline), '--deadline') : undefined;
      // Ctrl-C stops verification's waits at once (INTERRUPTED, exit 130).
      const report = await withInterrupt((signal) =>
        verify({
          window: { start: since, end: until },
          ledger,
          prometheus,
          ...(alertmanager ? { alertmanager } : {}),
          ...(jaeger ? { jaeger } : {}),
          logs,
          ...(logStore ? { logStore } : {}),
          checksDir: o.checks as string,
          targetFile: o.telemetryMap as string | undefined,
          ...(telemetry ? { telemetry } : {}),
          only: o.only as string[],
          scrapeInterval: scrape,
          evaluationInterval: evalIv,
          log: (l) => console.error(l),
          signal,
          ...(deadlineMs !== undefined ? { deadlineMs } : {}),
        }),
      );
      if (report instanceof HarnessError) throw report;
      const files = await writeVerifyReports(o, report, ledger, since);
      if (o.json) console.log(JSON.stringify(savedVerification(report), null, 2));
      else console.log(renderSummary(report, { show: 'all', files }).trimEnd());
      process.exitCode = gateExitCode(report.outcome);
    });
}

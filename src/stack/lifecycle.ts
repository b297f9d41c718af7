import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { HarnessError, errorMessage } from '../util/errors.ts';
import { acquireLock } from '../util/lock.ts';
import { freePorts, isPortFree, LOOPBACK } from '../util/ports.ts';
import { runCommand } from '../util/proc.ts';
import {
  isOurs,
  stopByRecord,
  supervise,
  tailFile as tailLog,
  waitReady,
  type Supervised,
} from '../util/process/supervisor.ts';
import { ensureTools } from '../tools/provision.ts';
import { requireDurationMs } from '../util/duration.ts';
import type { ToolName } from '../tools/manifest.ts';
import {
  COMPONENT_NAMES,
  DEFAULT_PORTS,
  DEFAULT_RETENTION,
  DEFAULT_SCRAPE_INTERVAL,
  PORT_NAMES,
  REFERENCE_COMPONENTS,
  SPEC_RULE_FILE,
  defaultStateDir,
  PROJECT_ROOT,
  type ComponentName,
  type Ports,
  type StackOptions,
} from './config.ts';
import {
  COMPONENTS,
  alertDeliveriesPath,
  appLogPath,
  configPath,
  dataPath,
  logPath,
  type LaunchContext,
} from './components.ts';
import { renderConfigs } from './render.ts';
import { writeCompressedRules } from '../rules/compress-files.ts';
import { isRunOwned, liveLeases, setRunOwned } from './lease.ts';
import {
  assertStateDirUsable,
  clearState,
  readPidFiles,
  readState,
  writePidFile,
  writeState,
  type ProcessRecord,
  type StackState,
} from './state.ts';
import { join } from 'node:path';

export type { StackState } from './state.ts';

const STOP_GRACE_MS = 10_000;

/** Components to run: all by default; reference services only when the reference system exists. */
export function selectComponents(requested?: readonly string[]): ComponentName[] {
  if (requested) {
    const unknown = requested.filter((c) => !(COMPONENT_NAMES as readonly string[]).includes(c));
    if (unknown.length > 0) {
      throw new HarnessError('CONFIG_UNKNOWN_COMPONENT', `unknown stack component(s): ${unknown.join(', ')}`, {
        hint: `choose from: ${COMPONENT_NAMES.join(', ')}`,
      });
    }
    return COMPONENT_NAMES.filter((c) => requested.includes(c));
  }
  const hasReference = existsSync(join(PROJECT_ROOT, 'reference', 'main.ts'));
  return COMPONENT_NAMES.filter((c) => hasReference || !REFERENCE_COMPONENTS.includes(c));
}

/** Chooses ports: explicit ones must be free; a taken default is replaced by a free port. */
export async function choosePorts(
  needed: ReadonlySet<keyof Ports>,
  explicit: Partial<Ports>,
  log: (l: string) => void,
  defaults: Ports = DEFAULT_PORTS,
): Promise<Ports> {
  const ports = { ...defaults, ...explicit } as Ports;
  const used = new Set<number>();
  for (const name of PORT_NAMES) {
    if (!needed.has(name)) continue;
    const port = ports[name];
    const free = !used.has(port) && (await isPortFree(port));
    if (!free && explicit[name] !== undefined) {
      throw new HarnessError('PORT_IN_USE', `port ${port} (${name}) is already in use on ${LOOPBACK}`, {
        hint: `stop what listens there (\`ss -ltnp 'sport = :${port}'\` shows it) or choose another port with --port ${name}=N`,
      });
    }
    if (!free) {
      const [alt] = (await freePorts(1, used)) as [number];
      log(`port ${port} (${name}) is taken; using ${alt} instead`);
      ports[name] = alt;
    }
    used.add(ports[name]);
  }
  return ports;
}

const CHILD_ENV_KEYS = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'USER'];

function childEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of CHILD_ENV_KEYS) if (env[k] !== undefined) out[k] = env[k] as string;
  return out;
}

async function ephemeralDefaults(): Promise<Ports> {
  const out = { ...DEFAULT_PORTS } as Ports;
  const ports = await freePorts(PORT_NAMES.length);
  PORT_NAMES.forEach((name, i) => (out[name] = ports[i]!));
  return out;
}

function launchContext(state: StackState, tools: Record<string, string>): LaunchContext {
  return {
    host: state.host,
    ports: state.ports,
    stateDir: state.stateDir,
    tools,
    retention: state.retention,
    adminToken: state.adminToken,
  };
}

async function httpOk(url: string, timeoutMs = 2000): Promise<{ ok: boolean; reason: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return { ok: res.ok, reason: `HTTP ${res.status} from ${url}` };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return { ok: false, reason: `${url}: ${cause ?? errorMessage(err)}` };
  }
}

/** A component's log, its last lines (`stack logs`). */
export async function tailFile(path: string, lines = 20): Promise<string> {
  return (await tailLog(path, lines)) ?? '(no log written)';
}

/** Stops one recorded process (its whole process group), SIGTERM then SIGKILL after a grace period. */
function stopProcess(rec: { pid: number; startTime: string }): Promise<void> {
  return stopByRecord(rec, { graceMs: STOP_GRACE_MS });
}

/** Stops every process a state dir knows of (state.json and pid files), then forgets them. */
async function stopRecorded(
  stateDir: string,
  state: StackState | undefined,
  log: (l: string) => void,
): Promise<number> {
  const records = new Map<string, { pid: number; startTime: string }>();
  for (const p of await readPidFiles(stateDir)) records.set(`${p.pid}:${p.startTime}`, p);
  for (const rec of Object.values(state?.components ?? {})) {
    if (rec) records.set(`${rec.pid}:${rec.startTime}`, rec);
  }
  const alive = [...records.values()].filter(isOurs);
  // Reverse start order is not needed for correctness here; stop all at once to be quick.
  await Promise.all(alive.map(stopProcess));
  const survivors = alive.filter(isOurs);
  if (survivors.length > 0) {
    // Keep the records: forgetting a live process would orphan it for good.
    throw new HarnessError('STOP_FAILED', `could not stop pid(s) ${survivors.map((r) => r.pid).join(', ')}`, {
      where: stateDir,
      hint: `kill them by hand (kill -9 ${survivors.map((r) => r.pid).join(' ')}), then run \`slo-harness stack down\` again`,
    });
  }
  if (alive.length > 0) log(`stopped ${alive.length} leftover process(es)`);
  await clearState(stateDir);
  return alive.length;
}

export interface UpResult {
  state: StackState;
  /** false when the stack was already up and healthy (idempotent `up`). */
  started: boolean;
  /** Time to all-healthy per component (ms from spawn), for the bench and the status line. */
  readyMs: Partial<Record<ComponentName, number>>;
}

/** Brings the embedded stack up (idempotent). On any failure, stops what it started. */
export async function stackUp(opts: StackOptions = {}): Promise<UpResult> {
  const log = opts.log ?? (() => {});
  const env = opts.env ?? process.env;
  const stateDir = opts.stateDir ?? defaultStateDir(env);
  assertStateDirUsable(stateDir);
  await mkdir(stateDir, { recursive: true });
  const release = await acquireLock(join(stateDir, 'lock'), {
    onWait: (pid) => log(`waiting for another slo-harness (pid ${pid}) using ${stateDir}…`),
  });
  try {
    return await upLocked(stateDir, opts, log, env);
  } finally {
    await release();
  }
}

async function upLocked(
  stateDir: string,
  opts: StackOptions,
  log: (l: string) => void,
  env: NodeJS.ProcessEnv,
): Promise<UpResult> {
  const components = selectComponents(opts.components);
  const existing = await readState(stateDir);
  if (existing.kind === 'ok') {
    const st = existing.state;
    const recorded = Object.keys(st.components) as ComponentName[];
    const allOurs = recorded.every((c) => isOurs(st.components[c] as ProcessRecord));
    const covers = components.every((c) => recorded.includes(c));
    if (allOurs && covers) {
      const health = await Promise.all(recorded.map((c) => httpOk((st.components[c] as ProcessRecord).readyUrl)));
      if (health.every((h) => h.ok)) {
        log(`stack already up (state: ${stateDir})`);
        return { state: st, started: false, readyMs: {} };
      }
    }
    log(`found a stack in ${stateDir} that is not fully running or healthy (left by a crash?): cleaning it up`);
    await stopRecorded(stateDir, st, log);
  } else if (existing.kind === 'corrupt') {
    log(`warning: ${existing.reason}; recovering: stopping processes recorded in pid files and starting afresh`);
    await stopRecorded(stateDir, undefined, log);
  } else if ((await readPidFiles(stateDir)).length > 0) {
    log('found pid files without a state file (a crash during `up`?): cleaning up');
    await stopRecorded(stateDir, undefined, log);
  }

  const toolNames = [
    ...new Set(components.map((c) => COMPONENTS[c].tool).filter((t) => t !== undefined)),
  ] as ToolName[];
  const tools = await ensureTools(toolNames, { log, env });

  const scrapeInterval = opts.scrapeInterval ?? DEFAULT_SCRAPE_INTERVAL;
  const evaluationInterval = opts.evaluationInterval ?? scrapeInterval;
  const scrapeMs = requireDurationMs(scrapeInterval, '--scrape-interval');
  requireDurationMs(evaluationInterval, '--evaluation-interval');
  const needed = new Set(components.flatMap((c) => COMPONENTS[c].ports));
  const strategy = opts.portStrategy ?? (env.SLO_HARNESS_PORTS === 'ephemeral' ? 'ephemeral' : 'defaults');
  const ports = await choosePorts(
    needed,
    opts.ports ?? {},
    strategy === 'ephemeral' ? () => {} : log,
    strategy === 'ephemeral' ? await ephemeralDefaults() : DEFAULT_PORTS,
  );

  const state: StackState = {
    version: 1,
    stateDir,
    startedAt: new Date().toISOString(),
    host: LOOPBACK,
    scrapeInterval,
    evaluationInterval,
    retention: opts.retention ?? DEFAULT_RETENTION,
    ports,
    adminToken: randomBytes(24).toString('hex'),
    components: {},
    ...(opts.ruleCompression !== undefined && opts.ruleCompression > 1
      ? { ruleCompression: opts.ruleCompression }
      : {}),
  };

  // Configs are rendered from the repo's templates; rules are validated before anything starts.
  const ruleFiles = await writeCompressedRules(
    opts.ruleFiles ?? [SPEC_RULE_FILE],
    opts.ruleCompression,
    join(stateDir, 'config'),
  );
  if (components.includes('prometheus')) await checkRules(tools.promtool, ruleFiles);
  const configs = renderConfigs({
    host: state.host,
    ports,
    scrapeInterval,
    scrapeTimeoutMs: Math.max(100, Math.floor(scrapeMs * 0.8)),
    evaluationInterval,
    ruleFiles,
    jaegerMaxTraces: 100_000,
  });
  await mkdir(join(stateDir, 'config'), { recursive: true });
  await mkdir(join(stateDir, 'logs'), { recursive: true });
  for (const d of ['prometheus', 'alertmanager', 'imageflow', 'alert-sink']) {
    await mkdir(dataPath(stateDir, d), { recursive: true });
  }
  for (const c of components) {
    const cfg = configs[c];
    if (cfg) await writeFile(configPath(stateDir, cfg.file), cfg.content);
  }

  const ctx = launchContext(state, tools);
  const children = new Map<ComponentName, { proc: Supervised; spawnedAt: number }>();
  const readyMs: Partial<Record<ComponentName, number>> = {};
  try {
    const interrupted = () =>
      new HarnessError('INTERRUPTED', 'stack start-up interrupted', { hint: 'nothing was left running' });
    for (const name of components) {
      if (opts.signal?.aborted) throw interrupted();
      const def = COMPONENTS[name];
      const launch = def.launch(ctx);
      const logFile = logPath(stateDir, name);
      // Own process group (the supervisor's): a Ctrl-C in the terminal that ran `stack up`
      // does not reach the stack, and `down` stops a component with anything it spawned.
      // Not dieWithUs: the stack outlives `stack up`; `down` stops it from its records.
      const proc = await supervise({
        command: launch.command,
        args: launch.args,
        cwd: stateDir,
        // Long-lived, detached children get only what they need, not the harness's whole
        // environment (which may hold credentials for a real target).
        env: { ...childEnv(env), ...launch.env },
        output: { file: logFile },
        label: name,
        unref: true,
      }).catch(async (err: unknown) => {
        const cause = err instanceof HarnessError && err.cause instanceof Error ? err.cause : err;
        throw await componentFailed(name, `could not start: ${errorMessage(cause)}`, logFile);
      });
      children.set(name, { proc, spawnedAt: Date.now() });
      const { pid, startTime } = proc;
      await writePidFile(stateDir, name, { pid, startTime, command: launch.command });
      state.components[name] = {
        pid,
        startTime,
        command: launch.command,
        logPath: logFile,
        readyUrl: def.readyUrl(ctx),
        url: def.url(ctx),
      };
    }
    await writeState(state);

    const deadline = opts.readyTimeoutMs ?? 60_000;
    await Promise.all(
      components.map(async (name) => {
        const rec = state.components[name] as ProcessRecord;
        const entry = children.get(name)!;
        const r = await waitReady(
          entry.proc,
          async () => {
            const h = await httpOk(rec.readyUrl, 1000);
            return { done: h.ok, reason: h.reason };
          },
          { timeoutMs: deadline, intervalMs: 50, signal: opts.signal },
        );
        if (opts.signal?.aborted) throw interrupted();
        if (!r.ok) {
          const exited = entry.proc.exited;
          const why = exited ? `${exited} during start-up` : `not ready after ${deadline} ms (${r.reason})`;
          throw await componentFailed(name, why, rec.logPath);
        }
        readyMs[name] = Date.now() - entry.spawnedAt;
      }),
    );
    // Under the stack lock, so a run finishing meanwhile sees who owns this stack.
    await setRunOwned(stateDir, opts.runOwned === true);
    log(`stack up: ${components.length} components healthy (state: ${stateDir})`);
    return { state, started: true, readyMs };
  } catch (err) {
    log('start-up failed: stopping what was started');
    await stopRecorded(stateDir, state, log);
    throw err;
  }
}

async function componentFailed(name: ComponentName, why: string, logFile: string): Promise<HarnessError> {
  return new HarnessError('COMPONENT_FAILED', `${name} failed to start: ${why}`, {
    where: logFile,
    details: await failureExcerpt(logFile),
    hint: `read ${logFile}; \`slo-harness stack logs ${name}\` shows it`,
  });
}

/** What a person needs from a dead component's log: its error lines, then its last lines. */
async function failureExcerpt(logFile: string): Promise<string> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  // Only this start's output: `up` appends a marker line before each start.
  const run = text
    .slice(text.lastIndexOf('\n# ') + 1)
    .trimEnd()
    .split('\n')
    .slice(1);
  const errors = run.filter((l) => /\b(error|fatal|panic)\b/i.test(l)).slice(0, 5);
  const tail = run.slice(-10);
  return [
    ...(errors.length > 0 ? [`error lines in ${logFile}:`, ...errors] : []),
    `last lines of ${logFile}:`,
    ...(tail.length > 0 ? tail : ['(nothing written)']),
  ].join('\n');
}

async function checkRules(promtool: string | undefined, files: string[]): Promise<void> {
  if (!promtool) return;
  const r = await runCommand(promtool, ['check', 'rules', ...files]);
  if (r.code !== 0) {
    throw new HarnessError('RULES_INVALID', `promtool check rules rejected the alert rules`, {
      where: files.join(', '),
      details: (r.stderr + r.stdout).trim(),
      hint: 'fix the rule file (run `promtool check rules FILE` to iterate)',
    });
  }
}

/** Stops exactly the processes this state dir started; safe to call when nothing runs. */
export async function stackDown(opts: { stateDir?: string; log?: (l: string) => void; env?: NodeJS.ProcessEnv } = {}) {
  const log = opts.log ?? (() => {});
  const stateDir = opts.stateDir ?? defaultStateDir(opts.env ?? process.env);
  if (!existsSync(stateDir)) return 0;
  const release = await acquireLock(join(stateDir, 'lock'), {
    onWait: (pid) => log(`waiting for another slo-harness (pid ${pid}) using ${stateDir}…`),
  });
  try {
    const loaded = await readState(stateDir);
    if (loaded.kind === 'corrupt') log(`warning: ${loaded.reason}; stopping processes recorded in pid files`);
    return await stopRecorded(stateDir, loaded.kind === 'ok' ? loaded.state : undefined, () => {});
  } finally {
    await release();
  }
}

/**
 * Stops a run-started stack when no run holds a lease on it any more; decided under the
 * stack lock so a run that is joining (lease taken, `stackUp` waiting for the lock) keeps
 * its stack. Returns the number of processes stopped, or undefined when the stack stays.
 */
export async function stackDownIfUnused(opts: { stateDir?: string; env?: NodeJS.ProcessEnv } = {}) {
  const stateDir = opts.stateDir ?? defaultStateDir(opts.env ?? process.env);
  if (!existsSync(stateDir)) return undefined;
  const release = await acquireLock(join(stateDir, 'lock'));
  try {
    if (!isRunOwned(stateDir) || (await liveLeases(stateDir)) > 0) return undefined;
    const loaded = await readState(stateDir);
    return await stopRecorded(stateDir, loaded.kind === 'ok' ? loaded.state : undefined, () => {});
  } finally {
    await release();
  }
}

export interface ComponentStatus {
  name: ComponentName;
  pid: number;
  running: boolean;
  healthy: boolean;
  url: string;
  detail: string;
}

export async function stackStatus(opts: { stateDir?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{
  stateDir: string;
  state?: StackState;
  problem?: string;
  components: ComponentStatus[];
}> {
  const stateDir = opts.stateDir ?? defaultStateDir(opts.env ?? process.env);
  const loaded = await readState(stateDir);
  if (loaded.kind === 'none') return { stateDir, components: [] };
  if (loaded.kind === 'corrupt') return { stateDir, problem: loaded.reason, components: [] };
  const st = loaded.state;
  const components = await Promise.all(
    (Object.entries(st.components) as Array<[ComponentName, ProcessRecord]>).map(async ([name, rec]) => {
      const running = isOurs(rec);
      const h = running ? await httpOk(rec.readyUrl) : { ok: false, reason: 'process not running' };
      return { name, pid: rec.pid, running, healthy: h.ok, url: rec.url, detail: h.ok ? 'healthy' : h.reason };
    }),
  );
  return { stateDir, state: st, components };
}

export interface StackUrls {
  prometheus: string;
  alertmanager: string;
  jaegerQuery: string;
  jaegerOtlpHttp: string;
  jaegerOtlpGrpc: string;
  nodeExporter: string;
  alertSink: string;
  backendApi: string;
  workflows: string;
  processing: string;
  logDir: string;
  appLogs: Record<'backend-api' | 'workflows' | 'processing', string>;
  alertDeliveries: string;
  adminToken: string;
}

export function stackUrls(state: StackState): StackUrls {
  const u = (port: keyof Ports) => `http://${state.host}:${state.ports[port]}`;
  return {
    prometheus: u('prometheus'),
    alertmanager: u('alertmanager'),
    jaegerQuery: u('jaegerQuery'),
    jaegerOtlpHttp: u('jaegerOtlpHttp'),
    jaegerOtlpGrpc: `${state.host}:${state.ports.jaegerOtlpGrpc}`,
    nodeExporter: u('nodeExporter'),
    alertSink: u('alertSink'),
    backendApi: u('backendApi'),
    workflows: u('workflows'),
    processing: u('processing'),
    logDir: join(state.stateDir, 'logs'),
    appLogs: {
      'backend-api': appLogPath(state.stateDir, 'backend-api'),
      workflows: appLogPath(state.stateDir, 'workflows'),
      processing: appLogPath(state.stateDir, 'processing'),
    },
    alertDeliveries: alertDeliveriesPath(state.stateDir),
    adminToken: state.adminToken,
  };
}

import { mkdir, rename, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { Ledger } from '../model/ledger.ts';
import { EXIT } from '../util/exit-codes.ts';
import { HarnessError, errorMessage } from '../util/errors.ts';
import { ensureTool } from '../tools/provision.ts';
import { stackDownIfUnused, stackUp, stackUrls } from '../stack/lifecycle.ts';
import { acquireLock } from '../util/lock.ts';
import { waitForBaselineScrape } from './baseline.ts';
import { takeLease, type Lease } from '../stack/lease.ts';
import { defaultStateDir } from '../stack/config.ts';
import { parseDuration } from '../util/duration.ts';
import { EventLog } from './events.ts';
import { fixtureImages, harnessScript } from './fixtures.ts';
import type { K6Exit } from './k6-exit.ts';
import { runK6 } from './k6-runner.ts';
import { LedgerBuilder } from './ledger.ts';
import { buildPlan, type Overrides, type Plan } from './plan.ts';
import { loadProfile, type Profile } from './profile.ts';
import { ProgressReporter, type ProgressMode } from './progress.ts';
import {
  assertTrafficAllowed,
  embeddedTarget,
  configPathFor,
  loadTargetConfig,
  resolveTarget,
  type ResolvedTarget,
} from '../config/target.ts';

/** Exit codes of `run` (the same contract as src/cli/main.ts EXIT). */
/** The run's exit codes: the one table in src/util/exit-codes.ts. */
export const RUN_EXIT = EXIT;

/** What the verification stage gets: everything observed, nothing it must re-derive. */
export interface VerifyContext {
  runId: string;
  runDir: string;
  ledger: Ledger;
  target: ResolvedTarget;
  plan: Plan;
  events: EventLog;
  signal: AbortSignal;
}

/** The verification stage's answer: the exit code it decides (0, 1 or 3). */
export interface VerifyOutcome {
  exitCode: number;
}

export type VerifyStage = (ctx: VerifyContext) => Promise<VerifyOutcome | undefined>;

/**
 * The seam for the verification engine (issue 5): called after traffic, once the ledger is
 * saved, only when the traffic ran to its end. Returning undefined means "nothing verified".
 */
export const verifyStage: VerifyStage = async (ctx) => {
  // Traffic without verification proves nothing: never let it read as a pass.
  ctx.events.emit({ type: 'verify.skipped', reason: 'no verification stage was given to runHarness' });
  return { exitCode: RUN_EXIT.inconclusive };
};

export interface RunHarnessOptions {
  /** Bundled profile name or a profile file path. */
  profile: string;
  configFile?: string;
  /** Target name in the config; 'embedded' forces the embedded default. */
  target?: string;
  overrides?: Overrides;
  reportsDir?: string;
  /** Embedded stack state dir (default: the stack's own default). */
  stateDir?: string;
  runId?: string;
  progress?: ProgressMode;
  /** Terminal output (progress, status lines). */
  write?: (text: string) => void;
  /** Graceful stop (Ctrl-C): k6 stops, the ledger so far is kept, teardown runs. */
  signal?: AbortSignal;
  /** Stop now (second Ctrl-C): k6 is killed. Teardown still runs. */
  forceSignal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  verify?: VerifyStage;
  /** Stack options for the embedded default (tests pass ephemeral ports). */
  stackOptions?: { portStrategy?: 'defaults' | 'ephemeral'; scrapeInterval?: string };
}

export interface RunResult {
  runId: string;
  runDir: string;
  ledger: Ledger;
  aborted: boolean;
  k6: K6Exit;
  target: ResolvedTarget;
  plan: Plan;
  exitCode: number;
}

export function newRunId(profile: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${profile}-${randomBytes(2).toString('hex')}`;
}

/** Target caps only ever lower a profile's caps. */
function applyTargetCaps(profile: Profile, target: ResolvedTarget): Profile {
  const c = target.caps;
  if (!c) return profile;
  const dur = (s: string | undefined) => (s === undefined ? Number.POSITIVE_INFINITY : (parseDuration(s) ?? 0));
  return {
    ...profile,
    caps: {
      maxRate: Math.min(profile.caps.maxRate, c.maxRate ?? Number.POSITIVE_INFINITY),
      maxExecRate: Math.min(profile.caps.maxExecRate, c.maxExecRate ?? Number.POSITIVE_INFINITY),
      maxDuration:
        dur(c.maxDuration) < dur(profile.caps.maxDuration) ? (c.maxDuration as string) : profile.caps.maxDuration,
      maxVUs: Math.min(profile.caps.maxVUs, c.maxVUs ?? Number.POSITIVE_INFINITY),
    },
  };
}

async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, JSON.stringify(value, null, 2) + '\n');
  await rename(tmp, path);
}

/** Preflight without side effects: profile, plan and config problems surface before anything starts. */
async function preflight(o: RunHarnessOptions, env: NodeJS.ProcessEnv) {
  const profile = await loadProfile(o.profile);
  const configFile = o.target === 'embedded' ? undefined : configPathFor(o.configFile);
  if (!configFile && o.target && o.target !== 'embedded') {
    throw new HarnessError('CONFIG_TARGET_WITHOUT_CONFIG', `--target ${o.target} needs a target config`, {
      hint: 'pass --config <file> (see docs/run.md), or drop --target to use the embedded default',
    });
  }
  const target = configFile ? resolveTarget(await loadTargetConfig(configFile), configFile, o.target, env) : undefined;
  const plan = buildPlan(target ? applyTargetCaps(profile, target) : profile, o.overrides ?? {});
  return { profile, plan, target };
}

/**
 * `slo-harness run` as a function: preflight → (embedded stack up) → traffic → ledger →
 * verify → teardown. Teardown always runs, also on abort and on errors; the ledger of the
 * traffic so far is saved before anything else happens after k6 stops.
 */
export async function runHarness(o: RunHarnessOptions): Promise<RunResult> {
  const env = o.env ?? process.env;
  const write = o.write ?? ((t: string) => void process.stderr.write(t));
  const { profile, plan, target: configured } = await preflight(o, env);
  const { k6 } = await ensureTool('k6', { log: (l) => write(l + '\n') });
  if (!k6) throw new HarnessError('TOOL_MISSING', 'k6 is not available', { hint: 'run `slo-harness setup`' });
  const fixtures = fixtureImages();

  const runId = o.runId ?? newRunId(profile.name);
  const runDir = resolve(o.reportsDir ?? join(process.cwd(), 'reports'), runId);
  await mkdir(runDir, { recursive: true });
  const events = new EventLog(join(runDir, 'events.jsonl'));
  await writeJsonAtomic(join(runDir, 'plan.json'), { profile, plan });
  const signal = o.signal ?? new AbortController().signal;
  const onAbort = () => events.emit({ type: 'run.aborted', signal: 'SIGINT/SIGTERM' });
  signal.addEventListener('abort', onAbort, { once: true });

  let lease: Lease | undefined;
  let releaseRunTurn: (() => Promise<void>) | undefined;
  let stackStarted = false;
  let stateDir = o.stateDir;
  try {
    let target: ResolvedTarget;
    if (configured) {
      target = configured;
    } else {
      events.emit({ type: 'stack.starting' });
      write('starting the embedded stack (Prometheus, Alertmanager, Jaeger, reference ImageFlowCanvas)…\n');
      // The lease comes first, so a run finishing meanwhile sees this one and leaves the stack up.
      lease = await takeLease(stateDir ?? defaultStateDir(env));
      const up = await stackUp({
        ...(stateDir ? { stateDir } : {}),
        ...(o.stackOptions ?? {}),
        log: (l) => write(`  ${l}\n`),
        env,
        // Ctrl-C during start-up: the stack stops what it started and throws INTERRUPTED.
        signal,
        runOwned: true,
      });
      stackStarted = up.started;
      stateDir = up.state.stateDir;
      // The embedded default, resolved like a config target (src/config/target.ts).
      target = embeddedTarget(up.state);
      const urls = stackUrls(up.state);
      const { adminToken: _secret, ...shown } = urls;
      events.emit({
        type: 'stack.ready',
        started: up.started,
        urls: Object.fromEntries(
          Object.entries(shown).map(([k, v]) => [k, String(typeof v === 'object' ? JSON.stringify(v) : v)]),
        ),
      });
    }
    assertTrafficAllowed(target);
    events.emit({
      type: 'run.started',
      runId,
      profile: profile.name,
      target: target.name,
      embedded: target.embedded,
      plannedSeconds: plan.totalSeconds,
    });
    if (target.embedded && stateDir) {
      // Runs on one stack take turns: two runs' traffic in one window would make both runs'
      // telemetry comparisons wrong (Prometheus cannot tell them apart).
      releaseRunTurn = await acquireLock(join(stateDir, 'run.lock'), {
        onWait: (pid) => write(`another run (pid ${pid}) is using this embedded stack; waiting for its turn…\n`),
      });
    }
    if (target.prometheus && !signal.aborted) {
      const job = target.telemetry?.job ?? 'backend-api';
      const b = await waitForBaselineScrape({
        prometheus: target.prometheus,
        job,
        ...(target.scrapeInterval ? { scrapeInterval: target.scrapeInterval } : {}),
        signal,
        env,
      }).catch((err: unknown) => ({ ok: false, reason: errorMessage(err), waitedMs: 0 }));
      write(
        b.ok
          ? `baseline: ${b.reason}\n`
          : `warning: no baseline scrape before traffic (${b.reason}); short windows may be inconclusive\n`,
      );
    }
    return await trafficAndAfter({ o, env, write, plan, profile, target, runId, runDir, events, signal, fixtures, k6 });
  } catch (err) {
    events.emit({
      type: 'run.error',
      code: err instanceof HarnessError ? err.code : 'UNEXPECTED',
      message: errorMessage(err),
    });
    throw err;
  } finally {
    signal.removeEventListener('abort', onAbort);
    await releaseRunTurn?.();
    if (lease) {
      await lease.release();
      // Teardown trouble is reported, never allowed to replace the run's own result.
      try {
        const n = await stackDownIfUnused({ ...(stateDir ? { stateDir } : {}), env });
        if (n !== undefined) {
          write(`stopped the embedded stack (${n} processes)\n`);
          events.emit({ type: 'stack.stopped', processes: n });
        } else if (stackStarted) {
          write('leaving the embedded stack running: another run still uses it (the last one stops it)\n');
        }
      } catch (err) {
        write(`warning: stopping the embedded stack failed: ${errorMessage(err)}\n`);
        events.emit({ type: 'run.error', code: 'STACK_STOP_FAILED', message: errorMessage(err) });
      }
    }
  }
}

interface TrafficArgs {
  o: RunHarnessOptions;
  env: NodeJS.ProcessEnv;
  write: (t: string) => void;
  plan: Plan;
  profile: Profile;
  target: ResolvedTarget;
  runId: string;
  runDir: string;
  events: EventLog;
  signal: AbortSignal;
  fixtures: string[];
  k6: string;
}

async function trafficAndAfter(a: TrafficArgs): Promise<RunResult> {
  const { plan, target, runDir, events, signal, write } = a;
  const builder = new LedgerBuilder({ runId: a.runId, profile: a.profile.name, apiBaseUrl: target.apiBaseUrl });
  const ledgerPath = join(runDir, 'ledger.json');
  const trafficStart = new Date();
  const mode: ProgressMode = a.o.progress ?? (process.stderr.isTTY ? 'tty' : 'plain');
  const progress = new ProgressReporter({
    plan,
    stats: () => builder.live(),
    write,
    mode,
    onPhase: (phase, prev) => {
      if (prev) events.emit({ type: 'phase.ended', phase: prev });
      const planned = plan.phases.find((p) => p.name === phase);
      if (planned) events.emit({ type: 'phase.started', phase, plannedSeconds: planned.durationSeconds });
    },
  });
  // A checkpoint of the ledger while traffic runs: if the harness itself is killed, the
  // run directory still holds an honest partial ledger (marked aborted).
  // One checkpoint at a time, and the final write waits for it: two writers of ledger.json
  // must never interleave (the final ledger would be overwritten by an 'aborted' snapshot).
  let pendingCheckpoint: Promise<void> | undefined;
  let checkpointWarned = false;
  const checkpoint = setInterval(() => {
    if (pendingCheckpoint) return;
    pendingCheckpoint = writeJsonAtomic(
      ledgerPath,
      builder.finish({ aborted: true, exitCode: null, fallbackWindow: { start: trafficStart, end: new Date() } }),
    )
      .catch((err: unknown) => {
        if (!checkpointWarned) write(`warning: cannot checkpoint the ledger: ${(err as Error).message}\n`);
        checkpointWarned = true;
      })
      .finally(() => {
        pendingCheckpoint = undefined;
      });
  }, 30_000);
  checkpoint.unref();

  let result;
  if (signal.aborted) {
    result = undefined;
  } else {
    events.emit({ type: 'traffic.started', phases: plan.phases });
    write(
      `traffic: profile ${plan.profile}, ${plan.phases.map((p) => `${p.name} ${p.durationSeconds}s`).join(' → ')}, against ${target.apiBaseUrl}\n`,
    );
    progress.start();
    try {
      result = await runK6({
        k6Path: a.k6,
        script: harnessScript(),
        runDir,
        env: {
          ...plan.env,
          SLO_PLAN: JSON.stringify({ scenarios: plan.scenarios }),
          BASE_URL: target.apiBaseUrl,
          API_USERNAME: target.credentials.username,
          API_PASSWORD: target.credentials.password,
          FIXTURE_FILES: a.fixtures.join(','),
        },
        onPoint: (line) => builder.ingestLine(line),
        signal,
        ...(a.o.forceSignal ? { forceSignal: a.o.forceSignal } : {}),
      });
    } finally {
      progress.stop();
      clearInterval(checkpoint);
    }
  }
  clearInterval(checkpoint);
  await pendingCheckpoint;
  const aborted = signal.aborted || (result?.stopped ?? false);
  const exit: K6Exit = result?.exit ?? {
    code: null,
    trafficOk: false,
    message: 'k6 was not started: the run was stopped first',
  };
  events.emit({ type: 'traffic.ended', k6ExitCode: exit.code, message: exit.message, stopped: aborted });

  const ledger = builder.finish({
    aborted,
    exitCode: exit.code,
    fallbackWindow: { start: trafficStart, end: new Date() },
  });
  await writeJsonAtomic(ledgerPath, ledger);
  events.emit({
    type: 'ledger.saved',
    path: ledgerPath,
    requests: ledger.requests.total,
    executions: ledger.executions.created,
    aborted,
  });
  write(
    `${exit.message}${exit.code !== null ? ` (exit ${exit.code})` : ''}\n` +
      `ledger: ${ledger.requests.total} requests, ${ledger.executions.created} executions (${
        Object.entries(ledger.executions.byOutcome)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ') || 'none'
      }), p95 ${(ledger.requests.latency.quantiles.p95 * 1000).toFixed(1)} ms → ${ledgerPath}\n`,
  );

  let exitCode: number;
  if (aborted) {
    exitCode = RUN_EXIT.interrupted;
  } else if (!exit.trafficOk) {
    const tail = result?.logTail.slice(-8).join('\n');
    write(
      `error: ${exit.message}\n${tail ? tail.replace(/^/gm, '  | ') + '\n' : ''}${exit.hint ? `  hint: ${exit.hint}\n` : ''}`,
    );
    exitCode = RUN_EXIT.error;
  } else {
    if (exit.hint && exit.code === 99) write(`note: ${exit.hint}\n`);
    const verdict = await (a.o.verify ?? verifyStage)({ runId: a.runId, runDir, ledger, target, plan, events, signal });
    // A stage that returns nothing verified nothing: that is never a pass.
    exitCode = verdict?.exitCode ?? RUN_EXIT.inconclusive;
  }
  events.emit({ type: 'run.ended', exitCode, aborted });
  write(`run directory: ${runDir}\n`);
  return { runId: a.runId, runDir, ledger, aborted, k6: exit, target, plan, exitCode };
}

import type { Ledger } from '../model/ledger.ts';
import type { K6Exit } from '../load/k6-exit.ts';
import type { Overrides, Plan } from '../load/plan.ts';
import type { Profile } from '../load/profile.ts';
import type { ProgressMode } from '../load/progress.ts';
import type { ResolvedTarget } from '../config/target.ts';
import type { VerifyReport } from '../verify/engine.ts';
import type { Verification } from '../report/reporter.ts';
import type { EventLog } from './events.ts';
import type { RunStatus } from './status.ts';
import type { StackState } from '../stack/state.ts';

/** What the verification stage gets: everything observed, nothing it must re-derive. */
export interface VerifyContext {
  runId: string;
  runDir: string;
  ledger: Ledger;
  target: ResolvedTarget;
  plan: Plan;
  events: EventLog;
  /** Fires on Ctrl-C/SIGTERM (and on the stage's timeout): waits stop, the stage ends early. */
  signal: AbortSignal;
  /** The baseline scrape before traffic (unix s), when one was seen. */
  baselineAt?: number;
  /** Prometheus loaded the spec rules time-compressed by this factor: their text cannot equal the spec's. */
  ruleCompression?: number;
}

/** The verification stage's answer: the gate's exit code (0, 1 or 3) and the report to write. */
export interface VerifyOutcome {
  exitCode: number;
  /** The verdicts; the report task writes them (verdicts.json, junit.xml, summary.md, events). */
  report?: VerifyReport;
}

/** Returning undefined means "nothing verified" (never a pass). */
export type VerifyStage = (ctx: VerifyContext) => Promise<VerifyOutcome | undefined>;

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
  /** Graceful stop (Ctrl-C): k6 stops, the ledger so far is kept, verification stops waiting, teardown runs. */
  signal?: AbortSignal;
  /** Stop now (second Ctrl-C): k6 is killed. Teardown still runs. */
  forceSignal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  verify?: VerifyStage;
  /** Report formats by name (src/report/registry.ts); default all. */
  reporters?: string[];
  /** Stack options for the embedded default (tests pass ephemeral ports). */
  stackOptions?: {
    portStrategy?: 'defaults' | 'ephemeral';
    scrapeInterval?: string;
    /** Rule files Prometheus loads instead of the spec's (tests: a deliberately broken copy). */
    ruleFiles?: string[];
  };
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

/**
 * The run's state, filled in by the tasks as they go (each field names the task that sets
 * it). A task reads only what an earlier task set; `need` says so when one is missing.
 */
export interface RunState {
  readonly o: RunHarnessOptions;
  readonly env: NodeJS.ProcessEnv;
  readonly write: (text: string) => void;
  /** preflight */
  profile?: Profile;
  plan?: Plan;
  /** preflight: the configured target; stack: the embedded one. */
  target?: ResolvedTarget;
  k6Path?: string;
  fixtures?: string[];
  runId?: string;
  runDir?: string;
  events?: EventLog;
  /** stack */
  stateDir?: string;
  /** stack: the embedded stack the run uses (the live alert check drives its faults). */
  stack?: StackState;
  /** stack: the running Prometheus loaded the spec rules compressed by this factor. */
  ruleCompression?: number;
  /** turn: when Prometheus scraped the API job before traffic (unix s): samples from then on belong to this run's processes. */
  baselineAt?: number;
  /** traffic */
  ledger?: Ledger;
  k6?: K6Exit;
  aborted?: boolean;
  /** What a task decided about the run (traffic: error or interrupted; verify: the gate). */
  status?: RunStatus;
  /** verify: what the report task writes */
  report?: Verification;
}

import type { EvalContext } from '../model/context.ts';
import type { Ledger } from '../model/ledger.ts';
import type { Outcome, Verdict } from '../model/verdict.ts';

/**
 * A verification as the reporters read it: the engine's report fits it, so reporters depend
 * on the model only, never on verify/.
 */
export interface Verification {
  outcome: Outcome;
  verdicts: Verdict[];
  context: EvalContext;
  durationMs: number;
  /** The engine's settle result, saved as it is. */
  settle?: unknown;
  /** The raw observations: never written (bulky; each verdict carries its evidence). */
  observations?: unknown;
}

/** What every reporter gets: the verdicts of one run (or one `verify` window). */
export interface RunReportData {
  /** The run id (or a name for a `verify` window): the suite's and the summary's title. */
  runId: string;
  report: Verification;
  ledger?: Ledger;
  /** For reporters that also write to a place named by the environment (GITHUB_STEP_SUMMARY). */
  env: NodeJS.ProcessEnv;
}

/** One report format. A new format is one module exporting a Reporter plus one line in registry.ts. */
export interface Reporter {
  name: string;
  /** Writes the report into `dir`; answers the files it wrote. */
  write(data: RunReportData, dir: string): Promise<string[]>;
}

import { HarnessError } from '../util/errors.ts';
import { k6Duration, parseDuration } from '../util/duration.ts';
import type { Profile, ProfileScenario, ScenarioKind } from './profile.ts';

/** Command-line overrides of a profile's load. */
export interface Overrides {
  /** api-steady / soak iterations per second. */
  rate?: number;
  /** pipeline-executions per second. */
  execRate?: number;
  /** Duration of every phase (k6 duration string). */
  duration?: string;
}

/** Absolute ceilings no profile or override may exceed (a typo must not become a DoS). */
export const HARD_LIMITS = { rate: 2000, execRate: 50, durationSeconds: 24 * 3600, vus: 2000 } as const;

/** A k6 scenario as passed to scenarios/harness.ts (a subset of k6's Scenario options). */
export interface K6Scenario {
  executor: 'constant-arrival-rate' | 'per-vu-iterations';
  exec: string;
  startTime: string;
  tags: Record<string, string>;
  env?: Record<string, string>;
  gracefulStop?: string;
  rate?: number;
  timeUnit?: string;
  duration?: string;
  preAllocatedVUs?: number;
  maxVUs?: number;
  vus?: number;
  iterations?: number;
  maxDuration?: string;
}

export interface PlannedPhase {
  name: string;
  /** Offset from the start of traffic, seconds. */
  startSeconds: number;
  durationSeconds: number;
}

export interface Plan {
  profile: string;
  phases: PlannedPhase[];
  /** Planned traffic time, seconds (without graceful-stop overhang). */
  totalSeconds: number;
  maxVUs: number;
  scenarios: Record<string, K6Scenario>;
  /** Environment for the k6 process (scenario parameters, not credentials). */
  env: Record<string, string>;
  settleSeconds: number;
}

const EXEC_FN: Record<ScenarioKind, string> = {
  'api-steady': 'apiSteady',
  'pipeline-executions': 'pipelineExecution',
  spike: 'spikeExecution',
  soak: 'soak',
};

function isExecRate(kind: ScenarioKind): boolean {
  return kind === 'pipeline-executions';
}

/**
 * Turns a profile plus overrides into k6 scenarios: phases run one after another, the
 * scenarios of a phase run side by side, every sample tagged with its phase. Caps are
 * checked after overrides; every violation is reported at once.
 */
export function buildPlan(profile: Profile, overrides: Overrides = {}): Plan {
  const problems: string[] = [];
  const caps = profile.caps;
  const capDuration = parseDuration(caps.maxDuration) ?? 0;
  const pollS = profile.execution?.pollIntervalSeconds ?? 0.5;
  const timeoutS = profile.execution?.timeoutSeconds ?? 120;
  const overrideDuration = overrides.duration === undefined ? undefined : parseDuration(overrides.duration);
  if (overrides.duration !== undefined && (overrideDuration === undefined || overrideDuration <= 0)) {
    problems.push(`--duration ${overrides.duration} is not a duration like 30s, 5m or 1h`);
  }
  for (const [flag, v] of [
    ['--rate', overrides.rate],
    ['--exec-rate', overrides.execRate],
  ] as const) {
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) problems.push(`${flag} ${v} must be a positive number`);
  }

  // k6 cannot run a phase under a second (`0s` is rejected, `400ms` rounds to nothing): say so
  // now, before any stack is started, rather than after k6 fails.
  const tooShort = profile.phases
    .map((ph) => ({ ph, dur: overrideDuration ?? parseDuration(ph.duration) ?? 0 }))
    .filter(({ dur }) => dur < 1)
    .map(
      ({ ph, dur }) =>
        `phase ${ph.name}: ${overrideDuration !== undefined ? `--duration ${overrides.duration}` : `duration ${ph.duration}`} (${dur}s) is shorter than 1s`,
    );
  if (tooShort.length && !problems.length) {
    throw new HarnessError('CONFIG_PHASE_DURATION', `profile "${profile.name}" has a phase shorter than one second`, {
      details: tooShort.join('\n'),
      hint: 'give every phase a duration of at least 1s (e.g. 30s, 5m)',
    });
  }

  const scenarios: Record<string, K6Scenario> = {};
  const phases: PlannedPhase[] = [];
  let offset = 0;
  let vus = 0;
  for (const ph of profile.phases) {
    const dur = overrideDuration ?? parseDuration(ph.duration) ?? 0;
    phases.push({ name: ph.name, startSeconds: offset, durationSeconds: dur });
    let phaseVUs = 0;
    for (const sc of ph.scenarios) {
      const s = scenarioFor(ph.name, sc, dur, offset, timeoutS, overrides);
      const rate = s.rate === undefined ? undefined : s.rate / 60;
      if (rate !== undefined) {
        if (isExecRate(sc.scenario)) {
          if (rate > caps.maxExecRate)
            problems.push(
              `phase ${ph.name}: ${sc.scenario} at ${rate}/s exceeds the profile cap maxExecRate ${caps.maxExecRate}/s`,
            );
          if (rate > HARD_LIMITS.execRate)
            problems.push(`phase ${ph.name}: ${rate} executions/s exceeds the hard limit ${HARD_LIMITS.execRate}/s`);
        } else {
          if (rate > caps.maxRate)
            problems.push(
              `phase ${ph.name}: ${sc.scenario} at ${rate}/s exceeds the profile cap maxRate ${caps.maxRate}/s`,
            );
          if (rate > HARD_LIMITS.rate)
            problems.push(`phase ${ph.name}: ${rate}/s exceeds the hard limit ${HARD_LIMITS.rate}/s`);
        }
      }
      phaseVUs += s.maxVUs ?? s.vus ?? 0;
      scenarios[`${ph.name}--${sc.scenario}`] = s;
    }
    vus = Math.max(vus, phaseVUs);
    offset += dur;
  }
  if (offset > capDuration)
    problems.push(`planned traffic ${offset}s exceeds the profile cap maxDuration ${caps.maxDuration}`);
  if (offset > HARD_LIMITS.durationSeconds) problems.push(`planned traffic ${offset}s exceeds the hard limit of 24h`);
  if (vus > caps.maxVUs) problems.push(`a phase needs up to ${vus} VUs, over the profile cap maxVUs ${caps.maxVUs}`);
  if (vus > HARD_LIMITS.vus) problems.push(`a phase needs up to ${vus} VUs, over the hard limit ${HARD_LIMITS.vus}`);
  if (problems.length) {
    throw new HarnessError('CONFIG_CAP_EXCEEDED', `the load asked of profile "${profile.name}" is not allowed`, {
      details: problems.join('\n'),
      hint: 'lower --rate/--exec-rate/--duration, or raise the caps in a copy of the profile if the target can take it',
    });
  }
  return {
    profile: profile.name,
    phases,
    totalSeconds: offset,
    maxVUs: vus,
    scenarios,
    env: { POLL_INTERVAL_S: String(pollS), EXECUTION_TIMEOUT_S: String(timeoutS) },
    settleSeconds: profile.settle ? (parseDuration(profile.settle) ?? 0) : 0,
  };
}

function scenarioFor(
  phase: string,
  sc: ProfileScenario,
  dur: number,
  offset: number,
  timeoutS: number,
  o: Overrides,
): K6Scenario {
  const base = { exec: EXEC_FN[sc.scenario], startTime: k6Duration(offset), tags: { phase } };
  if (sc.scenario === 'spike') {
    const n = sc.executions ?? 100;
    return {
      ...base,
      executor: 'per-vu-iterations',
      vus: n,
      iterations: 1,
      maxDuration: k6Duration(dur),
      gracefulStop: k6Duration(Math.min(timeoutS + 10, 120)),
    };
  }
  const perSecond = sc.scenario === 'pipeline-executions' ? (o.execRate ?? sc.rate ?? 1) : (o.rate ?? sc.rate ?? 1);
  // Executions hold their VU while polling (up to the timeout); API iterations are short.
  const holdS =
    sc.scenario === 'api-steady'
      ? 1
      : sc.scenario === 'soak'
        ? Math.max(2, (sc.execShare ?? 0.1) * timeoutS)
        : timeoutS;
  const pre = sc.preAllocatedVUs ?? Math.max(2, Math.ceil(perSecond * Math.min(holdS, 5)));
  const max = sc.maxVUs ?? Math.max(pre, Math.ceil(perSecond * holdS) + 5);
  return {
    ...base,
    executor: 'constant-arrival-rate',
    // Per minute so fractional rates (0.5 executions/s) stay exact integers for k6.
    rate: Math.max(1, Math.round(perSecond * 60)),
    timeUnit: '1m',
    duration: k6Duration(dur),
    preAllocatedVUs: pre,
    maxVUs: max,
    gracefulStop: sc.scenario === 'api-steady' ? '10s' : k6Duration(Math.min(timeoutS + 10, 130)),
    ...(sc.scenario === 'soak' ? { env: { EXEC_SHARE: String(sc.execShare ?? 0.1) } } : {}),
  };
}

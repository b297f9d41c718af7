import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HarnessError } from '../util/errors.ts';
import { parseDuration } from '../util/duration.ts';
import { loadDataFile, type Problem } from '../util/schema-file.ts';
import { SPEC_ALERTS } from '../rules/model.ts';

/** The scenario functions scenarios/harness.ts exports, by their profile names. */
export const SCENARIO_KINDS = ['api-steady', 'pipeline-executions', 'spike', 'soak'] as const;
export type ScenarioKind = (typeof SCENARIO_KINDS)[number];

export interface ProfileScenario {
  scenario: ScenarioKind;
  /** Iterations per second (api-steady, soak) or executions per second (pipeline-executions). */
  rate?: number;
  /** spike: executions started at once. */
  executions?: number;
  /** soak: share of iterations that run a pipeline execution. */
  execShare?: number;
  preAllocatedVUs?: number;
  maxVUs?: number;
}

export interface ProfilePhase {
  name: string;
  duration: string;
  scenarios: ProfileScenario[];
}

export interface Profile {
  name: string;
  description: string;
  caps: { maxRate: number; maxExecRate: number; maxDuration: string; maxVUs: number };
  execution?: { pollIntervalSeconds?: number; timeoutSeconds?: number };
  /** Seconds to wait after traffic before verification (scrape + span ingestion). */
  settle?: string;
  phases: ProfilePhase[];
  /** The live alert check after verification (embedded default only; docs/alerts.md). */
  alerts?: ProfileAlerts;
}

export interface ProfileAlerts {
  /** The spec rules' `for` and windows are divided by this factor (1 = verbatim rules). */
  compress: number;
  /** Allowed past the physical floor before firing counts as late (default 5s). */
  slack?: string;
  /** The spec alerts to drive, in this order. */
  alerts: string[];
}

const DURATION_PATTERN = '^(\\d+(\\.\\d+)?(ms|s|m|h))+$';

export const PROFILE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'description', 'caps', 'phases'],
  properties: {
    name: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$' },
    description: { type: 'string' },
    settle: { type: 'string', pattern: DURATION_PATTERN },
    alerts: {
      type: 'object',
      additionalProperties: false,
      required: ['compress', 'alerts'],
      properties: {
        compress: { type: 'integer', minimum: 1 },
        slack: { type: 'string', pattern: DURATION_PATTERN },
        alerts: {
          type: 'array',
          minItems: 1,
          uniqueItems: true,
          items: { enum: SPEC_ALERTS.map((a) => a.alert) },
        },
      },
    },
    caps: {
      type: 'object',
      additionalProperties: false,
      required: ['maxRate', 'maxExecRate', 'maxDuration', 'maxVUs'],
      properties: {
        maxRate: { type: 'number', exclusiveMinimum: 0 },
        maxExecRate: { type: 'number', exclusiveMinimum: 0 },
        maxDuration: { type: 'string', pattern: DURATION_PATTERN },
        maxVUs: { type: 'integer', minimum: 1 },
      },
    },
    execution: {
      type: 'object',
      additionalProperties: false,
      properties: {
        pollIntervalSeconds: { type: 'number', exclusiveMinimum: 0 },
        timeoutSeconds: { type: 'number', exclusiveMinimum: 0 },
      },
    },
    phases: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'duration', 'scenarios'],
        properties: {
          name: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$' },
          duration: { type: 'string', pattern: DURATION_PATTERN },
          scenarios: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['scenario'],
              properties: {
                scenario: { enum: [...SCENARIO_KINDS] },
                rate: { type: 'number', exclusiveMinimum: 0 },
                executions: { type: 'integer', minimum: 1 },
                execShare: { type: 'number', minimum: 0, maximum: 1 },
                preAllocatedVUs: { type: 'integer', minimum: 1 },
                maxVUs: { type: 'integer', minimum: 1 },
              },
            },
          },
        },
      },
    },
  },
} as const;

/** Checks a schema cannot express: which fields each scenario kind needs, unique names. */
function semanticChecks(p: Profile): Problem[] {
  const problems: Problem[] = [];
  const names = new Set<string>();
  p.phases.forEach((ph, i) => {
    if (names.has(ph.name)) problems.push({ path: `/phases/${i}/name`, message: `duplicate phase name "${ph.name}"` });
    names.add(ph.name);
    const kinds = new Set<string>();
    ph.scenarios.forEach((s, j) => {
      const at = `/phases/${i}/scenarios/${j}`;
      if (kinds.has(s.scenario))
        problems.push({ path: `${at}/scenario`, message: `"${s.scenario}" appears twice in phase "${ph.name}"` });
      kinds.add(s.scenario);
      if (s.scenario === 'spike' && s.executions === undefined)
        problems.push({ path: at, message: 'spike needs "executions"' });
      if (s.scenario !== 'spike' && s.rate === undefined)
        problems.push({ path: at, message: `${s.scenario} needs "rate"` });
    });
  });
  return problems;
}

/** Where the bundled profiles live: scenarios/profiles/ next to this package. */
export function profilesDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'scenarios', 'profiles');
}

/** A profile by name (bundled) or by path (a .yaml/.yml/.json file). */
export async function loadProfile(nameOrPath: string): Promise<Profile> {
  const looksLikePath = /[/\\]|\.(ya?ml|json)$/.test(nameOrPath);
  const file = looksLikePath ? resolve(nameOrPath) : join(profilesDir(), `${nameOrPath}.yaml`);
  if (!existsSync(file)) {
    throw new HarnessError('CONFIG_PROFILE_UNKNOWN', `no profile "${nameOrPath}" (looked for ${file})`, {
      hint: 'bundled profiles: smoke, gate, nightly, gameday, alerts — or pass a path to a profile file',
    });
  }
  return loadDataFile<Profile>(file, PROFILE_SCHEMA, 'profile', semanticChecks);
}

export function seconds(d: string): number {
  return parseDuration(d) ?? 0;
}

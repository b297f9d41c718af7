import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fixtureImages } from '../../load/fixtures.ts';
import { buildPlan } from '../../load/plan.ts';
import { loadProfile, type Profile } from '../../load/profile.ts';
import { configPathFor, loadTargetConfig, resolveTarget, type ResolvedTarget } from '../../config/target.ts';
import { reportersNamed } from '../../report/registry.ts';
import { ensureTool } from '../../tools/provision.ts';
import { parseDuration } from '../../util/duration.ts';
import { HarnessError } from '../../util/errors.ts';
import { EventLog } from '../events.ts';
import { writeJsonAtomic } from '../json-file.ts';
import type { Task } from '../task-runner.ts';
import type { RunState } from '../types.ts';

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

/**
 * Profile, plan, target config and reporters are checked before anything starts (no side
 * effects until they are); then k6 is provisioned and the run directory, its event log and
 * plan.json are created.
 */
export const preflightTask: Task<RunState> = {
  title: 'preflight',
  async setup(s) {
    const o = s.o;
    const profile = await loadProfile(o.profile);
    const configFile = o.target === 'embedded' ? undefined : configPathFor(o.configFile);
    if (!configFile && o.target && o.target !== 'embedded') {
      throw new HarnessError('CONFIG_TARGET_WITHOUT_CONFIG', `--target ${o.target} needs a target config`, {
        hint: 'pass --config <file> (see docs/run.md), or drop --target to use the embedded default',
      });
    }
    const target = configFile
      ? resolveTarget(await loadTargetConfig(configFile), configFile, o.target, s.env)
      : undefined;
    const plan = buildPlan(target ? applyTargetCaps(profile, target) : profile, o.overrides ?? {});
    reportersNamed(o.reporters);
    const { k6 } = await ensureTool('k6', { log: (l) => s.write(l + '\n') });
    if (!k6) throw new HarnessError('TOOL_MISSING', 'k6 is not available', { hint: 'run `slo-harness setup`' });
    s.profile = profile;
    s.plan = plan;
    if (target) s.target = target;
    s.k6Path = k6;
    s.fixtures = fixtureImages();
    s.runId = o.runId ?? newRunId(profile.name);
    s.runDir = resolve(o.reportsDir ?? join(process.cwd(), 'reports'), s.runId);
    await mkdir(s.runDir, { recursive: true });
    s.events = new EventLog(join(s.runDir, 'events.jsonl'));
    await writeJsonAtomic(join(s.runDir, 'plan.json'), { profile, plan });
  },
};

import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fixtureImages } from '../../load/fixtures.ts';
import { buildPlan } from '../../load/plan.ts';
import { loadProfile, type Profile } from '../../load/profile.ts';
import { configPathFor, loadTargetConfig, resolveTarget, type ResolvedTarget } from '../../config/target.ts';
import { reportersNamed } from '../../report/registry.ts';
import { ensureTool } from '../../tools/provision.ts';
import { parseDuration } from '../../util/duration.ts';
import { HarnessError } from '../../util/errors.ts';
import { assertUsableDir } from '../../util/usable-dir.ts';
import { EventLog } from '../events.ts';
import { assertRunId, createRunDir } from '../run-dir.ts';
import { writeJsonAtomic } from '../../util/atomic-write.ts';
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
 * Profile, plan, target config, reporters, run id and state dir are checked before anything
 * starts; then k6 is provisioned and the run directory (new for each run), its event log and
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
    if (profile.alerts && target) {
      throw new HarnessError(
        'CONFIG_ALERTS_EMBEDDED_ONLY',
        `profile ${profile.name} drives alerts with faults, which only the embedded default can inject (target ${target.name})`,
        {
          hint: 'run it without --config/--target (the embedded default); fault hooks for a configured deployment are not built',
        },
      );
    }
    const plan = buildPlan(target ? applyTargetCaps(profile, target) : profile, o.overrides ?? {});
    reportersNamed(o.reporters);
    if (o.runId !== undefined) assertRunId(o.runId);
    // The embedded stack keeps its state there: a file or a read-only directory is a usage error.
    if (!target && o.stateDir) await assertUsableDir(o.stateDir, '--state-dir');
    const { k6 } = await ensureTool('k6', { log: (l) => s.write(l + '\n') });
    if (!k6) throw new HarnessError('TOOL_MISSING', 'k6 is not available', { hint: 'run `slo-harness setup`' });
    s.profile = profile;
    s.plan = plan;
    if (target) s.target = target;
    s.k6Path = k6;
    s.fixtures = fixtureImages();
    s.runId = o.runId ?? newRunId(profile.name);
    // A new directory for each run: an existing run id is refused, never written into.
    s.runDir = await createRunDir(o.reportsDir ?? join(process.cwd(), 'reports'), s.runId);
    s.events = new EventLog(join(s.runDir, 'events.jsonl'));
    await writeJsonAtomic(join(s.runDir, 'plan.json'), { profile, plan });
  },
};

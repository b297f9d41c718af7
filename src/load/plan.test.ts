import { describe, expect, it } from 'vitest';
import { HarnessError } from '../util/errors.ts';
import { buildPlan } from './plan.ts';
import { loadProfile } from './profile.ts';

const errorOf = (f: () => unknown): HarnessError => {
  try {
    f();
  } catch (err) {
    return err as HarnessError;
  }
  throw new Error('expected an error');
};

describe('buildPlan: phase durations', () => {
  it.each(['0s', '400ms'])('refuses a phase of %s before anything starts, naming the phase', async (d) => {
    const smoke = await loadProfile('smoke');
    const profile = { ...smoke, phases: smoke.phases.map((p, i) => (i === 1 ? { ...p, duration: d } : p)) };
    const err = errorOf(() => buildPlan(profile));
    expect(err.code).toBe('CONFIG_PHASE_DURATION');
    expect(err.details).toContain(`phase burst: duration ${d}`);
    expect(err.hint).toMatch(/at least 1s/);
  });

  it('refuses a --duration override under a second', async () => {
    const smoke = await loadProfile('smoke');
    const e = errorOf(() => buildPlan(smoke, { duration: '500ms' }));
    expect(e.code).toBe('CONFIG_PHASE_DURATION');
    expect(e.details).toContain('--duration 500ms');
  });

  it('accepts one-second phases', async () => {
    const smoke = await loadProfile('smoke');
    expect(buildPlan(smoke, { duration: '1s' }).totalSeconds).toBe(2);
  });
});

import { describe, expect, it } from 'vitest';
import { describeK6Exit } from './k6-exit.ts';
import type { LiveStats } from './ledger.ts';
import type { Plan } from './plan.ts';
import { ProgressReporter, phaseAt } from './progress.ts';

const PLAN: Plan = {
  profile: 'p',
  phases: [
    { name: 'a', startSeconds: 0, durationSeconds: 10 },
    { name: 'b', startSeconds: 10, durationSeconds: 5 },
  ],
  totalSeconds: 15,
  maxVUs: 1,
  scenarios: {},
  env: {},
  settleSeconds: 0,
};
const STATS: LiveStats = {
  points: 0,
  requests: 200,
  errors: 2,
  executionsCreated: 5,
  executionsDone: 3,
  inFlight: 2,
  phase: 'a',
  malformedLines: 0,
};

describe('progress', () => {
  it('knows the planned phase at any second', () => {
    expect(phaseAt(PLAN, 0)).toBe('a');
    expect(phaseAt(PLAN, 10)).toBe('b');
    expect(phaseAt(PLAN, 15)).toBeUndefined();
  });

  it('prints plain lines at most every interval, and reports phase changes', () => {
    let now = 1_000_000;
    const out: string[] = [];
    const phases: string[] = [];
    const p = new ProgressReporter({
      plan: PLAN,
      stats: () => STATS,
      write: (t) => out.push(t),
      mode: 'plain',
      plainEveryMs: 5000,
      now: () => now,
      onPhase: (ph, prev) => phases.push(`${prev ?? '-'}>${ph}`),
    });
    p.start();
    now += 1000;
    p.tick();
    now += 10_000;
    p.tick();
    p.stop();
    expect(out).toHaveLength(2);
    expect(out[1]).toMatch(
      /^\[b\] 11s elapsed, 4s left · .* 200 requests · errors 1\.00% · executions in flight 2, done 3\n$/,
    );
    expect(phases).toEqual(['->a', 'a>b', 'b>']);
  });

  it('rewrites one line on a TTY', () => {
    const out: string[] = [];
    const p = new ProgressReporter({
      plan: PLAN,
      stats: () => STATS,
      write: (t) => out.push(t),
      mode: 'tty',
      now: () => 5,
    });
    p.start();
    p.stop();
    expect(out[0]?.startsWith('\r\x1b[2K[a]')).toBe(true);
    expect(out[out.length - 1]).toBe('\n');
  });
});

describe('k6 exit codes', () => {
  it('turns codes into messages; thresholds do not fail the traffic', () => {
    expect(describeK6Exit(99)).toMatchObject({ trafficOk: true });
    expect(describeK6Exit(107)).toMatchObject({ trafficOk: false, message: expect.stringContaining('exception') });
    expect(describeK6Exit(104).message).toContain('configuration');
    expect(describeK6Exit(108).hint).toContain('credentials');
    expect(describeK6Exit(null, 'SIGKILL').message).toContain('SIGKILL');
    expect(describeK6Exit(42).message).toBe('k6 exited with code 42');
  });
});

import { join } from 'node:path';
import { waitForBaselineScrape } from '../../load/baseline.ts';
import { assertTrafficAllowed } from '../../config/target.ts';
import { errorMessage } from '../../util/errors.ts';
import { acquireLock } from '../../util/lock.ts';
import { need } from '../need.ts';
import type { Task } from '../task-runner.ts';
import type { RunState } from '../types.ts';

/**
 * Before traffic: the target must be allowed, the run takes its turn on an embedded stack
 * (teardown gives it back) and waits for a baseline scrape so short windows have a sample
 * before the first request.
 */
export function turnTask(): Task<RunState> {
  let releaseRunTurn: (() => Promise<void>) | undefined;
  return {
    title: 'turn',
    async setup(s, signal) {
      const target = need(s.target, 'target');
      const plan = need(s.plan, 'plan');
      const profile = need(s.profile, 'profile');
      assertTrafficAllowed(target);
      need(s.events, 'event log').emit({
        type: 'run.started',
        runId: need(s.runId, 'run id'),
        profile: profile.name,
        target: target.name,
        embedded: target.embedded,
        plannedSeconds: plan.totalSeconds,
      });
      if (target.embedded && s.stateDir) {
        // Runs on one stack take turns: two runs' traffic in one window would make both runs'
        // telemetry comparisons wrong (Prometheus cannot tell them apart).
        releaseRunTurn = await acquireLock(join(s.stateDir, 'run.lock'), {
          onWait: (pid) => s.write(`another run (pid ${pid}) is using this embedded stack; waiting for its turn…\n`),
        });
      }
      if (target.prometheus && !signal.aborted) {
        const job = target.telemetry?.job ?? 'backend-api';
        const b = await waitForBaselineScrape({
          prometheus: target.prometheus,
          job,
          ...(target.scrapeInterval ? { scrapeInterval: target.scrapeInterval } : {}),
          signal,
          env: s.env,
        }).catch((err: unknown) => ({ ok: false, reason: errorMessage(err), waitedMs: 0 }));
        if ('at' in b && b.at !== undefined) s.baselineAt = b.at;
        s.write(
          b.ok
            ? `baseline: ${b.reason}\n`
            : `warning: no baseline scrape before traffic (${b.reason}); short windows may be inconclusive\n`,
        );
      }
    },
    async teardown() {
      await releaseRunTurn?.();
    },
  };
}

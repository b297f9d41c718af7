import { assertLoadedRules, expectedModels } from '../../alerts/embedded.ts';
import { embeddedTarget } from '../../config/target.ts';
import { defaultStateDir } from '../../stack/config.ts';
import { takeLease, type Lease } from '../../stack/lease.ts';
import { stackDownIfUnused, stackUp, stackUrls } from '../../stack/lifecycle.ts';
import { HarnessError, errorMessage } from '../../util/errors.ts';
import { need } from '../need.ts';
import type { Task } from '../task-runner.ts';
import type { RunState } from '../types.ts';

/**
 * The embedded default (no target configured): take a lease on the stack, bring it up (or
 * join the one that runs) and make it the target. Teardown: give the lease back and stop the
 * stack unless another run still holds one. With a configured target there is nothing to do.
 * A profile with an `alerts:` block gets the spec rules compressed by its factor and a 1 s
 * scrape/evaluation (as `rules live`); a running stack with other rules is a usage error.
 */
export function stackTask(): Task<RunState> {
  let lease: Lease | undefined;
  let started = false;
  return {
    title: 'stack',
    async setup(s, signal) {
      if (s.target) return;
      const events = need(s.events, 'event log');
      const o = s.o;
      events.emit({ type: 'stack.starting' });
      s.write('starting the embedded stack (Prometheus, Alertmanager, Jaeger, reference ImageFlowCanvas)…\n');
      // The lease comes first, so a run finishing meanwhile sees this one and leaves the stack up.
      s.stateDir = o.stateDir;
      lease = await takeLease(o.stateDir ?? defaultStateDir(s.env));
      const compress = s.profile?.alerts?.compress;
      const up = await stackUp({
        ...(o.stateDir ? { stateDir: o.stateDir } : {}),
        ...(compress !== undefined ? { scrapeInterval: '1s' } : {}),
        ...(compress !== undefined && compress > 1 ? { ruleCompression: compress } : {}),
        ...(o.stackOptions ?? {}),
        log: (l) => s.write(`  ${l}\n`),
        env: s.env,
        // Ctrl-C during start-up: the stack stops what it started and throws INTERRUPTED.
        signal,
        runOwned: true,
      });
      started = up.started;
      s.stateDir = up.state.stateDir;
      s.stack = up.state;
      if (up.state.ruleCompression !== undefined) s.ruleCompression = up.state.ruleCompression;
      if (compress !== undefined) {
        await assertLoadedRules(
          stackUrls(up.state).prometheus,
          await expectedModels(compress),
          compress,
          up.state.stateDir,
        );
      }
      // The embedded default, resolved like a config target (src/config/target.ts).
      s.target = embeddedTarget(up.state);
      const urls = stackUrls(up.state);
      const { adminToken: _secret, ...shown } = urls;
      events.emit({
        type: 'stack.ready',
        started: up.started,
        urls: Object.fromEntries(
          Object.entries(shown).map(([k, v]) => [k, String(typeof v === 'object' ? JSON.stringify(v) : v)]),
        ),
      });
    },
    async teardown(s) {
      if (!lease) return;
      await lease.release();
      let n: number | undefined;
      try {
        n = await stackDownIfUnused({ ...(s.stateDir ? { stateDir: s.stateDir } : {}), env: s.env });
      } catch (err) {
        // The run reports it (a warning, a run.error event); it never replaces the run's result.
        throw new HarnessError('STACK_STOP_FAILED', `stopping the embedded stack failed: ${errorMessage(err)}`, {
          cause: err,
        });
      }
      if (n !== undefined) {
        s.write(`stopped the embedded stack (${n} processes)\n`);
        s.events?.emit({ type: 'stack.stopped', processes: n });
      } else if (started) {
        s.write('leaving the embedded stack running: another run still uses it (the last one stops it)\n');
      }
    },
  };
}

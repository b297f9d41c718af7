import { join } from 'node:path';
import { harnessScript } from '../../load/fixtures.ts';
import type { K6Exit } from '../../load/k6-exit.ts';
import { runK6 } from '../../load/k6-runner.ts';
import { LedgerBuilder } from '../../load/ledger.ts';
import { ProgressReporter, type ProgressMode } from '../../load/progress.ts';
import { writeJsonAtomic } from '../../util/atomic-write.ts';
import { need } from '../need.ts';
import type { Task } from '../task-runner.ts';
import type { RunState } from '../types.ts';

/**
 * k6 drives the plan while the ledger builds from its output (with a checkpoint every 30 s);
 * once k6 stops — at its end, on Ctrl-C or on failure — the ledger is saved before anything
 * else happens. Stopped or failed traffic ends the run here ('stop'): nothing is verified.
 */
export const trafficTask: Task<RunState> = {
  title: 'traffic',
  async setup(s, signal) {
    const plan = need(s.plan, 'plan');
    const target = need(s.target, 'target');
    const events = need(s.events, 'event log');
    const runDir = need(s.runDir, 'run directory');
    const runId = need(s.runId, 'run id');
    const write = s.write;
    const builder = new LedgerBuilder({
      runId,
      profile: need(s.profile, 'profile').name,
      apiBaseUrl: target.apiBaseUrl,
    });
    const ledgerPath = join(runDir, 'ledger.json');
    const trafficStart = new Date();
    const mode: ProgressMode = s.o.progress ?? (process.stderr.isTTY ? 'tty' : 'plain');
    const progress = new ProgressReporter({
      plan,
      stats: () => builder.live(),
      write,
      mode,
      onPhase: (phase, prev) => {
        if (prev) events.emit({ type: 'phase.ended', phase: prev });
        const planned = plan.phases.find((p) => p.name === phase);
        if (planned) events.emit({ type: 'phase.started', phase, plannedSeconds: planned.durationSeconds });
      },
    });
    // A checkpoint of the ledger while traffic runs: if the harness itself is killed, the
    // run directory still holds an honest partial ledger (marked aborted).
    // One checkpoint at a time, and the final write waits for it: two writers of ledger.json
    // must never interleave (the final ledger would be overwritten by an 'aborted' snapshot).
    let pendingCheckpoint: Promise<void> | undefined;
    let checkpointWarned = false;
    const checkpoint = setInterval(() => {
      if (pendingCheckpoint) return;
      pendingCheckpoint = writeJsonAtomic(
        ledgerPath,
        builder.finish({ aborted: true, exitCode: null, fallbackWindow: { start: trafficStart, end: new Date() } }),
      )
        .catch((err: unknown) => {
          if (!checkpointWarned) write(`warning: cannot checkpoint the ledger: ${(err as Error).message}\n`);
          checkpointWarned = true;
        })
        .finally(() => {
          pendingCheckpoint = undefined;
        });
    }, 30_000);
    checkpoint.unref();

    let result;
    if (!signal.aborted) {
      events.emit({ type: 'traffic.started', phases: plan.phases });
      write(
        `traffic: profile ${plan.profile}, ${plan.phases.map((p) => `${p.name} ${p.durationSeconds}s`).join(' → ')}, against ${target.apiBaseUrl}\n`,
      );
      progress.start();
      try {
        result = await runK6({
          k6Path: need(s.k6Path, 'k6'),
          script: harnessScript(),
          runDir,
          env: {
            ...plan.env,
            SLO_PLAN: JSON.stringify({ scenarios: plan.scenarios }),
            BASE_URL: target.apiBaseUrl,
            API_USERNAME: target.credentials.username,
            API_PASSWORD: target.credentials.password,
            FIXTURE_FILES: need(s.fixtures, 'fixtures').join(','),
          },
          onPoint: (line) => builder.ingestLine(line),
          signal,
          ...(s.o.forceSignal ? { forceSignal: s.o.forceSignal } : {}),
        });
      } finally {
        progress.stop();
        clearInterval(checkpoint);
      }
    }
    clearInterval(checkpoint);
    await pendingCheckpoint;
    const aborted = signal.aborted || (result?.stopped ?? false);
    const exit: K6Exit = result?.exit ?? {
      code: null,
      trafficOk: false,
      message: 'k6 was not started: the run was stopped first',
    };
    events.emit({ type: 'traffic.ended', k6ExitCode: exit.code, message: exit.message, stopped: aborted });

    const ledger = builder.finish({
      aborted,
      exitCode: exit.code,
      fallbackWindow: { start: trafficStart, end: new Date() },
    });
    await writeJsonAtomic(ledgerPath, ledger);
    s.ledger = ledger;
    s.k6 = exit;
    s.aborted = aborted;
    events.emit({
      type: 'ledger.saved',
      path: ledgerPath,
      requests: ledger.requests.total,
      executions: ledger.executions.created,
      aborted,
    });
    write(
      `${exit.message}${exit.code !== null ? ` (exit ${exit.code})` : ''}\n` +
        `ledger: ${ledger.requests.total} requests, ${ledger.executions.created} executions (${
          Object.entries(ledger.executions.byOutcome)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ') || 'none'
        }), p95 ${(ledger.requests.latency.quantiles.p95 * 1000).toFixed(1)} ms → ${ledgerPath}\n`,
    );

    if (aborted) {
      s.status = 'interrupted';
      return 'stop';
    }
    if (!exit.trafficOk) {
      const tail = result?.logTail.slice(-8).join('\n');
      write(
        `error: ${exit.message}\n${tail ? tail.replace(/^/gm, '  | ') + '\n' : ''}${exit.hint ? `  hint: ${exit.hint}\n` : ''}`,
      );
      s.status = 'error';
      return 'stop';
    }
    if (exit.hint && exit.code === 99) write(`note: ${exit.hint}\n`);
  },
};

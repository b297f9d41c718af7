import { reportersNamed, writeReports } from '../../report/registry.ts';
import { renderSummary } from '../../report/summary.ts';
import { tally } from '../../report/tally.ts';
import { need } from '../need.ts';
import type { Task } from '../task-runner.ts';
import type { RunState } from '../types.ts';

/**
 * The verdicts as files (each reporter on its own: one that fails is a warning and an event,
 * the others still write), as events (one per verdict, then verify.ended) and as the
 * terminal summary. Nothing to do when the stage returned no report.
 */
export const reportTask: Task<RunState> = {
  title: 'report',
  async setup(s) {
    const report = s.report;
    if (!report) return;
    const events = need(s.events, 'event log');
    const runDir = need(s.runDir, 'run directory');
    const written = await writeReports(
      reportersNamed(s.o.reporters),
      { runId: need(s.runId, 'run id'), report, ...(s.ledger ? { ledger: s.ledger } : {}), env: s.env },
      runDir,
      (f) => {
        s.write(`verify: warning: the ${f.reporter} reporter failed: ${f.message}\n`);
        events.emit({ type: 'report.failed', reporter: f.reporter, message: f.message });
      },
    );
    for (const v of report.verdicts) {
      events.emit({
        type: 'verdict',
        checkId: v.checkId,
        requirements: v.requirements,
        outcome: v.outcome,
        summary: v.summary,
        ...(v.observed !== undefined ? { observed: v.observed } : {}),
        ...(v.expected !== undefined ? { expected: v.expected } : {}),
        ...(v.reason !== undefined ? { reason: v.reason } : {}),
      });
    }
    events.emit({
      type: 'verify.ended',
      outcome: report.outcome,
      counts: tally(report.verdicts),
      path: written.files[0] ?? runDir,
      durationMs: report.durationMs,
    });
    s.write(renderSummary(report, { show: 'attention', files: written.files }));
  },
};

import { expectedModels, liveUrls } from '../../alerts/embedded.ts';
import { runLiveAlerts } from '../../alerts/live.ts';
import { tally, tallyText } from '../../report/tally.ts';
import { parseDuration } from '../../util/duration.ts';
import { gateExitCode } from '../../util/exit-codes.ts';
import { overall } from '../../verify/evaluate.ts';
import { need } from '../need.ts';
import { statusOfExitCode, worstStatus } from '../status.ts';
import type { Task } from '../task-runner.ts';
import type { RunState } from '../types.ts';

/**
 * The live alert check of a profile with an `alerts:` block (docs/alerts.md), after the
 * verification of the traffic window: each listed spec alert driven by its reference fault on
 * the embedded stack, its timeline judged against the physical floor. Its verdicts join the
 * run's (the report task writes them) and its outcome joins the run's status. Without the
 * block there is nothing to do.
 */
export const alertsTask: Task<RunState> = {
  title: 'alerts',
  // A backstop only: every wait inside has its own deadline (a few minutes in all).
  timeoutMs: 20 * 60_000,
  async setup(s, signal) {
    const spec = s.profile?.alerts;
    if (!spec) return;
    // A run that already broke (k6 failed, interrupted) is not worth minutes of faults.
    if (s.status === 'error' || s.status === 'interrupted') return;
    const stack = need(s.stack, 'embedded stack');
    const slackSeconds = spec.slack === undefined ? 5 : (parseDuration(spec.slack) ?? 5);
    s.write(
      `alerts: driving ${spec.alerts.join(', ')} with reference faults (rules ${spec.compress === 1 ? 'verbatim' : `time-compressed ×${spec.compress}`}, slack ${slackSeconds} s)\n`,
    );
    const verdicts = await runLiveAlerts({
      urls: liveUrls(stack),
      models: await expectedModels(spec.compress),
      scrapeSeconds: parseDuration(stack.scrapeInterval) ?? 1,
      evaluationSeconds: parseDuration(stack.evaluationInterval) ?? 1,
      slackSeconds,
      ...(spec.compress === 1 ? {} : { compression: spec.compress }),
      alerts: spec.alerts,
      signal,
      log: (l) => s.write(`${l.startsWith('alerts:') ? '' : 'alerts: '}${l}\n`),
    });
    s.write(`alerts: ${tallyText(tally(verdicts))}\n`);
    if (s.report) {
      s.report.verdicts.push(...verdicts);
      s.report.outcome = overall(s.report.verdicts);
    }
    s.status = worstStatus(s.status, statusOfExitCode(gateExitCode(overall(verdicts))));
  },
};

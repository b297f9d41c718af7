import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { VerifyStage } from '../load/run.ts';
import type { Ledger } from '../model/ledger.ts';
import { toJunit } from '../report/junit.ts';
import { toMarkdown } from '../report/markdown.ts';
import { HarnessError } from '../util/errors.ts';
import { gateExitCode } from '../util/exit-codes.ts';
import { parseDuration } from '../util/duration.ts';
import { toJson, verify, type VerifyReport } from './engine.ts';

/**
 * The verification stage of `slo-harness run`: judges the run's traffic window with the
 * whole catalogue against the target's backends, writes `verdicts.json` next to the ledger,
 * emits one event per verdict and decides the gate's exit code. A backend that is not
 * configured makes its checks inconclusive (never pass).
 */
export function verifyStageFor(opts: {
  checksDir?: string;
  write: (text: string) => void;
  env?: NodeJS.ProcessEnv;
}): VerifyStage {
  return async (ctx) => {
    const t = ctx.target;
    const scrapeInterval = t.scrapeInterval ?? '15s';
    const evaluationInterval = t.evaluationInterval ?? scrapeInterval;
    const scrapeS = parseDuration(scrapeInterval) ?? 15;
    const evalS = parseDuration(evaluationInterval) ?? scrapeS;
    const report = await verify({
      ledger: ctx.ledger,
      ...(t.prometheus ? { prometheus: t.prometheus } : {}),
      ...(t.alertmanager ? { alertmanager: t.alertmanager } : {}),
      ...(t.logs?.kind === 'file' ? { logs: t.logs.paths } : {}),
      ...(t.logs?.kind === 'elasticsearch' ? { logStore: t.logs } : {}),
      scrapeInterval,
      evaluationInterval,
      ...(opts.checksDir ? { checksDir: opts.checksDir } : {}),
      ...(t.telemetry ? { telemetry: t.telemetry } : {}),
      settle: true,
      // The profile's `settle`: how long verification may wait for the telemetry to catch up,
      // never less than four scrape + evaluation intervals of the target.
      settleTimeoutMs: Math.max(ctx.plan.settleSeconds * 1000, 4 * (scrapeS + evalS) * 1000, 10_000),
      log: (line) => opts.write(`verify: ${line}\n`),
      ...(opts.env ? { env: opts.env } : {}),
    });
    if (report instanceof HarnessError) throw report;
    const path = join(ctx.runDir, 'verdicts.json');
    await writeFile(path, `${JSON.stringify(toJson(report), null, 2)}\n`);
    // The verdict is already saved: a report that cannot be written is a warning, not the result.
    await writeReports(ctx.runDir, ctx.runId, report, ctx.ledger, opts.env ?? process.env).catch((err: unknown) =>
      opts.write(`verify: warning: could not write junit.xml/summary.md: ${(err as Error).message}\n`),
    );
    for (const v of report.verdicts) {
      ctx.events.emit({
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
    const counts = countOutcomes(report);
    ctx.events.emit({ type: 'verify.ended', outcome: report.outcome, counts, path, durationMs: report.durationMs });
    opts.write(renderSummary(report, counts, path));
    return { exitCode: gateExitCode(report.outcome) };
  };
}

/**
 * JUnit (for CI test reporters) and Markdown (for people) next to verdicts.json; the
 * Markdown is also appended to GitHub's job summary when the run is a GitHub Actions step.
 */
async function writeReports(
  runDir: string,
  runId: string,
  report: VerifyReport,
  ledger: Ledger,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const started = ledger.window.start;
  await writeFile(
    join(runDir, 'junit.xml'),
    toJunit({ name: runId, timestamp: started, durationMs: report.durationMs, verdicts: report.verdicts }),
  );
  const md = toMarkdown({ runId, outcome: report.outcome, verdicts: report.verdicts, ledger });
  await writeFile(join(runDir, 'summary.md'), md);
  if (env.GITHUB_STEP_SUMMARY) await appendFile(env.GITHUB_STEP_SUMMARY, md + '\n');
}

function countOutcomes(r: VerifyReport): Record<string, number> {
  const counts: Record<string, number> = { pass: 0, fail: 0, warn: 0, inconclusive: 0, skipped: 0 };
  for (const v of r.verdicts) counts[v.outcome] = (counts[v.outcome] ?? 0) + 1;
  return counts;
}

/** The terminal view: every failed/inconclusive check with its reason, then the tally. */
export function renderSummary(r: VerifyReport, counts: Record<string, number>, path: string): string {
  const lines: string[] = [];
  for (const v of r.verdicts) {
    if (v.outcome !== 'fail' && v.outcome !== 'inconclusive') continue;
    lines.push(`${v.outcome.toUpperCase().padEnd(12)} ${v.checkId} [${v.requirements.join(', ')}]: ${v.summary}`);
    if (v.reason) lines.push(`             reason: ${v.reason}`);
  }
  lines.push(
    `verdict: ${r.outcome.toUpperCase()} — ${counts.pass} pass, ${counts.fail} fail, ${counts.warn} warn, ` +
      `${counts.inconclusive} inconclusive, ${counts.skipped} skipped → ${path} (+ junit.xml, summary.md)`,
  );
  return lines.join('\n') + '\n';
}

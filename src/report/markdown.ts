import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Ledger } from '../model/ledger.ts';
import type { Outcome, Verdict } from '../model/verdict.ts';
import { coverageOf } from './coverage.ts';
import type { Reporter } from './reporter.ts';
import { tally, tallyText } from './tally.ts';

export interface MarkdownInput {
  runId: string;
  outcome: Outcome;
  verdicts: Verdict[];
  ledger?: Ledger;
}

const ICON: Record<Outcome, string> = {
  pass: '✅ pass',
  fail: '❌ fail',
  warn: '⚠️ warn',
  inconclusive: '❔ inconclusive',
  skipped: '⏭️ skipped',
};

/** Table cells: no pipes or newlines inside. */
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/**
 * A Markdown summary for people and for CI job summaries: the verdict, what the client saw,
 * every failed/inconclusive check with its evidence, and the coverage per requirement ID.
 */
export function toMarkdown(input: MarkdownInput): string {
  const out: string[] = [];
  out.push(`## SLO harness: ${ICON[input.outcome]} — run \`${input.runId}\``, '');
  out.push(tallyText(tally(input.verdicts), ' · '), '');
  const l = input.ledger;
  if (l) {
    const outcomes = Object.entries(l.executions.byOutcome)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    out.push(
      `Traffic (ground truth): ${l.requests.total} requests, client P95 ${(l.requests.latency.quantiles.p95 * 1000).toFixed(1)} ms, ` +
        `${l.executions.created} executions (${outcomes || 'none finished'}), window ${l.window.start} → ${l.window.end}` +
        (l.aborted ? ' — **aborted**' : ''),
      '',
    );
  }
  const bad = input.verdicts.filter((v) => v.outcome === 'fail' || v.outcome === 'inconclusive');
  if (bad.length > 0) {
    out.push(
      '### Needs attention',
      '',
      '| check | requirements | outcome | observed | expected | why |',
      '|---|---|---|---|---|---|',
    );
    for (const v of bad) {
      out.push(
        `| ${cell(v.checkId)} | ${cell(v.requirements.join(', '))} | ${ICON[v.outcome]} | ${cell(String(v.observed ?? '—'))} | ${cell(v.expected ?? '—')} | ${cell(v.reason ?? v.summary)} |`,
      );
    }
    out.push('');
  }
  out.push(
    '### Coverage per requirement',
    '',
    '_behaviour_: the system was seen doing it; _conformance_: it is configured or written as the spec says.',
    '',
    '| requirement | result | shown | behaviour checks | conformance checks |',
    '|---|---|---|---|---|',
  );
  for (const row of coverageOf(input.verdicts)) {
    const of = (e: string) =>
      cell(
        row.checks
          .filter((c) => c.evidence === e)
          .map((c) => c.checkId)
          .join(', ') || '—',
      );
    out.push(
      `| ${row.id} | ${row.outcome ? ICON[row.outcome] : 'not covered yet'} | ${row.shown} | ${of('behaviour')} | ${of('conformance')} |`,
    );
  }
  out.push('', '<details><summary>All checks</summary>', '', '| check | outcome | summary |', '|---|---|---|');
  for (const v of input.verdicts) out.push(`| ${cell(v.checkId)} | ${ICON[v.outcome]} | ${cell(v.summary)} |`);
  out.push('', '</details>', '');
  return out.join('\n');
}

/** summary.md for people; also appended to GitHub's job summary when the run is an Actions step. */
export const markdownReporter: Reporter = {
  name: 'markdown',
  async write(data, dir) {
    const path = join(dir, 'summary.md');
    const md = toMarkdown({
      runId: data.runId,
      outcome: data.report.outcome,
      verdicts: data.report.verdicts,
      ...(data.ledger ? { ledger: data.ledger } : {}),
    });
    await writeFile(path, md);
    const step = data.env.GITHUB_STEP_SUMMARY;
    if (step) await appendFile(step, md + '\n');
    return [path];
  },
};

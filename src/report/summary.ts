import type { Verification } from './reporter.ts';
import { tally, tallyText } from './tally.ts';

const MARK: Record<string, string> = {
  pass: 'PASS',
  fail: 'FAIL',
  warn: 'WARN',
  inconclusive: 'INCONCLUSIVE',
  skipped: 'SKIP',
};

export interface SummaryOptions {
  /** 'all' lists every check (verify); 'attention' only the failed and inconclusive ones (run). */
  show: 'all' | 'attention';
  /** The report files written, named after the tally line. */
  files?: string[];
}

/** The terminal view of a verification, shared by `run` and `verify`: checks, then the tally. */
export function renderSummary(r: Verification, opts: SummaryOptions): string {
  const lines: string[] = [];
  for (const v of r.verdicts) {
    if (opts.show === 'attention') {
      if (v.outcome !== 'fail' && v.outcome !== 'inconclusive') continue;
      lines.push(`${v.outcome.toUpperCase().padEnd(12)} ${v.checkId} [${v.requirements.join(', ')}]: ${v.summary}`);
      if (v.reason) lines.push(`             reason: ${v.reason}`);
    } else {
      lines.push(`${MARK[v.outcome]?.padEnd(12)} ${v.checkId.padEnd(36)} ${v.requirements.join(',')}`);
      lines.push(`             ${v.summary}`);
      if (v.reason && v.outcome !== 'warn') lines.push(`             reason: ${v.reason}`);
    }
  }
  const [first, ...rest] = opts.files ?? [];
  const where = first ? ` → ${first}${rest.length ? ` (+ ${rest.map(baseName).join(', ')})` : ''}` : '';
  if (opts.show === 'all' && lines.length) lines.push('');
  lines.push(`verdict: ${r.outcome.toUpperCase()} — ${tallyText(tally(r.verdicts))} (${r.durationMs} ms)${where}`);
  return lines.join('\n') + '\n';
}

const baseName = (p: string) => p.slice(p.lastIndexOf('/') + 1);

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Verdict } from '../model/verdict.ts';
import type { Reporter } from './reporter.ts';
import { tally } from './tally.ts';

export interface JunitInput {
  /** The suite's name, e.g. the run id. */
  name: string;
  timestamp: string;
  durationMs: number;
  verdicts: Verdict[];
}

const esc = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    // XML 1.0 forbids most control characters, even escaped: matching them is the point here.
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '');

/**
 * JUnit XML for CI test reporters. One testcase per check, classname = its requirement IDs.
 * A failed check is a `<failure>` (the data contradicts the SLO); an inconclusive one is an
 * `<error>` (it could not be observed) — CI shows both as red, never as passed. Skipped
 * checks are `<skipped>`; warnings pass with their message in `<system-out>`.
 */
export function toJunit(input: JunitInput): string {
  const t = tally(input.verdicts);
  const cases = input.verdicts.map((v) => {
    const evidence = [
      v.summary,
      v.observed !== undefined ? `observed: ${v.observed}` : '',
      v.expected ? `expected: ${v.expected}` : '',
      v.reason ? `reason: ${v.reason}` : '',
      v.range ? `range: ${v.range.start} → ${v.range.end}` : '',
      ...v.queries.map((q) => `query: ${q}`),
      ...v.links.map((l) => `link: ${l}`),
    ]
      .filter(Boolean)
      .join('\n');
    const open = `    <testcase classname="${esc(v.requirements.join(' '))}" name="${esc(`${v.checkId}: ${v.title}`)}" time="0">`;
    switch (v.outcome) {
      case 'fail':
        return `${open}\n      <failure message="${esc(v.summary)}" type="slo.fail">${esc(evidence)}</failure>\n    </testcase>`;
      case 'inconclusive':
        return `${open}\n      <error message="${esc(v.reason ?? v.summary)}" type="slo.inconclusive">${esc(evidence)}</error>\n    </testcase>`;
      case 'skipped':
        return `${open}\n      <skipped message="${esc(v.reason ?? v.summary)}"/>\n    </testcase>`;
      default:
        return `${open}\n      <system-out>${esc(`${v.outcome.toUpperCase()}: ${evidence}`)}</system-out>\n    </testcase>`;
    }
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="slo-harness" tests="${input.verdicts.length}" failures="${t.fail}" errors="${t.inconclusive}" skipped="${t.skipped}" time="${(input.durationMs / 1000).toFixed(3)}">`,
    `  <testsuite name="${esc(input.name)}" tests="${input.verdicts.length}" failures="${t.fail}" errors="${t.inconclusive}" skipped="${t.skipped}" timestamp="${esc(input.timestamp)}" time="${(input.durationMs / 1000).toFixed(3)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** junit.xml, for CI test reporters. */
export const junitReporter: Reporter = {
  name: 'junit',
  async write(data, dir) {
    const path = join(dir, 'junit.xml');
    // The traffic window's start when there was traffic, else the judged window's.
    const timestamp = data.ledger?.window.start ?? new Date(data.report.context.window.start * 1000).toISOString();
    await writeFile(
      path,
      toJunit({ name: data.runId, timestamp, durationMs: data.report.durationMs, verdicts: data.report.verdicts }),
    );
    return [path];
  },
};

import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirPerTest } from '../util/testing/temp-dir.ts';
import { REPORTERS, REPORTER_NAMES, reportersNamed, writeReports } from './registry.ts';
import type { Reporter } from './reporter.ts';
import { renderSummary } from './summary.ts';
import { tally } from './tally.ts';
import { sampleReport } from './testing/sample-report.ts';

const report = sampleReport;

describe('reporters by name', () => {
  let dir = '';
  tempDirPerTest('slo-reporters-', (d) => (dir = d));

  it('writes verdicts.json, junit.xml and summary.md by default, each from the same verdicts', async () => {
    expect(REPORTER_NAMES).toEqual(['json', 'junit', 'markdown']);
    const out = await writeReports(reportersNamed([]), { runId: 'r1', report, env: {} }, dir);
    expect(out.failures).toEqual([]);
    expect(out.files).toEqual(['verdicts.json', 'junit.xml', 'summary.md'].map((f) => join(dir, f)));
    const json = JSON.parse(await readFile(join(dir, 'verdicts.json'), 'utf8')) as { verdicts: unknown[] };
    expect(json.verdicts).toHaveLength(3);
    expect(json).not.toHaveProperty('observations');
    expect(await readFile(join(dir, 'junit.xml'), 'utf8')).toContain('timestamp="2025-11-24T16:00:00.000Z"');
    expect(await readFile(join(dir, 'summary.md'), 'utf8')).toContain('1 pass · 0 fail · 1 warn · 1 inconclusive');
  });

  it('picks the named ones and refuses an unknown name, naming the choices', () => {
    expect(reportersNamed(['junit']).map((r) => r.name)).toEqual(['junit']);
    expect(() => reportersNamed(['junit', 'html'])).toThrow(/unknown reporter "html"/);
    expect(() => reportersNamed(['html'])).toThrow(
      expect.objectContaining({ code: 'CONFIG_REPORTER', hint: expect.stringContaining('json, junit, markdown') }),
    );
  });

  it('a reporter that throws is recorded and the others still write', async () => {
    const broken: Reporter = {
      name: 'broken',
      write: () => Promise.reject(new Error('disk full')),
    };
    const [json, junit, markdown] = REPORTERS as [Reporter, Reporter, Reporter];
    const seen: string[] = [];
    const out = await writeReports([json, broken, junit, markdown], { runId: 'r1', report, env: {} }, dir, (f) =>
      seen.push(`${f.reporter}: ${f.message}`),
    );
    expect(out.failures).toEqual([{ reporter: 'broken', message: 'disk full' }]);
    expect(seen).toEqual(['broken: disk full']);
    expect((await readdir(dir)).sort()).toEqual(['junit.xml', 'summary.md', 'verdicts.json']);
  });

  it('markdown also appends to the GitHub job summary when GITHUB_STEP_SUMMARY names one', async () => {
    const step = join(dir, 'step-summary.md');
    await writeReports(reportersNamed(['markdown']), { runId: 'r1', report, env: { GITHUB_STEP_SUMMARY: step } }, dir);
    expect(await readFile(step, 'utf8')).toMatch(/^## SLO harness: ❔ inconclusive — run `r1`/);
  });
});

describe('one tally, one terminal summary', () => {
  it('counts every outcome, zeros included', () => {
    expect(tally(report.verdicts)).toEqual({ pass: 1, fail: 0, warn: 1, inconclusive: 1, skipped: 0 });
  });

  it('run shows what needs attention; verify shows every check; both end with the same tally line', () => {
    const run = renderSummary(report, { show: 'attention', files: ['/r/verdicts.json', '/r/junit.xml'] });
    expect(run).not.toContain(' a [');
    expect(run).toContain('INCONCLUSIVE b [SLI-1]: b summary\n             reason: prometheus SOURCE_UNREACHABLE');
    expect(run.trimEnd().split('\n').at(-1)).toBe(
      'verdict: INCONCLUSIVE — 1 pass, 0 fail, 1 warn, 1 inconclusive, 0 skipped (42 ms) → /r/verdicts.json (+ junit.xml)',
    );
    const verify = renderSummary(report, { show: 'all' });
    expect(verify).toMatch(/^PASS {9}a/m);
    expect(verify).toMatch(/^WARN {9}c/m);
    expect(verify.trimEnd().split('\n').at(-1)).toBe(
      'verdict: INCONCLUSIVE — 1 pass, 0 fail, 1 warn, 1 inconclusive, 0 skipped (42 ms)',
    );
  });
});

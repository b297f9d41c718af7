import { describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toJunit } from './junit.ts';
import { toMarkdown } from './markdown.ts';
import { coverageOf } from './coverage.ts';
import { runCommand } from '../util/proc.ts';
import type { Verdict } from '../model/verdict.ts';

const v = (
  checkId: string,
  outcome: Verdict['outcome'],
  requirements: string[],
  extra: Partial<Verdict> = {},
): Verdict => ({
  checkId,
  title: `title of ${checkId}`,
  requirements,
  severity: 'gate',
  outcome,
  summary: `${checkId} summary`,
  queries: [],
  links: [],
  ...extra,
});

const verdicts: Verdict[] = [
  // A control character (from a log line, say) must not break the XML.
  v('sli-1-availability', 'pass', ['SLI-1'], { observed: 100, expected: '>= 99.9 %', summary: 'ok\u0007bell\uffff' }),
  v('truth-request-count', 'fail', ['SLI-1', 'KM-5'], {
    summary: 'Prometheus counted 465 requests, the client sent 503 (diff -38) <&> "x"',
    queries: ['sum by (code) (http_requests_total{job="backend-api"})'],
  }),
  v('al-5-no-alert-while-healthy', 'inconclusive', ['AL-5'], {
    reason: 'alertmanager SOURCE_UNREACHABLE: ECONNREFUSED',
  }),
  v('truth-executions', 'skipped', ['SLI-3'], { reason: 'no ledger' }),
  v('finding-2-average-vs-p95', 'warn', ['KM-4', 'FINDING-2'], { severity: 'warning' }),
];

describe('JUnit report', () => {
  const xml = toJunit({ name: 'run-1', timestamp: '2026-11-28T21:00:00.000Z', durationMs: 1234, verdicts });

  it('is well-formed XML a CI reader can parse', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slo-junit-'));
    const file = join(dir, 'junit.xml');
    await writeFile(file, xml);
    const r = await runCommand('python3', [
      '-c',
      'import sys,xml.etree.ElementTree as E; s=E.parse(sys.argv[1]).getroot().find("testsuite"); print(s.get("tests"), s.get("failures"), s.get("errors"), s.get("skipped"))',
      file,
    ]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('5 1 1 1');
  });

  it('reports a failed check as <failure> and an inconclusive one as <error>, never as passed', () => {
    expect(xml).toMatch(
      /name="truth-request-count: title of truth-request-count"[^>]*>\s*<failure message="Prometheus counted 465 requests, the client sent 503 \(diff -38\) &lt;&amp;&gt; &quot;x&quot;"/,
    );
    expect(xml).toMatch(/<error message="alertmanager SOURCE_UNREACHABLE: ECONNREFUSED" type="slo.inconclusive">/);
    expect(xml).toMatch(/<skipped message="no ledger"\/>/);
    expect(xml).toContain('query: sum by (code) (http_requests_total{job=&quot;backend-api&quot;})');
    expect(xml).toMatch(/classname="SLI-1 KM-5"/);
  });
});

describe('Markdown summary', () => {
  const md = toMarkdown({ runId: 'run-1', outcome: 'fail', verdicts });

  it('leads with the verdict and lists what needs attention with its evidence', () => {
    expect(md.split('\n')[0]).toBe('## SLO harness: ❌ fail — run `run-1`');
    expect(md).toContain('1 pass · 1 fail · 1 warn · 1 inconclusive · 1 skipped');
    const attention = md.slice(md.indexOf('### Needs attention'), md.indexOf('### Coverage'));
    expect(attention).toContain('truth-request-count');
    expect(attention).toContain('al-5-no-alert-while-healthy');
    expect(attention).not.toContain('sli-1-availability');
  });

  it('shows coverage per requirement ID: the worst outcome wins, uncovered IDs are named', () => {
    expect(md).toMatch(/\| SLI-1 \| ❌ fail \| [a-z ]+ \| sli-1-availability, truth-request-count \| — \|/);
    expect(md).toMatch(/\| TP-1 \| not covered yet \| not shown \| — \| — \|/);
    const rows = coverageOf(verdicts);
    expect(rows.find((r) => r.id === 'AL-5')?.outcome).toBe('inconclusive');
    expect(rows.find((r) => r.id === 'ARCH-1')?.outcome).toBeUndefined();
    expect(rows.find((r) => r.id === 'FINDING-2')?.outcome).toBe('warn');
  });

  it('keeps conformance apart from behaviour: rules written as specified is not an alert seen working', () => {
    const v = (checkId: string, outcome: 'pass' | 'fail', evidence: 'conformance' | 'behaviour') => ({
      checkId,
      title: checkId,
      requirements: ['AL-1'],
      severity: 'gate' as const,
      outcome,
      summary: '',
      queries: [],
      links: [],
      evidence,
    });
    const only = coverageOf([v('al-4-rules-match-spec', 'pass', 'conformance')]).find((r) => r.id === 'AL-1');
    expect(only?.shown).toBe('conformance only');
    const seen = coverageOf([
      v('al-4-rules-match-spec', 'pass', 'conformance'),
      v('al-1-fires-live', 'pass', 'behaviour'),
    ]).find((r) => r.id === 'AL-1');
    expect(seen?.shown).toBe('behaviour');
    const md2 = toMarkdown({
      runId: 'r',
      outcome: 'pass',
      verdicts: [v('al-4-rules-match-spec', 'pass', 'conformance')],
    });
    expect(md2).toMatch(/\| AL-1 \| ✅ pass \| conformance only \| — \| al-4-rules-match-spec \|/);
  });
});

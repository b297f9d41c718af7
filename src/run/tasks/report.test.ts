import { mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sampleReport } from '../../report/testing/sample-report.ts';
import { tempDirPerTest } from '../../util/testing/temp-dir.ts';
import { EventLog } from '../events.ts';
import type { RunState } from '../types.ts';
import { reportTask } from './report.ts';

describe('the report task', () => {
  let dir = '';
  tempDirPerTest('slo-report-task-', (d) => (dir = d));

  it('a reporter that fails is a warning and an event; the other reports, the verdict events and the summary still come', async () => {
    // junit.xml cannot be written: a directory sits where the file goes.
    await mkdir(join(dir, 'junit.xml'));
    const lines: string[] = [];
    const s: RunState = {
      o: { profile: 'smoke' },
      env: {},
      write: (t) => lines.push(t),
      runId: 'r1',
      runDir: dir,
      events: new EventLog(join(dir, 'events.jsonl')),
      report: sampleReport,
    };
    await reportTask.setup(s, new AbortController().signal);
    expect((await readdir(dir)).sort()).toEqual(['events.jsonl', 'junit.xml', 'summary.md', 'verdicts.json']);
    const events = (await readFile(join(dir, 'events.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; reporter?: string; path?: string; counts?: unknown });
    expect(events.filter((e) => e.type === 'report.failed').map((e) => e.reporter)).toEqual(['junit']);
    expect(events.filter((e) => e.type === 'verdict')).toHaveLength(3);
    expect(events.at(-1)).toMatchObject({
      type: 'verify.ended',
      path: join(dir, 'verdicts.json'),
      counts: { pass: 1, fail: 0, warn: 1, inconclusive: 1, skipped: 0 },
    });
    const out = lines.join('');
    expect(out).toMatch(/warning: the junit reporter failed: .*EISDIR/);
    expect(out).toContain('verdict: INCONCLUSIVE — 1 pass, 0 fail, 1 warn, 1 inconclusive, 0 skipped');
  });
});

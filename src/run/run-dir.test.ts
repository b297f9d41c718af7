import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HarnessError } from '../util/errors.ts';
import { tempDirPerTest } from '../util/testing/temp-dir.ts';
import { createRunDir, runIdProblem } from './run-dir.ts';
import { assertUsableDir } from '../util/usable-dir.ts';

let dir = '';
tempDirPerTest('run-dir-', (d) => (dir = d));

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (e as HarnessError).code,
  );

describe('run ids and run directories', () => {
  it.each(['../../x', '/tmp/abs', '..', 'a/b', 'a..b', '', 'x'.repeat(129), 'sp ace', 'ü'])('refuses %j', (id) => {
    expect(runIdProblem(id)).toBeDefined();
  });
  it.each(['20261202-041500-smoke-3f2a', 'nightly.42', 'A_b-c'])('accepts %j', (id) => {
    expect(runIdProblem(id)).toBeUndefined();
  });

  it('creates the run directory inside the reports directory', async () => {
    const d = await createRunDir(join(dir, 'reports'), 'r1');
    expect(d).toBe(join(dir, 'reports', 'r1'));
    expect(readdirSync(join(dir, 'reports'))).toEqual(['r1']);
  });

  it('refuses an escaping id before touching the disk', async () => {
    expect(await code(createRunDir(join(dir, 'reports'), '../escape'))).toBe('CONFIG_RUN_ID');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a run id that exists, leaving the earlier run as it was', async () => {
    mkdirSync(join(dir, 'r1'));
    writeFileSync(join(dir, 'r1', 'verdicts.json'), '{"outcome":"pass"}');
    expect(await code(createRunDir(dir, 'r1'))).toBe('CONFIG_RUN_ID_EXISTS');
    expect(readdirSync(join(dir, 'r1'))).toEqual(['verdicts.json']);
  });

  it('says a reports directory that is a file is unusable', async () => {
    writeFileSync(join(dir, 'file'), '');
    expect(await code(createRunDir(join(dir, 'file'), 'r1'))).toBe('CONFIG_DIR');
  });
});

describe('assertUsableDir', () => {
  it('names the flag when the directory is a file', async () => {
    writeFileSync(join(dir, 'f'), '');
    const err = (await assertUsableDir(join(dir, 'f'), '--state-dir').catch((e: unknown) => e)) as HarnessError;
    expect(err.code).toBe('CONFIG_DIR');
    expect(err.message).toContain('--state-dir');
    expect(err.hint).toMatch(/not a directory/);
  });
});

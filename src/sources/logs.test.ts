import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileLogSource } from './logs.ts';
import { HarnessError } from '../util/errors.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slo-logs-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const at = (s: number) => new Date(s * 1000).toISOString();
const rec = (s: number, msg: string) => JSON.stringify({ timestamp: at(s), message: msg });

describe('fileLogSource', () => {
  it('keeps the records of the window and charges it only the malformed lines written inside it', async () => {
    const file = join(dir, 'app-backend-api.jsonl');
    await writeFile(
      file,
      [
        rec(100, 'old run'),
        'garbage from an old run',
        rec(200, 'in window'),
        'not json',
        rec(210, 'in window too'),
        rec(400, 'later'),
      ].join('\n') + '\n',
    );
    const obs = await fileLogSource([dir]).records(150, 300);
    if (obs instanceof HarnessError) throw obs;
    expect(obs.records.map((r) => r.message)).toEqual(['in window', 'in window too']);
    expect(obs.malformed).toBe(1);
    expect(obs.total).toBe(2);
  });

  it('keeps at most `limit` records but counts them all', async () => {
    const file = join(dir, 'a.jsonl');
    await writeFile(file, [1, 2, 3, 4].map((i) => rec(200 + i, `r${i}`)).join('\n'));
    const obs = await fileLogSource([file], { limit: 2 }).records(0, 1000);
    if (obs instanceof HarnessError) throw obs;
    expect(obs.records).toHaveLength(2);
    expect(obs.total).toBe(4);
  });

  it('a missing path is a source error naming it, never an empty pass', async () => {
    const obs = await fileLogSource([join(dir, 'nope')]).records(0, 1);
    expect(obs).toBeInstanceOf(HarnessError);
    expect((obs as HarnessError).code).toBe('SOURCE_UNREACHABLE');
  });
});

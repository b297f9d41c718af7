import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileLogSource, logBackend, type LogStore } from './logs.ts';
import type { LogRequest } from '../model/request.ts';
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

describe('logBackend', () => {
  it('reads records from files, and finds no trace there: files are no store to follow', async () => {
    const file = join(dir, 'app.jsonl');
    await writeFile(file, [rec(200, 'in window')].join('\n') + '\n');
    const b = logBackend(fileLogSource([file]));
    expect(await b.fetch({ key: 'main', backend: 'logs', op: 'records', start: 150, end: 250 })).toMatchObject({
      kind: 'logs',
      total: 1,
    });
    expect(
      await b.fetch({ key: 'main', backend: 'logs', op: 'traces', ids: ['a'.repeat(32)], start: 0, end: 1 }),
    ).toEqual({ kind: 'log-traces', store: 'files', from: [], found: [] });
  });

  it("looks trace IDs up in a store, and makes the store's failure an error observation", async () => {
    const id = 'b'.repeat(32);
    let fail = false;
    const store: LogStore = {
      store: 'elasticsearch',
      records: () => Promise.resolve(new HarnessError('SOURCE_UNREACHABLE', 'es down')),
      findTraces: (ids) =>
        Promise.resolve(fail ? new HarnessError('SOURCE_UNREACHABLE', 'es down') : { found: ids, from: ['es/logs-*'] }),
    };
    const b = logBackend(store);
    const req: LogRequest = { key: 'main', backend: 'logs', op: 'traces', ids: [id], start: 0, end: 1 };
    expect(await b.fetch(req)).toEqual({
      kind: 'log-traces',
      store: 'elasticsearch',
      found: [id],
      from: ['es/logs-*'],
    });
    fail = true;
    expect(await b.fetch(req)).toEqual({
      kind: 'error',
      backend: 'logs',
      code: 'SOURCE_UNREACHABLE',
      message: 'es down',
    });
  });
});

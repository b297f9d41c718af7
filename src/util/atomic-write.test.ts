import { existsSync, readFileSync, symlinkSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HarnessError } from './errors.ts';
import { tempDirPerTest } from './testing/temp-dir.ts';
import { writeFileAtomic, writeJsonAtomic } from './atomic-write.ts';

let dir = '';
tempDirPerTest('atomic-write-', (d) => (dir = d));

describe('writeFileAtomic', () => {
  it('replaces the file whole and leaves no temporary file', async () => {
    const path = join(dir, 'ledger.json');
    writeFileSync(path, 'old');
    await writeJsonAtomic(path, { a: 1 });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ a: 1 });
    expect(readdirSync(dir)).toEqual(['ledger.json']);
  });

  it('on a full disk keeps the last good file, removes the half-written one and names the file and the space', async () => {
    const path = join(dir, 'ledger.json');
    writeFileSync(path, '{"checkpoint":true}\n');
    // Writes through this name land on /dev/full, which answers every write with ENOSPC.
    symlinkSync('/dev/full', join(dir, '.ledger.json.tmp'));
    const err = await writeJsonAtomic(path, { final: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HarnessError);
    const h = err as HarnessError;
    expect(h.code).toBe('WRITE_NO_SPACE');
    expect(h.message).toContain(path);
    expect(h.message).toMatch(/\d+(\.\d)? (B|KiB) needed, .* free/);
    expect(readFileSync(path, 'utf8')).toBe('{"checkpoint":true}\n');
    expect(existsSync(join(dir, '.ledger.json.tmp'))).toBe(false);
    expect(readdirSync(dir)).toEqual(['ledger.json']);
  });

  it('names the directory when it cannot be written', async () => {
    const sub = join(dir, 'ro');
    writeFileSync(sub, 'a file, not a directory');
    const err = await writeFileAtomic(join(sub, 'x.json'), '{}').catch((e: unknown) => e);
    expect((err as HarnessError).code).toBe('WRITE_FAILED');
    expect((err as HarnessError).message).toContain(join(sub, 'x.json'));
    expect((err as HarnessError).hint).toMatch(/not a directory/);
  });
});

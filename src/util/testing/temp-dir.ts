import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';

/** Gives each test of the file a fresh temporary directory (through `set`) and removes it after. */
export function tempDirPerTest(prefix: string, set: (dir: string) => void): void {
  let current: string | undefined;
  beforeEach(async () => {
    current = await mkdtemp(join(tmpdir(), prefix));
    set(current);
  });
  afterEach(async () => {
    if (current) await rm(current, { recursive: true, force: true });
  });
}

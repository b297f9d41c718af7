import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../stack/config.ts';
import { readPidFiles } from '../stack/state.ts';
import { processStartTime } from '../util/proc.ts';
import { waitFor } from '../util/wait.ts';

describe('Ctrl-C during `stack up`', () => {
  it('stops every process already started and exits 130', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slo-int-'));
    const child = spawn(
      process.execPath,
      [join(PROJECT_ROOT, 'bin', 'slo-harness.mjs'), 'stack', '--state-dir', dir, 'up'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));

    // Interrupt as soon as some components have been spawned, before all are ready.
    const spawned = await waitFor(
      async () => {
        const pids = await readPidFiles(dir);
        return { done: pids.length >= 2, value: pids, reason: `${pids.length} pid files` };
      },
      { timeoutMs: 60_000, intervalMs: 10 },
    );
    expect(spawned.ok).toBe(true);
    const started = spawned.value!;
    child.kill('SIGINT');
    const code = await exited;

    expect(stderr).toContain('stack start-up interrupted');
    expect(code).toBe(130);
    for (const p of started)
      expect(processStartTime(p.pid), `${p.name} (pid ${p.pid}) left running`).not.toBe(p.startTime);
    expect(await readPidFiles(dir)).toEqual([]);
    await expect(readFile(join(dir, 'state.json'))).rejects.toThrow(/ENOENT/);
  });
});

import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../stack/config.ts';
import { readPidFiles } from '../stack/state.ts';
import { processStartTime } from '../util/proc.ts';
import { waitFor } from '../util/wait.ts';

describe('Ctrl-C during `rules live`', () => {
  it('removes the fault, stops the stack it started and exits 130', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slo-alerts-int-'));
    try {
      const child = spawn(
        process.execPath,
        [
          join(PROJECT_ROOT, 'bin', 'slo-harness.mjs'),
          'rules',
          'live',
          '--state-dir',
          dir,
          '--alert',
          'APIAvailabilitySLOBreach',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SLO_HARNESS_PORTS: 'ephemeral' } },
      );
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      let pids: Awaited<ReturnType<typeof readPidFiles>> = [];
      const injected = await waitFor(
        async () => {
          if (pids.length === 0) pids = await readPidFiles(dir);
          return { done: stderr.includes('fault injected'), reason: stderr.split('\n').slice(-2).join(' ') };
        },
        { timeoutMs: 120_000, intervalMs: 100 },
      );
      expect(injected.ok, injected.reason).toBe(true);
      expect(pids.length).toBeGreaterThan(0);
      child.kill('SIGINT');
      const code = await exited;
      expect(code, stderr).toBe(130);
      // Interrupted while waiting for firing (or just after): the fault is removed either way.
      expect(stderr).toMatch(/APIAvailabilitySLOBreach: (not firing|firing after [\d.]+ s); fault removed/);
      expect(stderr).toContain('live alert check interrupted');
      for (const p of pids)
        expect(processStartTime(p.pid), `${p.name} (pid ${p.pid}) left running`).not.toBe(p.startTime);
      await expect(readFile(join(dir, 'state.json'))).rejects.toThrow(/ENOENT/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

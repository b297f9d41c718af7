import { describe, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../util/proc.ts';
import { PROJECT_ROOT } from '../stack/config.ts';

const BIN = join(PROJECT_ROOT, 'bin', 'slo-harness.mjs');
const cli = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
  runCommand(process.execPath, [BIN, ...args], { env });

describe('the slo-harness CLI', () => {
  it('runs the test suite on Node 24 LTS', () => {
    expect(process.versions.node.split('.')[0]).toBe('24');
  });

  it('explains itself in --help, with the exit-code contract', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: slo-harness/);
    expect(r.stdout).toMatch(/setup/);
    expect(r.stdout).toMatch(/stack/);
    expect(r.stdout).toMatch(/Exit codes:[\s\S]*130\s+interrupted/);
  });

  it('re-runs itself under the pinned Node 24 when started by an older Node', async () => {
    // The machines this runs on have Node 20 in /usr/bin; elsewhere the test still runs the shim.
    const node = existsSync('/usr/bin/node') ? '/usr/bin/node' : process.execPath;
    const r = await runCommand(node, [BIN, 'stack', '--help']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: slo-harness stack/);
  });

  it('answers an unknown command with a usage error (exit 2)', async () => {
    const r = await cli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'frobnicate'/);
  });

  it('stack status on an empty state dir says nothing runs, how to start it, and exits 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slo-cli-'));
    const r = await cli(['stack', '--state-dir', dir, 'status']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('no stack running');
    expect(r.stdout).toContain('slo-harness stack up');
  });

  it('a bad --port flag is a usage error naming the valid names', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slo-cli-'));
    const r = await cli(['stack', '--state-dir', dir, 'up', '--port', 'promethus=1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown port name[\s\S]*hint: use one of: prometheus/);
  });
});

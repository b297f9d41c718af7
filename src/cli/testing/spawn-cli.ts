import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * The CLI in its own process group, like a shell job (a group-wide SIGINT is exactly what a
 * terminal's Ctrl-C sends), with its combined output collected. `via: 'npx'` starts it the
 * way the README does (`npx slo-harness …`); the default runs the bin shim with this Node.
 */
export function spawnCli(args: string[], opts: { via?: 'node' | 'npx' } = {}) {
  const [cmd, argv] =
    opts.via === 'npx'
      ? ['npx', ['slo-harness', ...args]]
      : [process.execPath, [join(ROOT, 'bin', 'slo-harness.mjs'), ...args]];
  const child = spawn(cmd, argv, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: { ...process.env, SLO_HARNESS_PORTS: 'ephemeral' },
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exited, pid: child.pid as number, output: () => out };
}

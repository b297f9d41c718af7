#!/usr/bin/env node
// Entry point. The project runs on Node 24 LTS: when started by an older Node (the machine's
// own), re-run under the pinned node@24 devDependency so `npx slo-harness` works anywhere.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { watchParent } from './parent-watch.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  const pinned = join(root, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(pinned)) {
    console.error(
      `slo-harness needs Node.js >= 22 (Node 24 LTS recommended); this is ${process.versions.node}.\n` +
        'hint: run `npm ci` in the project to install the pinned node@24, or put Node 24 on PATH.',
    );
    process.exit(2);
  }
  const child = spawn(pinned, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    // The shim watches the launcher chain; the harness then watches only the shim.
    env: { ...process.env, SLO_HARNESS_SHIM: '1' },
  });
  // Ctrl-C reaches the child through the process group; SIGTERM is forwarded. Either way the
  // child does its own cleanup and we exit with its code.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  // A hangup reaches the whole foreground group (the child too), like Ctrl-C: forwarding it
  // as well would count as a second signal and kill k6 without its graceful stop.
  process.on('SIGHUP', () => {});
  // Whoever started us died (npx killed by a CI cancel, say): stop the harness as on SIGTERM.
  watchParent(() => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
} else {
  // Orphaned (the shim or whatever started us was killed outright): stop as on SIGTERM, so the
  // handlers of the command that runs clean up exactly as they do for a signal.
  watchParent(() => process.kill(process.pid, 'SIGTERM'), { parentOnly: process.env.SLO_HARNESS_SHIM === '1' });
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../src/cli/main.ts');
  process.exitCode = await main(process.argv.slice(2));
}

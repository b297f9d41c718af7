import type { Command } from 'commander';
import { ALL_TOOLS, ensureTools } from '../tools/provision.ts';
import { MANIFEST } from '../tools/manifest.ts';

export function registerSetup(program: Command): void {
  program
    .command('setup')
    .description(
      'Install the pinned tools: k6 and Jaeger (built once with Go into ~/.cache/slo-harness/tools),\n' +
        'Prometheus, Alertmanager and node exporter (Debian packages, installed when missing and root).',
    )
    .action(async () => {
      const paths = await ensureTools(ALL_TOOLS, { log: (l) => console.error(l) });
      for (const name of ALL_TOOLS) {
        const spec = MANIFEST[name];
        const bins = spec.kind === 'go' ? [spec.binary] : spec.binaries;
        for (const b of bins)
          console.log(`${b.padEnd(26)} ${paths[b]}${spec.kind === 'go' ? `  (${spec.version})` : ''}`);
      }
    });
}

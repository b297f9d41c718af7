import type { Command } from 'commander';
import { DEFAULT_CHECKS_DIR } from '../verify/engine.ts';
import { KINDS } from '../verify/kinds/index.ts';
import { loadChecks } from '../verify/load.ts';
import { REQUIREMENT_IDS } from '../model/requirements.ts';
import { loadTarget } from '../config/telemetry-names.ts';

/** `slo-harness checks list`: the catalogue, and which requirement IDs it covers. */
export function registerChecks(program: Command): void {
  const checks = program.command('checks').description('Inspect the check catalogue (checks/*.yaml).');
  checks
    .command('list')
    .description('List every check and the coverage per requirement ID (validates the catalogue strictly).')
    .option('--checks <dir>', 'check catalogue directory', DEFAULT_CHECKS_DIR)
    .option(
      '--telemetry-map <file>',
      'telemetry names mapping (YAML: job, metrics, executionStatus, uninstrumentedRoutes)',
    )
    .option('--json', 'machine-readable output')
    .action(async (o: { checks: string; telemetryMap?: string; json?: boolean }) => {
      const target = await loadTarget(o.telemetryMap);
      if (target instanceof Error) throw target;
      const cat = await loadChecks(o.checks, target);
      if (cat instanceof Error) throw cat;
      const coverage = REQUIREMENT_IDS.map((id) => ({
        id,
        checks: cat.checks.filter((c) => c.requirements.includes(id)).map((c) => c.id),
      }));
      if (o.json) {
        console.log(JSON.stringify({ checks: cat.checks, coverage }, null, 2));
        return;
      }
      for (const c of cat.checks) {
        console.log(
          `${c.id.padEnd(36)} ${c.severity.padEnd(7)} ${c.source.padEnd(20)} ${c.requirements.join(',').padEnd(22)} ${c.title}`,
        );
      }
      console.log(`\n${cat.checks.length} checks in ${cat.files.length} files\n\nCoverage:`);
      // What each check's kind rests on: the system seen doing it, or configured as written.
      const evidenceOf = (id: string) => {
        const c = cat.checks.find((x) => x.id === id);
        return (c && KINDS[c.source].evidence) ?? 'behaviour';
      };
      for (const r of coverage) {
        const of = (e: string) => r.checks.filter((id) => evidenceOf(id) === e).join(', ');
        const parts = [
          of('behaviour') && `behaviour: ${of('behaviour')}`,
          of('conformance') && `conformance: ${of('conformance')}`,
        ];
        console.log(`  ${r.id.padEnd(10)} ${r.checks.length ? parts.filter(Boolean).join('; ') : '— not covered yet'}`);
      }
      const n = coverage.filter((r) => r.checks.length).length;
      console.log(`\n${n}/${coverage.length} requirement IDs covered`);
    });
}

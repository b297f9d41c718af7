import { Option, type Command } from 'commander';
import { ALL_TOOLS, ensureTools, OPTIONAL_TOOLS } from '../tools/provision.ts';
import { MANIFEST, mavenSpec, type ToolName } from '../tools/manifest.ts';
import { findJava } from '../tools/java.ts';

export function registerSetup(program: Command): void {
  program
    .command('setup')
    .description(
      'Install the pinned tools: k6 and Jaeger (built once with Go into ~/.cache/slo-harness/tools),\n' +
        'Prometheus, Alertmanager and node exporter (Debian packages, installed when missing and root).',
    )
    .addOption(new Option('--with <tool...>', 'also provision optional tools (see below)').choices(OPTIONAL_TOOLS))
    .addHelpText('after', optionalToolsHelp())
    .action(async (opts: { with?: ToolName[] }) => {
      const names = [...ALL_TOOLS, ...(opts.with ?? []).filter((n) => !ALL_TOOLS.includes(n))];
      const paths = await ensureTools(names, { log: (l) => console.error(l) });
      for (const name of names) {
        const spec = MANIFEST[name];
        const bins = spec.kind === 'go' ? [spec.binary] : spec.kind === 'apt' ? spec.binaries : [name];
        for (const b of bins)
          console.log(`${b.padEnd(26)} ${paths[b]}${spec.kind !== 'apt' ? `  (${spec.version})` : ''}`);
        if (spec.kind === 'maven' && spec.java) {
          // Checked now rather than at the first start: a Java it cannot run on is an error here too.
          const java = await findJava(spec.java, { forWhat: `${name} ${spec.version}` });
          console.log(`${`${name} java`.padEnd(26)} ${java.path}  (${java.version})`);
        }
      }
    });
}

function optionalToolsHelp(): string {
  const es = mavenSpec('elasticsearch');
  const java = es.java ? `${es.java.min}–${es.java.max}` : 'any';
  return `
Optional tools (the embedded default does not need them):
  elasticsearch   a real Elasticsearch ${es.version} (a log store for tests), assembled once
                  from Maven Central into ~/.cache/slo-harness/tools/elasticsearch-${es.version}
                  (~40 MB). Needs mvn and a JDK ${java}; runs on the first Java ${java} of
                  $JAVA_HOME, PATH and /usr/lib/jvm, or on SLO_HARNESS_JAVA=/path/to/bin/java.

Example:
  slo-harness setup --with elasticsearch`;
}

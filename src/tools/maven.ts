import { createHash } from 'node:crypto';
import { appendFileSync, existsSync } from 'node:fs';
import { appendFile, chmod, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { HarnessError } from '../util/errors.ts';
import { acquireLock } from '../util/lock.ts';
import { isAlive, runCommand, which } from '../util/proc.ts';
import type { MavenTool, ToolName } from './manifest.ts';
import type { ProvisionOptions, ToolPaths } from './cache.ts';

/**
 * Written last into a Maven tool's directory, before the directory is renamed into place: a
 * directory without it (or with another spec's digest) is never used.
 */
export const COMPLETE_MARKER = '.slo-harness-complete.json';

const MVN_TIMEOUT_MS = 20 * 60_000;

/** Identifies the exact manifest entry a directory was built from. */
export function specDigest(spec: MavenTool): string {
  return createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 16);
}

export async function isMavenToolComplete(dir: string, name: ToolName, spec: MavenTool): Promise<boolean> {
  try {
    const marker = JSON.parse(await readFile(join(dir, COMPLETE_MARKER), 'utf8')) as Record<string, unknown>;
    return marker.name === name && marker.version === spec.version && marker.digest === specDigest(spec);
  } catch {
    return false;
  }
}

/**
 * Ensures the Maven tool is assembled in `dir` (built once, under a lock, in a temp directory
 * next to it that is renamed into place when complete); returns `{ [name]: dir }`.
 */
export async function ensureMavenTool(
  name: ToolName,
  spec: MavenTool,
  dir: string,
  opts: ProvisionOptions,
): Promise<ToolPaths> {
  await sweepAside(dir, false);
  if (await isMavenToolComplete(dir, name, spec)) return { [name]: dir };
  const log = opts.log ?? (() => {});
  await mkdir(dirname(dir), { recursive: true });
  const release = await acquireLock(`${dir}.lock`, {
    onWait: (pid) => log(`waiting for another process (pid ${pid}) that is provisioning ${name} ${spec.version}…`),
  });
  try {
    // Another process may have finished meanwhile.
    if (await isMavenToolComplete(dir, name, spec)) return { [name]: dir };
    await buildMavenTool(name, spec, dir, opts.env ?? process.env, log);
    return { [name]: dir };
  } finally {
    await release();
  }
}

/**
 * Removes `<dir>.old-<pid>` directories (a replaced tool, moved aside) that were left by a
 * provisioning that was killed before it removed them: those whose pid is not alive. `own`:
 * also this process's (only under the lock, where no provisioning of ours is under way).
 */
async function sweepAside(dir: string, own: boolean): Promise<void> {
  const prefix = `${basename(dir)}.old-`;
  for (const d of await readdir(dirname(dir)).catch(() => [] as string[])) {
    if (!d.startsWith(prefix)) continue;
    const pid = Number(d.slice(prefix.length));
    if (!Number.isInteger(pid) || pid <= 0) continue;
    if (pid === process.pid ? own : !isAlive(pid)) {
      await rm(join(dirname(dir), d), { recursive: true, force: true }).catch(() => {});
    }
  }
}

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A throw-away POM whose only dependency is the artifact (with its exclusions). */
export function throwawayPom(artifact: string, exclusions: string[] = []): string {
  const [groupId, artifactId, version] = artifact.split(':');
  const excl = exclusions.map((e) => {
    const [g, a] = e.split(':');
    return `<exclusion><groupId>${xml(g!)}</groupId><artifactId>${xml(a ?? '*')}</artifactId></exclusion>`;
  });
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.slo-harness</groupId><artifactId>toolbuild</artifactId><version>1</version><packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>${xml(groupId!)}</groupId><artifactId>${xml(artifactId!)}</artifactId><version>${xml(version!)}</version>
      <exclusions>${excl.join('')}</exclusions></dependency>
  </dependencies>
</project>
`;
}

async function buildMavenTool(
  name: ToolName,
  spec: MavenTool,
  dir: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<void> {
  const logPath = `${dir}.build.log`;
  const mvn = which('mvn', env.PATH ?? '');
  if (!mvn) {
    throw new HarnessError(
      'TOOL_MAVEN_MISSING',
      `cannot provision ${name} ${spec.version}: Maven (mvn) is not installed`,
      {
        hint: 'install Maven and a JDK: `apt-get install -y maven openjdk-17-jdk-headless`, then retry `slo-harness setup --with elasticsearch`',
      },
    );
  }
  // Leftovers of a build that was killed: we hold the lock, so nobody else is writing them.
  const prefix = `.${basename(dir)}.partial-`;
  for (const d of await readdir(dirname(dir))) {
    if (d.startsWith(prefix)) await rm(join(dirname(dir), d), { recursive: true, force: true });
  }
  await sweepAside(dir, true);
  const work = await mkdtemp(join(dirname(dir), prefix));
  const poms = await mkdtemp(join(tmpdir(), `slo-harness-mvn-${name}-`));
  await writeFile(logPath, `# provisioning ${name} ${spec.version} from Maven (${mvn})\n`);
  const start = Date.now();
  let lastReport = 0;
  log(`provisioning ${name} ${spec.version} from Maven Central (one time, ~40 MB; full log: ${logPath})`);
  try {
    for (const [i, part] of spec.parts.entries()) {
      const pom = join(poms, `part-${i}`, 'pom.xml');
      await mkdir(dirname(pom), { recursive: true });
      await writeFile(pom, throwawayPom(part.artifact, part.exclusions));
      const out = join(work, part.into);
      await mkdir(out, { recursive: true });
      // -B: never prompts; -ntp: no progress bars in the log; -C: a checksum mismatch fails.
      const args = [
        '-B',
        '-ntp',
        '-C',
        '-Dstyle.color=never',
        '-f',
        pom,
        `${spec.dependencyPlugin}:copy-dependencies`,
        `-DoutputDirectory=${out}`,
        '-DincludeScope=runtime',
      ];
      const cmdline = `mvn ${args.join(' ')}`;
      await appendFile(logPath, `\n$ ${cmdline}\n`);
      const r = await runCommand(mvn, args, {
        cwd: dirname(pom),
        env,
        timeoutMs: MVN_TIMEOUT_MS,
        onLine: (line) => {
          appendFileSync(logPath, line + '\n'); // sync: lines stay in order
          const now = Date.now();
          if (now - lastReport > 5000) {
            lastReport = now;
            log(`  ${name}: ${part.into} (${part.artifact})… ${Math.round((now - start) / 1000)}s`);
          }
        },
      }).catch(
        (err: unknown) =>
          ({ code: null, signal: null, stdout: '', stderr: `cannot run ${mvn}: ${String(err)}` }) as const,
      );
      const [, artifactId, version] = part.artifact.split(':');
      const mainJar = `${artifactId}-${version}.jar`;
      const produced = r.code === 0 && existsSync(join(out, mainJar));
      if (!produced) {
        const why =
          r.code === 0 ? `it did not produce ${mainJar}` : r.signal ? `killed by ${r.signal}` : `exit ${r.code}`;
        throw new HarnessError(
          'TOOL_BUILD_FAILED',
          `provisioning ${name} ${spec.version} failed at \`${cmdline}\` (${why})`,
          {
            where: logPath,
            details: (r.stdout + r.stderr).trim().split('\n').slice(-8).join('\n'),
            hint:
              `read the full log at ${logPath}; check that Maven Central is reachable (or a mirror in ` +
              '~/.m2/settings.xml) and that mvn runs on a JDK (`mvn -v`)',
          },
        );
      }
    }
    for (const d of spec.dirs ?? []) await mkdir(join(work, d), { recursive: true });
    for (const [path, lines] of Object.entries(spec.files ?? {})) {
      await mkdir(dirname(join(work, path)), { recursive: true });
      await writeFile(join(work, path), lines.join('\n') + '\n');
    }
    const marker = { name, version: spec.version, digest: specDigest(spec), builtAt: new Date().toISOString() };
    await writeFile(join(work, COMPLETE_MARKER), JSON.stringify(marker, null, 2) + '\n');
    await chmod(work, 0o755); // mkdtemp made it private; the tool is read by other users too
    if (existsSync(dir)) {
      // An incomplete directory or one of another spec: moved aside, replaced, then removed.
      const aside = `${dir}.old-${process.pid}`;
      await rename(dir, aside);
      await rename(work, dir);
      await rm(aside, { recursive: true, force: true });
    } else {
      await rename(work, dir);
    }
    log(`provisioned ${name} ${spec.version} in ${Math.round((Date.now() - start) / 1000)}s → ${dir}`);
  } catch (err) {
    await rm(work, { recursive: true, force: true });
    throw err;
  } finally {
    await rm(poms, { recursive: true, force: true });
  }
}

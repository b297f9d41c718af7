import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMPLETE_MARKER, ensureMavenTool, throwawayPom } from './maven.ts';
import { mavenSpec, type MavenTool } from './manifest.ts';
import { ALL_TOOLS, OPTIONAL_TOOLS } from './provision.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slo-maven-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const SPEC: MavenTool = {
  kind: 'maven',
  version: '1.2.3',
  dependencyPlugin: 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1',
  parts: [
    { into: 'lib', artifact: 'org.example:thing:1.2.3' },
    { into: 'modules/extra', artifact: 'org.example.plugin:extra:1.2.3', exclusions: ['org.example:*'] },
  ],
  dirs: ['plugins'],
  files: { 'modules/extra/descriptor.properties': ['name=extra', 'version=1.2.3'] },
};

/**
 * A stand-in `mvn` on PATH: records each call, then either fails like Maven does or copies
 * "the artifact" (an empty jar named after the throw-away POM's dependency) into -DoutputDirectory.
 */
async function fakeMvn(
  behaviour: 'fail' | 'copy',
): Promise<{ env: NodeJS.ProcessEnv; calls: () => Promise<string[]> }> {
  const bin = join(dir, 'bin');
  await mkdir(bin, { recursive: true });
  const callLog = join(dir, 'mvn-calls');
  const body =
    behaviour === 'fail'
      ? `echo '[ERROR] Failed to execute goal on project toolbuild: Could not resolve dependencies' ; exit 1`
      : `for a in "$@"; do case "$a" in -DoutputDirectory=*) out="\${a#-DoutputDirectory=}";; esac; done
pom=$(sed -n 's:.*<dependency><groupId>[^<]*</groupId><artifactId>\\([^<]*\\)</artifactId><version>\\([^<]*\\)<.*:\\1-\\2.jar:p' pom.xml)
: > "$out/$pom"; : > "$out/dep-0.1.jar"`;
  await writeFile(join(bin, 'mvn'), `#!/bin/sh\necho "$*" >> ${JSON.stringify(callLog)}\n${body}\n`);
  await chmod(join(bin, 'mvn'), 0o755);
  return {
    env: { ...process.env, PATH: `${bin}:/usr/bin:/bin` },
    calls: async () => (await readFile(callLog, 'utf8').catch(() => '')).split('\n').filter(Boolean),
  };
}

describe('Maven tools', () => {
  it('pins Elasticsearch 7.17.29 from Maven Central, optional: not among the tools setup needs', () => {
    const es = mavenSpec('elasticsearch');
    expect(es).toMatchObject({ kind: 'maven', version: '7.17.29', optional: true, java: { min: 11, max: 21 } });
    expect(es.parts.map((p) => p.artifact)).toEqual([
      'org.elasticsearch:elasticsearch:7.17.29',
      'org.elasticsearch.plugin:transport-netty4-client:7.17.29',
    ]);
    expect(ALL_TOOLS).not.toContain('elasticsearch');
    expect(OPTIONAL_TOOLS).toEqual(['elasticsearch']);
  });

  it('writes a throw-away POM with the artifact and its exclusions', () => {
    const pom = throwawayPom('org.example.plugin:extra:1.2.3', ['org.example:*']);
    expect(pom).toContain(
      '<dependency><groupId>org.example.plugin</groupId><artifactId>extra</artifactId><version>1.2.3</version>',
    );
    expect(pom).toContain('<exclusion><groupId>org.example</groupId><artifactId>*</artifactId></exclusion>');
  });

  it('without mvn: an error naming the tool and what to install; nothing is left behind', async () => {
    const target = join(dir, 'tools', 'thing-1.2.3');
    const err = await ensureMavenTool('elasticsearch', SPEC, target, { env: { PATH: join(dir, 'nothing') } }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({
      name: 'HarnessError',
      code: 'TOOL_MAVEN_MISSING',
      message: 'cannot provision elasticsearch 1.2.3: Maven (mvn) is not installed',
      hint: expect.stringContaining('apt-get install -y maven openjdk-17-jdk-headless'),
    });
    expect(existsSync(target)).toBe(false);
  });

  it('a failed mvn names the tool, the command and the log; no half-built directory is left', async () => {
    const { env } = await fakeMvn('fail');
    const target = join(dir, 'tools', 'thing-1.2.3');
    const lines: string[] = [];
    const err = await ensureMavenTool('elasticsearch', SPEC, target, { env, log: (l) => lines.push(l) }).catch(
      (e: unknown) => e,
    );
    const logPath = `${target}.build.log`;
    expect(err).toMatchObject({
      code: 'TOOL_BUILD_FAILED',
      message: expect.stringMatching(
        /^provisioning elasticsearch 1\.2\.3 failed at `mvn -B -ntp -C .* org\.apache\.maven\.plugins:maven-dependency-plugin:3\.8\.1:copy-dependencies .*` \(exit 1\)$/,
      ),
      where: logPath,
      details: expect.stringContaining('Could not resolve dependencies'),
      hint: expect.stringContaining(logPath),
    });
    const log = await readFile(logPath, 'utf8');
    expect(log).toContain('$ mvn -B -ntp -C');
    expect(log).toContain('[ERROR] Failed to execute goal');
    expect(lines[0]).toMatch(/^provisioning elasticsearch 1\.2\.3 from Maven Central/);
    expect(await readdir(join(dir, 'tools'))).toEqual(['thing-1.2.3.build.log']);
  });

  it('assembles the home once, atomically, with its marker; a directory without the marker is rebuilt', async () => {
    const { env, calls } = await fakeMvn('copy');
    const target = join(dir, 'tools', 'thing-1.2.3');
    // What a crash mid-way through an older, non-atomic build could leave: never used.
    await mkdir(join(target, 'lib'), { recursive: true });
    await writeFile(join(target, 'lib', 'half-written.jar'), '');

    expect(await ensureMavenTool('elasticsearch', SPEC, target, { env })).toEqual({ elasticsearch: target });
    expect((await readdir(join(target, 'lib'))).sort()).toEqual(['dep-0.1.jar', 'thing-1.2.3.jar']);
    expect((await readdir(join(target, 'modules', 'extra'))).sort()).toEqual([
      'dep-0.1.jar',
      'descriptor.properties',
      'extra-1.2.3.jar',
    ]);
    expect(await readFile(join(target, 'modules', 'extra', 'descriptor.properties'), 'utf8')).toBe(
      'name=extra\nversion=1.2.3\n',
    );
    expect(existsSync(join(target, 'plugins'))).toBe(true);
    expect(JSON.parse(await readFile(join(target, COMPLETE_MARKER), 'utf8'))).toMatchObject({
      name: 'elasticsearch',
      version: '1.2.3',
    });
    const made = await calls();
    expect(made).toHaveLength(2);
    expect(made[0]).toMatch(/^-B -ntp -C .*-DincludeScope=runtime$/);
    // Only the tool and its build log: no partial or old copies, the lock released.
    expect((await readdir(join(dir, 'tools'))).sort()).toEqual(['thing-1.2.3', 'thing-1.2.3.build.log']);

    // Warm: the marker matches, Maven is not run again.
    expect(await ensureMavenTool('elasticsearch', SPEC, target, { env })).toEqual({ elasticsearch: target });
    expect(await calls()).toHaveLength(2);

    // Another spec under the same directory (e.g. a changed manifest entry) is rebuilt.
    const changed = { ...SPEC, dirs: ['plugins', 'bin'] };
    await ensureMavenTool('elasticsearch', changed, target, { env });
    expect(await calls()).toHaveLength(4);
    expect(existsSync(join(target, 'bin'))).toBe(true);
  });

  it('removes replaced copies left aside (`.old-<pid>`) by a provisioning whose process is gone', async () => {
    const { env } = await fakeMvn('copy');
    const target = join(dir, 'tools', 'thing-1.2.3');
    const dead = spawnSync(process.execPath, ['-e', '']).pid!; // exited and reaped
    const aside = async (pid: number | string) => {
      await mkdir(join(`${target}.old-${pid}`, 'lib'), { recursive: true });
      await writeFile(join(`${target}.old-${pid}`, 'lib', 'old.jar'), '');
    };
    const listing = async () => (await readdir(join(dir, 'tools'))).sort();
    // Killed between moving the old copy aside and removing it; a live provisioning's; ours.
    await aside(dead);
    await aside(1);
    await aside(process.pid);
    await aside('x');
    await ensureMavenTool('elasticsearch', SPEC, target, { env });
    expect(await listing()).toEqual(['thing-1.2.3', 'thing-1.2.3.build.log', 'thing-1.2.3.old-1', 'thing-1.2.3.old-x']);

    // Also when the tool is already complete (nothing to build): the dead one goes, the rest stay.
    await aside(dead);
    await aside(process.pid); // outside the lock a provisioning of ours may be under way: kept
    await ensureMavenTool('elasticsearch', SPEC, target, { env });
    expect(await listing()).toEqual(
      [
        'thing-1.2.3',
        'thing-1.2.3.build.log',
        `thing-1.2.3.old-${process.pid}`,
        'thing-1.2.3.old-1',
        'thing-1.2.3.old-x',
      ].sort(),
    );

    // Rebuilding (another spec) under the lock: our own leftover no longer blocks moving aside.
    await ensureMavenTool('elasticsearch', { ...SPEC, dirs: ['plugins', 'bin'] }, target, { env });
    expect(await listing()).toEqual(['thing-1.2.3', 'thing-1.2.3.build.log', 'thing-1.2.3.old-1', 'thing-1.2.3.old-x']);
    expect(existsSync(join(target, 'bin'))).toBe(true);
  });
});

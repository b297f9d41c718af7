import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdir, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseJavaVersion } from './java.ts';
import { tempDirPerTest } from '../util/testing/temp-dir.ts';
import { fakeJava as fakeJavaPrinting } from './testing/fake-java.ts';

/** .ci/run, sourced: it then only defines its functions (main is not run). */
const CI_RUN = fileURLToPath(new URL('../../.ci/run', import.meta.url));

let dir: string;
tempDirPerTest('slo-ci-run-', (d) => (dir = d));

/** A stand-in java that prints `version` the way `java -version` does, after a JVM notice. */
const fakeJava = (at: string, version: string) => fakeJavaPrinting(at, 'Picked up JAVA_TOOL_OPTIONS: -Xmx1g', version);

/**
 * Runs `snippet` after sourcing .ci/run with only the fake javas and the tools it needs
 * (sed, head) on PATH: the machine's own Java must not count.
 */
async function ciRun(
  snippet: string,
  env: Record<string, string> = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const tools = join(dir, 'tools');
  await mkdir(tools, { recursive: true });
  for (const t of ['sed', 'head']) await symlink(`/usr/bin/${t}`, join(tools, t)).catch(() => {});
  // --norc: bash may read ~/.bashrc when it thinks it runs under ssh.
  const r = spawnSync('/bin/bash', ['--norc', '--noprofile', '-c', `source ${JSON.stringify(CI_RUN)}; ${snippet}`], {
    env: { PATH: `${join(dir, 'bin')}:${tools}`, JVM_ROOT: join(dir, 'jvm'), ...env },
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
}

describe('.ci/run: a usable Java 11–21, found where the harness looks', () => {
  it('reads the feature release like parseJavaVersion', async () => {
    for (const [line, major] of [
      ['openjdk version "17.0.15" 2025-04-15', '17'],
      ['openjdk version "25" 2025-09-16', '25'],
      ['openjdk version "21-ea" 2023-09-19', '21'],
      ['java version "1.8.0_392"', '8'],
    ] as const) {
      const java = await fakeJava(join(dir, `j-${major}`), line);
      expect(await ciRun(`java_major ${java}`)).toMatchObject({ status: 0, stdout: major });
      expect(parseJavaVersion(line)?.major).toBe(Number(major));
    }
    expect(await ciRun(`java_major ${join(dir, 'missing')}`)).toMatchObject({ status: 0, stdout: '' });
  });

  it('sourcing it runs nothing', async () => {
    expect(await ciRun('echo sourced')).toEqual({ status: 0, stdout: 'sourced', stderr: '' });
  });

  it('a Java 24+ on PATH alone is not usable: a JDK gets installed', async () => {
    await fakeJava(join(dir, 'bin'), 'openjdk version "25" 2025-09-16');
    expect((await ciRun('usable_java')).status).toBe(1);
    await fakeJava(join(dir, 'jvm', 'java-8', 'bin'), 'java version "1.8.0_392"');
    expect((await ciRun('usable_java')).status).toBe(1);
  });

  it('a JDK 11–21 under /usr/lib/jvm, in JAVA_HOME or on PATH is usable', async () => {
    await fakeJava(join(dir, 'bin'), 'openjdk version "25" 2025-09-16');
    await fakeJava(join(dir, 'jvm', 'java-17-openjdk-amd64', 'bin'), 'openjdk version "17.0.15" 2025-04-15');
    expect((await ciRun('usable_java')).status).toBe(0);
    await rm(join(dir, 'jvm'), { recursive: true });
    await fakeJava(join(dir, 'jdk21', 'bin'), 'openjdk version "21.0.8" 2025-07-15');
    expect((await ciRun('usable_java', { JAVA_HOME: join(dir, 'jdk21') })).status).toBe(0);
    await fakeJava(join(dir, 'bin'), 'openjdk version "11.0.28" 2025-07-15');
    expect((await ciRun('usable_java')).status).toBe(0);
  });

  it('SLO_HARNESS_JAVA, when set, is the only one that counts (as for the harness)', async () => {
    await fakeJava(join(dir, 'bin'), 'openjdk version "17.0.15" 2025-04-15');
    const pinned = await fakeJava(join(dir, 'pinned'), 'openjdk version "25" 2025-09-16');
    expect((await ciRun('usable_java', { SLO_HARNESS_JAVA: pinned })).status).toBe(1);
    const good = await fakeJava(join(dir, 'good'), 'openjdk version "21.0.8" 2025-07-15');
    expect((await ciRun('usable_java', { SLO_HARNESS_JAVA: good })).status).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { findJava, parseJavaVersion } from './java.ts';
import { tempDirPerTest } from '../util/testing/temp-dir.ts';
import { fakeJava as fakeJavaPrinting } from './testing/fake-java.ts';

let dir: string;
tempDirPerTest('slo-java-', (d) => (dir = d));

/** A stand-in `java` that prints what `java -version` of that release prints. */
const fakeJava = (at: string, version: string) => fakeJavaPrinting(at, `openjdk version "${version}" 2025-09-16`);

const RANGE = { min: 11, max: 21 };

describe('java -version', () => {
  it.each([
    [
      'openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment (build 17.0.15+6-Debian-1deb12u1)',
      17,
      '17.0.15',
    ],
    ['java version "1.8.0_392"\nJava(TM) SE Runtime Environment', 8, '1.8.0_392'],
    ['openjdk version "21" 2023-09-19', 21, '21'],
    ['openjdk version "25" 2025-09-16 LTS', 25, '25'],
    ['openjdk version "11.0.2-ea" 2019-01-15', 11, '11.0.2-ea'],
    ['Picked up JAVA_TOOL_OPTIONS: -Xss1m\nopenjdk version "17.0.9" 2023-10-17', 17, '17.0.9'],
  ])('reads the feature release of %j', (out, major, version) => {
    expect(parseJavaVersion(out)).toEqual({ major, version });
  });

  it('reads nothing from output that has no version line', () => {
    expect(parseJavaVersion('bash: java: command not found')).toBeUndefined();
  });
});

describe('the Java gate', () => {
  it('on this machine picks a Java of 11–21 (never a Java 24+, which has no SecurityManager)', async () => {
    const java = await findJava(RANGE, { forWhat: 'Elasticsearch 7.17.29' });
    expect(java.major).toBeGreaterThanOrEqual(11);
    expect(java.major).toBeLessThanOrEqual(21);
  });

  it('SLO_HARNESS_JAVA of Java 25 is a clear error naming the variable, the version and why', async () => {
    const java25 = await fakeJava(join(dir, 'jdk-25', 'bin'), '25');
    const err = await findJava(RANGE, {
      env: { ...process.env, SLO_HARNESS_JAVA: java25 },
      forWhat: 'Elasticsearch 7.17.29',
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      name: 'HarnessError',
      code: 'JAVA_UNSUPPORTED',
      message: `SLO_HARNESS_JAVA=${java25} is Java 25; Elasticsearch 7.17.29 needs Java 11–21 (Java 24 and later have no SecurityManager, which it needs)`,
      hint: expect.stringContaining('SLO_HARNESS_JAVA=/path/to/jdk/bin/java'),
    });
  });

  it('SLO_HARNESS_JAVA that does not run is a clear error', async () => {
    const err = await findJava(RANGE, {
      env: { ...process.env, SLO_HARNESS_JAVA: join(dir, 'no-such-java') },
      forWhat: 'Elasticsearch 7.17.29',
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'JAVA_NOT_FOUND', message: expect.stringContaining('no-such-java') });
  });

  it('passes over a Java 25 on PATH and takes a JDK 17 under the JVM directory', async () => {
    await fakeJava(join(dir, 'path-bin'), '25');
    await fakeJava(join(dir, 'jvm', 'a-temurin-25', 'bin'), '25');
    const java17 = await fakeJava(join(dir, 'jvm', 'b-openjdk-17', 'bin'), '17.0.15');
    const java = await findJava(RANGE, {
      env: { PATH: join(dir, 'path-bin') },
      forWhat: 'Elasticsearch 7.17.29',
      jvmRoot: join(dir, 'jvm'),
    });
    expect(java).toEqual({ path: java17, major: 17, version: '17.0.15' });
  });

  it('with only unsupported Javas, lists each one it tried', async () => {
    const onPath = await fakeJava(join(dir, 'path-bin'), '25');
    const old = await fakeJava(join(dir, 'jvm', 'java-8', 'bin'), '1.8.0_392');
    const err = await findJava(RANGE, {
      env: { PATH: join(dir, 'path-bin') },
      forWhat: 'Elasticsearch 7.17.29',
      jvmRoot: join(dir, 'jvm'),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'JAVA_UNSUPPORTED',
      message: expect.stringMatching(/^Elasticsearch 7\.17\.29 needs Java 11–21; found only Java 25, Java 1\.8\.0_392/),
      details: `${onPath}: Java 25\n${old}: Java 1.8.0_392`,
    });
  });

  it('with no Java at all says so', async () => {
    const err = await findJava(RANGE, {
      env: { PATH: join(dir, 'empty') },
      forWhat: 'Elasticsearch 7.17.29',
      jvmRoot: join(dir, 'none'),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'JAVA_NOT_FOUND', hint: expect.stringContaining('openjdk-17') });
  });
});

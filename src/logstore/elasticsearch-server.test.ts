import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jvmArgs, startElasticsearch, traversableBy } from './elasticsearch-server.ts';
import { LOOPBACK } from '../util/ports.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slo-es-unit-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A directory shaped like an Elasticsearch home, but with no jars: the JVM cannot start it. */
async function emptyHome(): Promise<string> {
  const home = join(dir, 'home');
  for (const d of ['lib', 'modules', 'plugins', 'bin']) await mkdir(join(home, d), { recursive: true });
  return home;
}

describe('startElasticsearch failures', () => {
  it('a Java it cannot run on is a clear error before anything starts', async () => {
    const java = join(dir, 'java');
    await writeFile(java, `#!/bin/sh\necho 'openjdk version "25" 2025-09-16' >&2\n`);
    await chmod(java, 0o755);
    const err = await startElasticsearch({ dir: join(dir, 'es'), home: await emptyHome(), java }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({
      code: 'JAVA_UNSUPPORTED',
      message: expect.stringContaining('is Java 25; Elasticsearch 7.17.29 needs Java 11–21'),
      hint: expect.stringContaining('SLO_HARNESS_JAVA'),
    });
    expect((await readdir(dir)).sort()).toEqual(['home', 'java']); // no instance directory, no log: nothing ran
  });

  it('a JVM that exits at once: ES_START_FAILED with the log path and its telling lines', async () => {
    const es = join(dir, 'es');
    const err = await startElasticsearch({ dir: es, home: await emptyHome() }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      name: 'HarnessError',
      code: 'ES_START_FAILED',
      message: expect.stringMatching(
        /^Elasticsearch 7\.17\.29 exited with code 1 before it answered on http:\/\/127\.0\.0\.1:\d+$/,
      ),
      where: join(es, 'elasticsearch.log'),
      details: expect.stringContaining('Could not find or load main class org.elasticsearch.bootstrap.Elasticsearch'),
      hint: `read the full log at ${join(es, 'elasticsearch.log')}`,
    });
    // As root the instance had a directory of its own under the temp dir: removed again.
    expect(await readdir(es)).toEqual(['elasticsearch.log']);
  });

  it('a pinned port that is taken is an error, never silently replaced', async () => {
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(0, LOOPBACK, r));
    const port = (busy.address() as { port: number }).port;
    try {
      const err = await startElasticsearch({ dir: join(dir, 'es'), home: await emptyHome(), httpPort: port }).catch(
        (e: unknown) => e,
      );
      expect(err).toMatchObject({ code: 'ES_PORT_TAKEN', message: expect.stringContaining(`127.0.0.1:${port}`) });
    } finally {
      busy.close();
    }
  });

  it('a heap that is not a JVM size is refused', async () => {
    const err = await startElasticsearch({ dir, home: dir, heap: '512' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ES_BAD_OPTION' });
  });
});

describe('launch details', () => {
  it('keeps the heap small and allows the SecurityManager only where Java needs to be told (18+)', () => {
    const on17 = jvmArgs('/i', '512m', 17);
    expect(on17.slice(0, 2)).toEqual(['-Xms512m', '-Xmx512m']);
    expect(on17).not.toContain('-Djava.security.manager=allow');
    expect(jvmArgs('/i', '1g', 21)).toContain('-Djava.security.manager=allow');
    expect(on17.slice(-3)).toEqual(['-cp', '/i/home/lib/*', 'org.elasticsearch.bootstrap.Elasticsearch']);
  });

  it('knows when another user cannot reach a directory', async () => {
    const priv = join(dir, 'private');
    await mkdir(join(priv, 'inner'), { recursive: true, mode: 0o700 });
    await chmod(dir, 0o755);
    expect(await traversableBy(dir, 65534, 65534)).toBe(await traversableBy(tmpdir(), 65534, 65534));
    expect(await traversableBy(join(priv, 'inner'), 65534, 65534)).toBe(false);
    expect(await traversableBy('/', 65534, 65534)).toBe(true);
  });
});

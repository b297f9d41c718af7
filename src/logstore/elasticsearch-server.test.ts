import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  judgeRootAnswer,
  jvmArgs,
  ownerGone,
  startElasticsearch,
  sweepOrphans,
  traversableBy,
} from './elasticsearch-server.ts';
import { isAlive, processStartTime } from '../util/proc.ts';
import { LOOPBACK } from '../util/ports.ts';
import { SERVER_MODULE, spawnHarness } from './testing/harness.ts';
import { waitFor } from '../util/wait.ts';

let dir: string;
let dirs: string[];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slo-es-unit-'));
  dirs = [dir];
});
afterEach(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
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

/**
 * A stand-in `java`: `-version` says 17; otherwise it reads the instance's elasticsearch.yml
 * (from -Des.path.conf) and answers on its http.port like Elasticsearch 7.17.29 would —
 * `ours`: as that cluster and node; `foreign`: as another cluster (what a parallel instance
 * that took the port first would say); `answer-then-exit`: a detached helper answers as ours
 * while the "JVM" itself exits (an answer that outlives the process we started).
 */
async function fakeJava(mode: 'ours' | 'foreign' | 'answer-then-exit'): Promise<string> {
  const path = join(dir, `java-${mode}`);
  await writeFile(
    path,
    `#!${process.execPath}
const { readFileSync, writeFileSync } = require('node:fs');
const { createServer } = require('node:http');
const { spawn } = require('node:child_process');
const args = process.argv.slice(2);
if (args[0] === '-version') {
  process.stderr.write('openjdk version "17.0.99" 2025-01-01\\n');
  process.exit(0);
}
const conf = args.find((a) => a.startsWith('-Des.path.conf=')).slice('-Des.path.conf='.length);
const yml = readFileSync(conf + '/elasticsearch.yml', 'utf8');
const get = (k) => new RegExp('^' + k + ': (.*)$', 'm').exec(yml)[1];
const mode = process.env.FAKE_MODE_HELPER ? 'ours' : ${JSON.stringify(mode)};
if (mode === 'answer-then-exit') {
  const helper = spawn(process.execPath, [__filename, ...args], {
    detached: true, stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, FAKE_MODE_HELPER: '1' },
  });
  helper.stdout.once('data', () => process.exit(0)); // the helper listens: the "JVM" goes
} else {
  const foreign = mode === 'foreign';
  process.on('SIGTERM', () => {
    console.log('fake: stopping gracefully on SIGTERM');
    process.exit(0);
  });
  const root = {
    name: foreign ? 'other-node' : get('node.name'),
    cluster_name: foreign ? 'slo-harness-someone-else' : get('cluster.name'),
    version: { number: '7.17.29' },
  };
  createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.setHeader('x-elastic-product', 'Elasticsearch');
    res.end(JSON.stringify(req.url === '/' ? root : { status: 'green', timed_out: false }));
  }).listen(Number(get('http.port')), '127.0.0.1', () => {
    if (process.env.FAKE_MODE_HELPER) {
      writeFileSync(conf + '/helper.pid', String(process.pid));
      setTimeout(() => process.exit(0), 30000).unref();
    }
    console.log('listening');
  });
}
`,
  );
  await chmod(path, 0o755);
  return path;
}

/**
 * As root the "JVM" runs as nobody (setpriv): it must reach the fake java and the instance,
 * so the test's directory moves to /tmp when this run's temp root is private.
 */
async function openUp(): Promise<void> {
  await chmod(dir, 0o755);
  if (process.getuid?.() === 0 && !(await traversableBy(dir, 65534, 65534))) {
    dir = await mkdtemp(join('/tmp', 'slo-es-unit-'));
    dirs.push(dir);
    await chmod(dir, 0o755);
  }
}

describe('readiness: only our own instance counts', () => {
  const root = (cluster: string, node = 'slo-harness-es') => ({
    name: node,
    cluster_name: cluster,
    version: { number: '7.17.29' },
  });

  it('judges GET / by the cluster name of this start and the node name', () => {
    expect(judgeRootAnswer(200, 'Elasticsearch', root('slo-harness-abc'), 'slo-harness-abc')).toEqual({
      ready: true,
      foreign: false,
      version: '7.17.29',
      reason: 'GET / → 200, cluster "slo-harness-abc"',
    });
    const other = judgeRootAnswer(200, 'Elasticsearch', root('slo-harness-def'), 'slo-harness-abc');
    expect(other).toMatchObject({ ready: false, foreign: true });
    expect(other.reason).toBe(
      'another Elasticsearch (cluster "slo-harness-def", node "slo-harness-es") answers there, not ours (cluster "slo-harness-abc")',
    );
    expect(judgeRootAnswer(200, 'Elasticsearch', root('slo-harness-abc', 'x'), 'slo-harness-abc')).toMatchObject({
      ready: false,
      foreign: true,
    });
    // Not (yet) Elasticsearch: neither ready nor foreign.
    expect(judgeRootAnswer(200, null, root('slo-harness-abc'), 'slo-harness-abc')).toMatchObject({
      ready: false,
      foreign: false,
    });
    expect(judgeRootAnswer(503, 'Elasticsearch', {}, 'slo-harness-abc')).toMatchObject({
      ready: false,
      foreign: false,
    });
  });

  it('a fake that answers as ours is ready, with a cluster name unique to the start', async () => {
    await openUp();
    const java = await fakeJava('ours');
    const a = await startElasticsearch({ dir: join(dir, 'a'), home: await emptyHome(), java });
    const b = await startElasticsearch({ dir: join(dir, 'b'), home: await emptyHome(), java });
    try {
      expect(a.clusterName).toMatch(/^slo-harness-[0-9a-f]{12}$/);
      expect(b.clusterName).not.toBe(a.clusterName);
      expect(processStartTime(a.pid)).toBeDefined();
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    expect(processStartTime(a.pid)).toBeUndefined();
  });

  it('another Elasticsearch on our port is not taken for ours: ES_PORT_RACE, retried on other ports', async () => {
    await openUp();
    const java = await fakeJava('foreign');
    const lines: string[] = [];
    const err = await startElasticsearch({
      dir: join(dir, 'es'),
      home: await emptyHome(),
      java,
      log: (l) => lines.push(l),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'ES_PORT_RACE',
      message: expect.stringMatching(
        /^http:\/\/127\.0\.0\.1:\d+: another Elasticsearch \(cluster "slo-harness-someone-else", node "other-node"\) answers there, not ours \(cluster "slo-harness-[0-9a-f]{12}"\)$/,
      ),
    });
    expect(lines).toHaveLength(2); // three tries in all
    expect(lines[0]).toMatch(/^elasticsearch: .*another Elasticsearch .*; retrying with other ports$/);
  });

  it('an answer as ours after the JVM we started has exited is not ready', async () => {
    await openUp();
    const java = await fakeJava('answer-then-exit');
    const es = join(dir, 'es');
    try {
      const err = await startElasticsearch({ dir: es, home: await emptyHome(), java }).catch((e: unknown) => e);
      expect(err).toMatchObject({
        code: 'ES_START_FAILED',
        message: expect.stringMatching(/^Elasticsearch 7\.17\.29 exited with code 0 before it answered on /),
      });
    } finally {
      const helper = await readFile(join(es, 'config', 'helper.pid'), 'utf8').catch(() => undefined);
      if (helper) process.kill(Number(helper), 'SIGKILL');
      expect(helper).toBeDefined(); // it did answer as ours
    }
  });
});

describe('instance directories of processes that are gone', () => {
  /** The pid of a process that has exited (and was reaped). */
  const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;

  it('an owner is gone only when its pid is dead, or its known start time differs', () => {
    const me = processStartTime(process.pid)!;
    expect(ownerGone(`${process.pid} ${me}\n`)).toBe(false);
    expect(ownerGone(`${process.pid} -\n`)).toBe(false); // start time unknown: alive counts
    expect(ownerGone(`${process.pid} 0\n`)).toBe(false); // (older versions wrote 0)
    expect(ownerGone(`${process.pid}\n`)).toBe(false);
    expect(ownerGone(`${process.pid} ${Number(me) + 1}\n`)).toBe(true); // a recycled pid
    const dead = deadPid();
    expect(isAlive(dead)).toBe(false);
    expect(ownerGone(`${dead} -\n`)).toBe(true);
    expect(ownerGone(`${dead} 12345\n`)).toBe(true);
    expect(ownerGone('garbage')).toBe(false);
  });

  it('sweepOrphans removes only ours whose owner is gone, never a live owner', async () => {
    const me = processStartTime(process.pid)!;
    const dead = deadPid();
    const owners: Record<string, string | undefined> = {
      'slo-harness-es-live': `${process.pid} ${me}`,
      'slo-harness-es-live-unknown': `${process.pid} -`,
      'slo-harness-es-live-zero': `${process.pid} 0`,
      'slo-harness-es-recycled': `${process.pid} ${Number(me) + 1}`,
      'slo-harness-es-dead': `${dead} -`,
      'slo-harness-es-dead-known': `${dead} ${me}`,
      'slo-harness-es-being-made': undefined,
      'not-ours': `${dead} -`,
    };
    for (const [name, owner] of Object.entries(owners)) {
      await mkdir(join(dir, name, 'data'), { recursive: true });
      if (owner !== undefined) await writeFile(join(dir, name, 'owner.pid'), owner + '\n');
    }
    await sweepOrphans(dir);
    expect((await readdir(dir)).sort()).toEqual([
      'not-ours',
      'slo-harness-es-being-made',
      'slo-harness-es-live',
      'slo-harness-es-live-unknown',
      'slo-harness-es-live-zero',
    ]);
  });
});

describe('the JVM dies with a harness ended by a signal, without setpriv', () => {
  /**
   * Runs a harness that starts the fake "JVM" with no setpriv on PATH (as nobody when we are
   * root: as root setpriv is required), optionally with a handler of its own for `sig`.
   */
  async function harness(sig: NodeJS.Signals, ownHandler: boolean) {
    await openUp();
    const java = await fakeJava('ours');
    const home = await emptyHome();
    const es = join(dir, 'es');
    await mkdir(es);
    const root = process.getuid?.() === 0;
    if (root) await chown(es, 65534, 65534);
    const script = `
      import { startElasticsearch } from ${JSON.stringify(SERVER_MODULE)};
      let es;
      ${ownHandler ? `process.on(${JSON.stringify(sig)}, async () => { await es.stop(); console.log('cleaned up'); process.exit(3); });` : ''}
      es = await startElasticsearch({ dir: ${JSON.stringify(es)}, home: ${JSON.stringify(home)},
        java: ${JSON.stringify(java)}, env: { PATH: ${JSON.stringify(join(dir, 'no-setpriv'))} } });
      console.log(JSON.stringify({ pid: es.pid }));
      setInterval(() => {}, 1000);
    `;
    const h = await spawnHarness(script, {
      env: { ...process.env, HOME: es, TMPDIR: es }, // tsx caches under TMPDIR
      asUser: root ? { uid: 65534, gid: 65534 } : undefined,
      timeoutMs: 20_000,
    });
    const jvm = h.pid;
    expect(processStartTime(jvm)).toBeDefined();
    // No setpriv in the JVM's command line: nothing but this process's own hooks can kill it.
    expect(await readFile(join(es, 'elasticsearch.log'), 'utf8')).not.toContain('setpriv');
    h.child.kill(sig);
    const how = await h.ended;
    const gone = await waitFor(async () => ({ done: processStartTime(jvm) === undefined, reason: `${jvm} runs` }), {
      timeoutMs: 5000,
      intervalMs: 50,
    });
    if (!gone.ok) process.kill(jvm, 'SIGKILL');
    return { how, jvmGone: gone.ok, out: h.out(), log: await readFile(join(es, 'elasticsearch.log'), 'utf8') };
  }

  it.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)(
    '%s with the default behaviour: the JVM is killed, the harness still dies by the signal',
    async (sig) => {
      const { how, jvmGone, log } = await harness(sig, false);
      expect(how).toEqual({ code: null, signal: sig });
      expect(jvmGone).toBe(true);
      expect(log).not.toContain('gracefully'); // SIGKILLed: the harness is going down now
    },
  );

  it('a harness that handles SIGTERM itself keeps control: its handler stops the JVM', async () => {
    const { how, jvmGone, out, log } = await harness('SIGTERM', true);
    expect(how).toEqual({ code: 3, signal: null });
    expect(out).toContain('cleaned up');
    expect(jvmGone).toBe(true);
    expect(log).toContain('fake: stopping gracefully on SIGTERM'); // stop(), not our SIGKILL
  });
});

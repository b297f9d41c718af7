/**
 * A real Elasticsearch 7.17.29 on 127.0.0.1, for tests and for users who want a log store
 * they can point the harness at. No Docker: the jars come from Maven Central, assembled once
 * by `ensureTool('elasticsearch')` (or `slo-harness setup --with elasticsearch`) into
 * ~/.cache/slo-harness/tools/elasticsearch-7.17.29/; it runs on a JDK 11–21 (SLO_HARNESS_JAVA
 * picks one; Java 24+ cannot run Elasticsearch 7).
 *
 *   startElasticsearch({ dir, httpPort?, transportPort?, heap?, signal?, … })
 *     → Promise<{ url, httpPort, transportPort, pid, version, logPath, dir, stop() }>
 *   withElasticsearch(opts, async (es) => …)   starts, runs the callback, always stops
 *
 * `dir` holds the instance (config/, data/, logs/, tmp/, a home of hard links to the cached
 * jars) and its console log, `elasticsearch.log`. Ports not given are free loopback ports;
 * every socket binds 127.0.0.1. Each start names its cluster `slo-harness-<random>`: the call
 * resolves once `GET /` answers as Elasticsearch *with that cluster name*, the JVM we started
 * is still running, and the cluster is at least yellow. (Another instance that took the
 * free port first answers with its own name: that start is retried on other ports, like a
 * JVM that lost a port to a BindException.) A failure is a HarnessError (`ES_START_FAILED`,
 * with the log's last lines). Elasticsearch refuses to run as root: as root the JVM runs as
 * `nobody` (setpriv), and if `nobody` cannot reach `dir` the instance lives in a directory of
 * its own under the temp dir (`dir/instance` links to it; stop() removes it, and a later start
 * removes those whose owner process is gone). stop() sends SIGTERM, then SIGKILL after
 * `stopTimeoutMs`, and resolves when the process is gone.
 *
 * The JVM dies with this process (it runs in a process group of its own, so a terminal's
 * Ctrl-C reaches only us):
 *   - with setpriv (always as root; otherwise when util-linux's setpriv is on PATH): the
 *     kernel kills it whenever this process dies, for whatever reason (--pdeathsig KILL);
 *   - without setpriv (Linux without util-linux, other systems): it is SIGKILLed when this
 *     process exits (process 'exit'), and when SIGINT, SIGTERM or SIGHUP would end it — when
 *     nothing else listens for that signal, the JVMs are killed and the signal is re-raised
 *     with its default action, so the process still dies by it. A program that handles those
 *     signals itself (e.g. withInterrupt) owns the shutdown: it should abort `signal` or call
 *     stop(); the exit hook still kills the JVM when it exits. Not covered without setpriv:
 *     SIGKILL, the OOM killer, a crash or other fatal signals — the JVM outlives the process.
 *
 * In a vitest file:
 *   let es: ElasticsearchServer;
 *   beforeAll(async () => { es = await startElasticsearch({ dir: await mkdtemp(join(tmpdir(), 'es-')) }); }, 600_000);
 *   afterAll(() => es?.stop());
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  chmod,
  copyFile,
  lchown,
  link,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { findJava, type JavaRuntime } from '../tools/java.ts';
import { mavenSpec } from '../tools/manifest.ts';
import { COMPLETE_MARKER } from '../tools/maven.ts';
import { ensureTool } from '../tools/provision.ts';
import { HarnessError, errorMessage } from '../util/errors.ts';
import { isAlive, processStartTime, which } from '../util/proc.ts';
import { freePorts, isPortFree, LOOPBACK } from '../util/ports.ts';
import { supervise, tailFile as tailLog, waitReady } from '../util/process/supervisor.ts';

export interface StartElasticsearchOptions {
  /** The instance's directory (created if missing): config, data, logs and `elasticsearch.log`. */
  dir: string;
  /** Default: a free loopback port. A port given here is never replaced: taken → error. */
  httpPort?: number;
  transportPort?: number;
  /** -Xms/-Xmx. Default '512m'. */
  heap?: string;
  /** The java binary. Default: SLO_HARNESS_JAVA, $JAVA_HOME, PATH, /usr/lib/jvm (first of 11–21). */
  java?: string;
  /** A provisioned Elasticsearch home. Default: `ensureTool('elasticsearch')` (provisions once). */
  home?: string;
  /** Default 120 s. */
  readyTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL. Default 20 s. */
  stopTimeoutMs?: number;
  /** Aborting kills the JVM (during start-up the call rejects with INTERRUPTED). */
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** Progress lines (provisioning, start-up). */
  log?: (line: string) => void;
}

export interface ElasticsearchServer {
  /** http://127.0.0.1:PORT */
  url: string;
  httpPort: number;
  transportPort: number;
  pid: number;
  /** As `GET /` reports it, e.g. "7.17.29". */
  version: string;
  /** `slo-harness-<random>`: unique to this start, so no other instance is taken for it. */
  clusterName: string;
  /** The JVM's console output (Elasticsearch logs to the console only). */
  logPath: string;
  /** Where config/, data/, logs/ and tmp/ are: `dir`, or (as root) a directory of its own. */
  dir: string;
  java: JavaRuntime;
  /** SIGTERM, then SIGKILL after stopTimeoutMs; resolves once the process is gone. Idempotent. */
  stop(): Promise<void>;
}

const NAME = 'elasticsearch';
const HEAP = /^\d+[kmg]$/i;

/** Starts one single-node Elasticsearch; see the module comment. */
export async function startElasticsearch(opts: StartElasticsearchOptions): Promise<ElasticsearchServer> {
  const env = opts.env ?? process.env;
  const spec = mavenSpec(NAME);
  const heap = opts.heap ?? '512m';
  if (!HEAP.test(heap)) {
    throw new HarnessError('ES_BAD_OPTION', `heap "${heap}" is not a JVM size such as 512m or 1g`);
  }
  const home = opts.home ?? (await ensureTool(NAME, { env, log: opts.log }))[NAME]!;
  const java = await findJava(spec.java ?? { min: 11, max: 21 }, {
    env: opts.java ? { ...env, SLO_HARNESS_JAVA: opts.java } : env,
    forWhat: `Elasticsearch ${spec.version}`,
  });
  const runAs = nonRootUser(env);
  await mkdir(opts.dir, { recursive: true });
  const logPath = join(resolve(opts.dir), 'elasticsearch.log');
  const rt = await runtimeDir(resolve(opts.dir), runAs);
  try {
    await layOut(rt.dir, home, runAs);
    // Ports the OS handed out may be taken before the JVM binds them (parallel tests): then
    // try again with new ones. Pinned ports are never replaced.
    for (let attempt = 1; ; attempt++) {
      const ports = await choosePorts(opts);
      try {
        return await launch({ ...opts, env, heap, java, runAs, rt, logPath, ports, version: spec.version });
      } catch (err) {
        const pinned = opts.httpPort !== undefined && opts.transportPort !== undefined;
        if (!(err instanceof HarnessError && err.code === 'ES_PORT_RACE') || pinned || attempt >= 3) throw err;
        opts.log?.(`elasticsearch: ${err.message}; retrying with other ports`);
      }
    }
  } catch (err) {
    await rt.cleanup();
    throw err;
  }
}

/** Starts Elasticsearch, runs `fn` with it and stops it, whatever `fn` does. */
export async function withElasticsearch<T>(
  opts: StartElasticsearchOptions,
  fn: (es: ElasticsearchServer) => Promise<T>,
): Promise<T> {
  const es = await startElasticsearch(opts);
  try {
    return await fn(es);
  } finally {
    await es.stop();
  }
}

interface RunAs {
  uid: number;
  gid: number;
}

/** As root: the `nobody` account to run the JVM as (Elasticsearch refuses root). */
function nonRootUser(env: NodeJS.ProcessEnv): RunAs | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const setpriv = which('setpriv', env.PATH ?? '');
  const entry = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((l) => l.split(':'))
    .find((f) => f[0] === 'nobody');
  if (!setpriv || !entry) {
    throw new HarnessError('ES_RUN_AS_ROOT', 'Elasticsearch refuses to run as root, and it cannot be run as nobody', {
      hint: !setpriv
        ? 'install util-linux (setpriv), or run the harness as a non-root user'
        : 'there is no user "nobody" in /etc/passwd; run the harness as a non-root user',
    });
  }
  return { uid: Number(entry[2]), gid: Number(entry[3]) };
}

/** True when a user (with only its primary group) can traverse every directory down to `path`. */
export async function traversableBy(path: string, uid: number, gid: number): Promise<boolean> {
  const chain: string[] = [];
  for (let p = resolve(path); ; p = dirname(p)) {
    chain.push(p);
    if (dirname(p) === p) break;
  }
  for (const d of chain) {
    const st = await stat(d).catch(() => undefined);
    if (!st) return false;
    const bit = st.uid === uid ? 0o100 : st.gid === gid ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) return false;
  }
  return true;
}

interface Runtime {
  dir: string;
  cleanup: () => Promise<void>;
}

const OWN_PREFIX = 'slo-harness-es-';
const OWNER_FILE = 'owner.pid';

/** What an owner file says when the owner's start time could not be read. */
const UNKNOWN_START = '-';

/**
 * True when the process an owner file names is certainly gone: its pid is not alive, or both
 * the recorded and the current start time are known and differ (the pid was recycled). An
 * unreadable start time ('-', or '0' from older versions) never makes a live pid stale.
 */
export function ownerGone(owner: string): boolean {
  const [pidText, startTime] = owner.trim().split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false; // not an owner file we wrote: leave it
  if (!isAlive(pid)) return true;
  if (startTime === undefined || startTime === UNKNOWN_START || startTime === '0') return false;
  const now = processStartTime(pid);
  return now !== undefined && now !== startTime;
}

/**
 * Removes instance directories of our own under `base` whose owner process is gone (it was
 * killed before stop() could remove them; its JVM died with it). A directory without an
 * owner file is being created right now, or is not ours: left alone; so is one whose owner
 * may still be running.
 */
export async function sweepOrphans(base: string): Promise<void> {
  for (const name of await readdir(base).catch(() => [] as string[])) {
    if (!name.startsWith(OWN_PREFIX)) continue;
    const owner = await readFile(join(base, name, OWNER_FILE), 'utf8').catch(() => undefined);
    if (owner === undefined || !ownerGone(owner)) continue;
    await rm(join(base, name), { recursive: true, force: true }).catch(() => {});
  }
}

async function runtimeDir(dir: string, runAs: RunAs | undefined): Promise<Runtime> {
  const keep: Runtime = { dir, cleanup: async () => {} };
  if (!runAs || (await traversableBy(dir, runAs.uid, runAs.gid))) return keep;
  for (const base of [tmpdir(), '/tmp', '/var/tmp']) {
    if (!(await traversableBy(base, runAs.uid, runAs.gid))) continue;
    await sweepOrphans(base);
    const own = await mkdtemp(join(base, OWN_PREFIX));
    await chmod(own, 0o755);
    await writeFile(join(own, OWNER_FILE), `${process.pid} ${processStartTime(process.pid) ?? UNKNOWN_START}\n`);
    const pointer = join(dir, 'instance');
    await rm(pointer, { force: true });
    await symlink(own, pointer);
    return {
      dir: own,
      cleanup: async () => {
        await rm(own, { recursive: true, force: true });
        await rm(pointer, { force: true });
      },
    };
  }
  throw new HarnessError('ES_RUN_AS_ROOT', `user nobody cannot reach ${dir}, nor any temp directory`, {
    hint: 'run the harness as a non-root user, or give it a directory that others can traverse (chmod o+x)',
  });
}

/** Hard links (a copy across file systems) of the cached home: the cache may be private. */
async function linkTree(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const e of await readdir(from, { withFileTypes: true })) {
    if (e.name === COMPLETE_MARKER) continue;
    const [src, dst] = [join(from, e.name), join(to, e.name)];
    if (e.isDirectory()) await linkTree(src, dst);
    else await link(src, dst).catch(() => copyFile(src, dst));
  }
}

async function chownTree(path: string, runAs: RunAs): Promise<void> {
  await lchown(path, runAs.uid, runAs.gid);
  for (const e of await readdir(path, { withFileTypes: true })) {
    if (e.isDirectory()) await chownTree(join(path, e.name), runAs);
    else await lchown(join(path, e.name), runAs.uid, runAs.gid);
  }
}

async function layOut(dir: string, home: string, runAs: RunAs | undefined): Promise<void> {
  if (!(await stat(join(home, 'lib')).catch(() => undefined))) {
    throw new HarnessError('ES_BAD_HOME', `${home} is not an Elasticsearch home (no lib/)`, {
      hint: 'run `slo-harness setup --with elasticsearch`',
    });
  }
  await rm(join(dir, 'home'), { recursive: true, force: true });
  await linkTree(home, join(dir, 'home'));
  for (const d of ['config', 'data', 'logs', 'tmp']) await mkdir(join(dir, d), { recursive: true });
  // The writable parts belong to the user the JVM runs as; home/ stays as it is (its files
  // are hard links: changing their owner would change the cache's).
  if (runAs) for (const d of ['config', 'data', 'logs', 'tmp']) await chownTree(join(dir, d), runAs);
}

async function choosePorts(opts: StartElasticsearchOptions): Promise<{ http: number; transport: number }> {
  const pick = async (port: number | undefined, what: string) => {
    if (port === undefined) return (await freePorts(1))[0]!;
    if (!(await isPortFree(port))) {
      throw new HarnessError('ES_PORT_TAKEN', `the Elasticsearch ${what} port ${LOOPBACK}:${port} is taken`, {
        hint: `stop what listens there (\`ss -ltnp 'sport = :${port}'\` shows it) or let a free port be chosen`,
      });
    }
    return port;
  };
  const http = await pick(opts.httpPort, 'HTTP');
  let transport = await pick(opts.transportPort, 'transport');
  if (transport === http) [transport] = (await freePorts(1, new Set([http]))) as [number];
  return { http, transport };
}

const NODE_NAME = 'slo-harness-es';

function elasticsearchYml(dir: string, ports: { http: number; transport: number }, clusterName: string): string {
  return [
    `cluster.name: ${clusterName}`,
    `node.name: ${NODE_NAME}`,
    `network.host: ${LOOPBACK}`,
    `http.port: ${ports.http}`,
    `transport.port: ${ports.transport}`,
    'discovery.type: single-node',
    `path.data: ${join(dir, 'data')}`,
    `path.logs: ${join(dir, 'logs')}`,
    // A test server on a nearly full disk must still accept writes and allocate shards.
    'cluster.routing.allocation.disk.threshold_enabled: false',
    '',
  ].join('\n');
}

const LOG4J2 = `status = error
appender.console.type = Console
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}] [%node_name]%marker %m%n
rootLogger.level = info
rootLogger.appenderRef.console.ref = console
`;

/** The JVM flags of the distribution's jvm.options that matter here, and the bootstrap properties. */
export function jvmArgs(dir: string, heap: string, javaMajor: number): string[] {
  return [
    `-Xms${heap}`,
    `-Xmx${heap}`,
    '-Xss1m',
    '-Djava.awt.headless=true',
    '-Dfile.encoding=UTF-8',
    '-Djna.nosys=true',
    '-XX:-OmitStackTraceInFastThrow',
    '-Dio.netty.noUnsafe=true',
    '-Dio.netty.noKeySetOptimization=true',
    '-Dio.netty.recycler.maxCapacityPerThread=0',
    '-Dlog4j.shutdownHookEnabled=false',
    '-Dlog4j2.disable.jmx=true',
    '-Dlog4j2.formatMsgNoLookups=true',
    '-Djava.locale.providers=SPI,COMPAT',
    // Plain IPv4 sockets: bound to 127.0.0.1, not to the IPv4-mapped [::ffff:127.0.0.1].
    '-Djava.net.preferIPv4Stack=true',
    // Java 18–23 refuse System.setSecurityManager unless allowed; Elasticsearch 7 installs one.
    ...(javaMajor >= 18 ? ['-Djava.security.manager=allow'] : []),
    `-Djava.io.tmpdir=${join(dir, 'tmp')}`,
    `-Des.path.home=${join(dir, 'home')}`,
    `-Des.path.conf=${join(dir, 'config')}`,
    '-Des.distribution.flavor=default',
    '-Des.distribution.type=tar',
    '-Des.bundled_jdk=false',
    '-cp',
    `${join(dir, 'home', 'lib')}/*`,
    'org.elasticsearch.bootstrap.Elasticsearch',
  ];
}

/** The last lines of a log file after byte `from` ('' when it cannot be read). */
export async function tailFile(path: string, lines = 20, from = 0): Promise<string> {
  return (await tailLog(path, lines, from)) ?? '';
}

/** What an answer to `GET /` on our instance's HTTP port says. */
export interface RootAnswer {
  /** It is Elasticsearch, answering as our cluster and node. */
  ready: boolean;
  /** It is another Elasticsearch (it took the port first: ours cannot bind it). */
  foreign: boolean;
  version?: string;
  reason: string;
}

/**
 * Judges an answer to `GET /`: ready only when Elasticsearch answers (2xx, X-elastic-product)
 * with our cluster's name (unique to this start) and our node's; another name is `foreign`.
 */
export function judgeRootAnswer(
  status: number,
  product: string | null,
  body: unknown,
  clusterName: string,
): RootAnswer {
  const b = (typeof body === 'object' && body !== null ? body : {}) as {
    name?: unknown;
    cluster_name?: unknown;
    version?: { number?: unknown };
  };
  const version = typeof b.version?.number === 'string' ? b.version.number : undefined;
  if (status < 200 || status > 299 || product !== 'Elasticsearch') {
    return { ready: false, foreign: false, reason: `GET / → ${status}, X-elastic-product: ${product}` };
  }
  if (b.cluster_name !== clusterName || b.name !== NODE_NAME) {
    return {
      ready: false,
      foreign: true,
      version,
      reason:
        `another Elasticsearch (cluster "${String(b.cluster_name)}", node "${String(b.name)}") answers there, ` +
        `not ours (cluster "${clusterName}")`,
    };
  }
  return { ready: true, foreign: false, version, reason: `GET / → ${status}, cluster "${clusterName}"` };
}

interface LaunchArgs extends Omit<StartElasticsearchOptions, 'java'> {
  env: NodeJS.ProcessEnv;
  heap: string;
  java: JavaRuntime;
  runAs: RunAs | undefined;
  rt: Runtime;
  logPath: string;
  ports: { http: number; transport: number };
  version: string;
}

async function launch(a: LaunchArgs): Promise<ElasticsearchServer> {
  const dir = a.rt.dir;
  const clusterName = `slo-harness-${randomBytes(6).toString('hex')}`;
  await writeFile(join(dir, 'config', 'elasticsearch.yml'), elasticsearchYml(dir, a.ports, clusterName));
  await writeFile(join(dir, 'config', 'log4j2.properties'), LOG4J2);
  await writeFile(join(dir, 'config', 'jvm.options'), '');
  if (a.runAs) await chownTree(join(dir, 'config'), a.runAs);

  // The supervisor's own process group (a Ctrl-C in the terminal reaches the harness, which
  // stops it) and dieWithUs: setpriv execs java in place (the pid is the JVM's) and the
  // kernel kills the JVM if this process dies without a chance to stop it (SIGKILL, OOM); as
  // root, setpriv also drops to nobody.
  const jvm = await supervise({
    command: a.java.path,
    args: jvmArgs(dir, a.heap, a.java.major),
    cwd: dir,
    env: {
      PATH: a.env.PATH ?? '/usr/bin:/bin',
      LANG: a.env.LANG ?? 'C.UTF-8',
      ...(a.env.TZ ? { TZ: a.env.TZ } : {}),
      // Without it JNA's libffi fails (NullPointerException) before Elasticsearch starts.
      LIBFFI_TMPDIR: join(dir, 'tmp'),
    },
    output: { file: a.logPath },
    label: `Elasticsearch ${a.version}`,
    dieWithUs: true,
    runAs: a.runAs,
    path: a.env.PATH ?? '',
    unref: true, // a forgotten stop() must not keep this process alive (the JVM dies with it)
  }).catch((err: unknown) => {
    const cause = err instanceof HarnessError && err.cause instanceof Error ? err.cause : err;
    throw new HarnessError(
      'ES_START_FAILED',
      `Elasticsearch ${a.version} could not start: ${errorMessage(cause)} before it answered on http://${LOOPBACK}:${a.ports.http}`,
      { where: a.logPath, hint: `read the full log at ${a.logPath}` },
    );
  });
  const logFrom = jvm.logFrom; // this start's lines begin here
  /** The JVM we started is still there (not a zombie): synchronous, from /proc. */
  const jvmRunning = () => jvm.running;

  const url = `http://${LOOPBACK}:${a.ports.http}`;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      a.signal?.removeEventListener('abort', onAbort);
      await jvm.stop({ signal: 'SIGTERM', graceMs: a.stopTimeoutMs ?? 20_000 });
      await a.rt.cleanup();
    })());
  const onAbort = () => void stop();
  a.signal?.addEventListener('abort', onAbort, { once: true });

  const fail = async (code: string, message: string, hint?: string): Promise<never> => {
    await jvm.kill();
    a.signal?.removeEventListener('abort', onAbort);
    // Java stack frames say little here; the exception lines and "Likely root cause" do.
    const details = (await tailFile(a.logPath, 400, logFrom))
      .split('\n')
      .filter((l) => !/^\s+(at |\.\.\. \d+ more)/.test(l))
      .slice(-20)
      .join('\n');
    throw new HarnessError(code, message, { where: a.logPath, details, hint });
  };

  if (a.signal?.aborted) onAbort();
  const timeoutMs = a.readyTimeoutMs ?? 120_000;
  const started = Date.now();
  let foreign: string | undefined;
  const answered = await waitReady(
    jvm,
    async () => {
      const res = await fetch(`${url}/`, { signal: AbortSignal.timeout(2000) });
      const verdict = judgeRootAnswer(res.status, res.headers.get('x-elastic-product'), await res.json(), clusterName);
      if (verdict.foreign) foreign = verdict.reason;
      // Ours answered, but ready only while the JVM we started runs.
      const alive = jvmRunning();
      return {
        done: verdict.ready && alive,
        value: verdict.version,
        reason: verdict.ready && !alive ? `the JVM ${jvm.exited ?? 'is gone'}` : verdict.reason,
      };
    },
    { timeoutMs, intervalMs: 200, signal: a.signal, abort: () => foreign },
  );
  if (!answered.ok) {
    if (a.signal?.aborted) {
      return fail('INTERRUPTED', 'Elasticsearch start-up interrupted', 'nothing was left running');
    }
    if (foreign) {
      // It took our HTTP port before the JVM bound it: like a BindException, another try.
      return fail('ES_PORT_RACE', `${url}: ${foreign}`);
    }
    if (jvm.exited && /BindException|Address already in use/.test(await tailFile(a.logPath, 200, logFrom))) {
      return fail('ES_PORT_RACE', `a port of ${url} was taken before Elasticsearch bound it`);
    }
    return fail(
      'ES_START_FAILED',
      jvm.exited
        ? `Elasticsearch ${a.version} ${jvm.exited} before it answered on ${url}`
        : `Elasticsearch ${a.version} did not answer on ${url} within ${Math.round(timeoutMs / 1000)} s: ${answered.reason}`,
      `read the full log at ${a.logPath}`,
    );
  }
  const left = Math.max(1, Math.ceil((timeoutMs - (Date.now() - started)) / 1000));
  const health = await fetch(`${url}/_cluster/health?wait_for_status=yellow&timeout=${left}s`, {
    signal: AbortSignal.timeout((left + 5) * 1000),
  })
    .then(async (r) => ({ status: r.status, body: (await r.json()) as { status?: string; timed_out?: boolean } }))
    .catch((err: unknown) => ({ status: 0, body: { status: String(err), timed_out: true } }));
  if (health.status !== 200 || health.body.timed_out !== false) {
    return fail(
      'ES_START_FAILED',
      `Elasticsearch ${a.version} on ${url} did not reach cluster health yellow (status ${health.body.status})`,
      `read the full log at ${a.logPath}`,
    );
  }
  if (!jvmRunning()) {
    return fail(
      'ES_START_FAILED',
      `Elasticsearch ${a.version} ${jvm.exited ?? 'exited'} while starting on ${url}`,
      `read the full log at ${a.logPath}`,
    );
  }
  return {
    url,
    httpPort: a.ports.http,
    transportPort: a.ports.transport,
    pid: jvm.pid,
    version: answered.value ?? 'unknown',
    clusterName,
    logPath: a.logPath,
    dir,
    java: a.java,
    stop,
  };
}

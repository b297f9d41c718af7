import { mkdir, mkdtemp, rename, rm, writeFile, appendFile } from 'node:fs/promises';
import { appendFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HarnessError } from '../util/errors.ts';
import { acquireLock } from '../util/lock.ts';
import { runCommand, which } from '../util/proc.ts';
import { MANIFEST, type AptTool, type GoTool, type ToolName } from './manifest.ts';
import { ensureMavenTool } from './maven.ts';
import { toolDir, type ProvisionOptions, type ToolPaths } from './cache.ts';

export function goToolDir(name: ToolName, spec: GoTool, env: NodeJS.ProcessEnv = process.env): string {
  return toolDir(name, spec.version, env);
}

async function reportsVersion(path: string, spec: GoTool, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const versionWord = new RegExp(`\\b${spec.version.replace(/\./g, '\\.')}\\b`);
  try {
    // A Go binary records the module versions it was built from; this works for Jaeger,
    // whose `version` command prints nothing useful unless built with release ldflags.
    const go = findGo(env);
    if (go) {
      const r = await runCommand(go, ['version', '-m', path], { timeoutMs: 15_000 });
      const line = r.stdout.split('\n').find((l) => l.trim().split(/\s+/)[1] === spec.module);
      if (r.code === 0 && line && versionWord.test(line)) return true;
    }
    const r = await runCommand(path, spec.versionArgs, { timeoutMs: 15_000 });
    return r.code === 0 && versionWord.test(r.stdout + r.stderr);
  } catch {
    return false;
  }
}

function findGo(env: NodeJS.ProcessEnv): string | undefined {
  return which('go', env.PATH) ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
}

/**
 * Ensures one tool is available; returns its binaries' paths — for a Maven tool (e.g.
 * `elasticsearch`), `{ [name]: its home directory }`.
 */
export async function ensureTool(name: ToolName, opts: ProvisionOptions = {}): Promise<ToolPaths> {
  const spec = MANIFEST[name];
  switch (spec.kind) {
    case 'go':
      return ensureGoTool(name, spec, opts);
    case 'apt':
      return ensureAptTool(name, spec, opts);
    case 'maven':
      return ensureMavenTool(name, spec, toolDir(name, spec.version, opts.env ?? process.env), opts);
  }
}

export async function ensureTools(names: ToolName[], opts: ProvisionOptions = {}): Promise<ToolPaths> {
  const out: ToolPaths = {};
  // Sequential on purpose: two Go builds at once on a 2-core machine only slow each other.
  for (const n of names) Object.assign(out, await ensureTool(n, opts));
  return out;
}

export async function ensureGoTool(name: ToolName, spec: GoTool, opts: ProvisionOptions): Promise<ToolPaths> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? (() => {});
  const dir = goToolDir(name, spec, env);
  const cached = join(dir, spec.binary);
  if (existsSync(cached) && (await reportsVersion(cached, spec, env))) return { [spec.binary]: cached };
  const onPath = which(spec.binary, env.PATH);
  if (onPath && (await reportsVersion(onPath, spec, env))) return { [spec.binary]: onPath };

  await mkdir(dir, { recursive: true });
  const release = await acquireLock(join(dir, '.build.lock'), {
    onWait: (pid) => log(`waiting for another process (pid ${pid}) that is building ${name} ${spec.version}…`),
  });
  try {
    // Another process may have finished the build while we waited for the lock.
    if (existsSync(cached) && (await reportsVersion(cached, spec, env))) return { [spec.binary]: cached };
    await buildGoTool(name, spec, dir, env, log);
    return { [spec.binary]: cached };
  } finally {
    await release();
  }
}

async function buildGoTool(
  name: ToolName,
  spec: GoTool,
  dir: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<void> {
  const go = findGo(env);
  const logPath = join(dir, 'build.log');
  if (!go) {
    throw new HarnessError(
      'TOOL_GO_MISSING',
      `cannot build ${name} ${spec.version}: the Go toolchain is not installed`,
      {
        hint: 'install Go >= 1.25 (https://go.dev/doc/install or `apt-get install golang`) and retry `slo-harness setup`',
      },
    );
  }
  await writeFile(logPath, `# building ${name} ${spec.version} (${spec.package})\n`);
  const work = await mkdtemp(join(tmpdir(), `slo-harness-build-${name}-`));
  const start = Date.now();
  let compiled = 0;
  let lastReport = 0;
  // A throwaway module: `go install pkg@version` refuses modules with replace directives
  // (Jaeger has them) and k6/v2 fails its deprecation lookup; `go get -tool` + `go build` work for both.
  const goEnv = { ...env, GOFLAGS: '-mod=mod', GO111MODULE: 'on' };
  const steps: Array<{ args: string[]; what: string }> = [
    { args: ['mod', 'init', 'slo-harness-toolbuild'], what: 'init' },
    { args: ['get', '-tool', `${spec.package}@${spec.version}`], what: 'download modules' },
    { args: ['build', '-v', '-trimpath', '-o', join(dir, `${spec.binary}.partial`), spec.package], what: 'compile' },
  ];
  log(`building ${name} ${spec.version} with Go (one time, takes a few minutes; full log: ${logPath})`);
  try {
    for (const step of steps) {
      const cmdline = `go ${step.args.join(' ')}`;
      await appendFile(logPath, `\n$ ${cmdline}\n`);
      const r = await runCommand(go, step.args, {
        cwd: work,
        env: goEnv,
        onLine: (line) => {
          appendFileSync(logPath, line + '\n'); // sync: lines stay in order
          if (step.what === 'compile' && line && !line.startsWith('#')) compiled++;
          const now = Date.now();
          if (now - lastReport > 5000) {
            lastReport = now;
            const secs = Math.round((now - start) / 1000);
            log(`  ${name}: ${step.what}… ${step.what === 'compile' ? `${compiled} packages, ` : ''}${secs}s`);
          }
        },
      });
      if (r.code !== 0) {
        throw new HarnessError(
          'TOOL_BUILD_FAILED',
          `building ${name} ${spec.version} failed at \`${cmdline}\` (exit ${r.code})`,
          {
            details: (r.stderr || r.stdout).trim().split('\n').slice(-8).join('\n'),
            hint: `read the full log at ${logPath}; check that the Go module proxy is reachable (GOPROXY) and Go is >= 1.25`,
          },
        );
      }
    }
    await rename(join(dir, `${spec.binary}.partial`), join(dir, spec.binary));
    log(`built ${name} ${spec.version} in ${Math.round((Date.now() - start) / 1000)}s → ${join(dir, spec.binary)}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function ensureAptTool(name: ToolName, spec: AptTool, opts: ProvisionOptions): Promise<ToolPaths> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? (() => {});
  const find = () => Object.fromEntries(spec.binaries.map((b) => [b, which(b, env.PATH)]));
  let found = find();
  const missing = () => spec.binaries.filter((b) => !found[b]);
  if (missing().length === 0) return found as ToolPaths;

  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || opts.allowInstall === false || !which('apt-get', env.PATH)) {
    throw new HarnessError('TOOL_MISSING', `${name} is not installed (missing: ${missing().join(', ')})`, {
      hint: `install the Debian package: sudo apt-get install -y ${spec.debPackage}   (or put ${missing().join(', ')} on PATH)`,
    });
  }
  log(`installing ${spec.debPackage} with apt-get…`);
  const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = await runCommand('apt-get', ['install', '-y', '--no-install-recommends', spec.debPackage], { env: aptEnv });
  if (r.code !== 0) {
    // An empty or stale package list is the usual cause on a fresh machine.
    await runCommand('apt-get', ['update'], { env: aptEnv });
    r = await runCommand('apt-get', ['install', '-y', '--no-install-recommends', spec.debPackage], { env: aptEnv });
  }
  found = find();
  if (r.code !== 0 || missing().length > 0) {
    throw new HarnessError('TOOL_INSTALL_FAILED', `apt-get install ${spec.debPackage} failed (exit ${r.code})`, {
      details: (r.stderr || r.stdout).trim().split('\n').slice(-6).join('\n'),
      hint: `install it by hand: apt-get update && apt-get install -y ${spec.debPackage}`,
    });
  }
  return found as ToolPaths;
}

/** What `setup` provisions by default: everything the embedded default stack and `run` need. */
export const ALL_TOOLS: ToolName[] = ['prometheus', 'alertmanager', 'node-exporter', 'k6', 'jaeger'];

/** Provisioned only when asked for (`setup --with NAME`, or a test that needs them). */
export const OPTIONAL_TOOLS = (Object.keys(MANIFEST) as ToolName[]).filter((n) => {
  const spec = MANIFEST[n];
  return spec.kind === 'maven' && spec.optional === true;
});

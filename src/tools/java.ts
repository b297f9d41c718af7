import { readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { HarnessError } from '../util/errors.ts';
import { runCommand, which } from '../util/proc.ts';

/** A Java runtime that was run and asked its version. */
export interface JavaRuntime {
  path: string;
  /** The feature release: 8 for "1.8.0_392", 17 for "17.0.15". */
  major: number;
  /** As `java -version` prints it, e.g. "17.0.15". */
  version: string;
}

export interface JavaRange {
  min: number;
  max: number;
}

/**
 * The version in `java -version` output (stderr), e.g. `openjdk version "17.0.15" 2025-04-15`
 * or `java version "1.8.0_392"`; lines such as "Picked up JAVA_TOOL_OPTIONS" are skipped.
 */
export function parseJavaVersion(output: string): { major: number; version: string } | undefined {
  const m = /^\S+ version "([^"]+)"/m.exec(output);
  if (!m) return undefined;
  const version = m[1]!;
  const parts = /^(\d+)(?:\.(\d+))?/.exec(version);
  if (!parts) return undefined;
  const first = Number(parts[1]);
  const major = first === 1 && parts[2] !== undefined ? Number(parts[2]) : first;
  return { major, version };
}

const probed = new Map<string, Promise<JavaRuntime | undefined>>();

/** Runs `<path> -version`; undefined when it does not run or prints no version. */
export function probeJava(path: string): Promise<JavaRuntime | undefined> {
  let p = probed.get(path);
  if (!p) {
    p = runCommand(path, ['-version'], { timeoutMs: 20_000, env: { ...process.env, JAVA_TOOL_OPTIONS: '' } })
      .then((r) => {
        const v = r.code === 0 ? parseJavaVersion(r.stderr + '\n' + r.stdout) : undefined;
        return v && { path, ...v };
      })
      .catch(() => undefined);
    probed.set(path, p);
  }
  return p;
}

function candidates(env: NodeJS.ProcessEnv, jvmRoot: string): string[] {
  const out: string[] = [];
  if (env.JAVA_HOME) out.push(join(env.JAVA_HOME, 'bin', 'java'));
  const onPath = which('java', env.PATH ?? '');
  if (onPath) out.push(onPath);
  try {
    for (const d of readdirSync(jvmRoot).sort()) out.push(join(jvmRoot, d, 'bin', 'java'));
  } catch {
    // no system JVM directory
  }
  const seen = new Set<string>();
  return out.filter((p) => {
    let real: string;
    try {
      real = realpathSync(p);
    } catch {
      return false;
    }
    if (seen.has(real)) return false;
    seen.add(real);
    return true;
  });
}

/**
 * Finds a Java whose feature release is within `range`. `SLO_HARNESS_JAVA` (a java binary)
 * is taken as the only choice when set; otherwise `$JAVA_HOME/bin/java`, `java` on PATH and
 * `/usr/lib/jvm/<jdk>/bin/java` are tried in that order, and the first in range wins.
 */
export async function findJava(
  range: JavaRange,
  opts: { env?: NodeJS.ProcessEnv; forWhat: string; /** Default /usr/lib/jvm. */ jvmRoot?: string },
): Promise<JavaRuntime> {
  const env = opts.env ?? process.env;
  const wanted = `Java ${range.min}–${range.max}`;
  const why = (major: number) => (major >= 24 ? ' (Java 24 and later have no SecurityManager, which it needs)' : '');
  const hint =
    `install a JDK ${range.min}–${range.max} (e.g. \`apt-get install openjdk-17-jre-headless\`) ` +
    `or set SLO_HARNESS_JAVA=/path/to/jdk/bin/java`;
  const pinned = env.SLO_HARNESS_JAVA;
  if (pinned) {
    const java = await probeJava(pinned);
    if (!java) {
      throw new HarnessError('JAVA_NOT_FOUND', `SLO_HARNESS_JAVA=${pinned} does not run as \`java -version\``, {
        hint: `point SLO_HARNESS_JAVA at the java binary of a JDK ${range.min}–${range.max}, or unset it`,
      });
    }
    if (java.major < range.min || java.major > range.max) {
      throw new HarnessError(
        'JAVA_UNSUPPORTED',
        `SLO_HARNESS_JAVA=${pinned} is Java ${java.version}; ${opts.forWhat} needs ${wanted}${why(java.major)}`,
        { hint },
      );
    }
    return java;
  }
  const tried: JavaRuntime[] = [];
  for (const path of candidates(env, opts.jvmRoot ?? '/usr/lib/jvm')) {
    const java = await probeJava(path);
    if (!java) continue;
    if (java.major >= range.min && java.major <= range.max) return java;
    tried.push(java);
  }
  if (tried.length === 0) {
    throw new HarnessError('JAVA_NOT_FOUND', `${opts.forWhat} needs ${wanted}, and no Java was found`, { hint });
  }
  throw new HarnessError(
    'JAVA_UNSUPPORTED',
    `${opts.forWhat} needs ${wanted}; found only ${tried.map((j) => `Java ${j.version}`).join(', ')}` +
      why(Math.max(...tried.map((j) => j.major))),
    { details: tried.map((j) => `${j.path}: Java ${j.version}`).join('\n'), hint },
  );
}

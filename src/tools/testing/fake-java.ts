import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A stand-in `java` in `at` that prints `lines` on stderr, as `java -version` does. */
export async function fakeJava(at: string, ...lines: string[]): Promise<string> {
  await mkdir(at, { recursive: true });
  const path = join(at, 'java');
  await writeFile(path, `#!/bin/sh\n${lines.map((l) => `echo '${l}' >&2\n`).join('')}`);
  await chmod(path, 0o755);
  return path;
}

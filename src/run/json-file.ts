import { rename, writeFile } from 'node:fs/promises';

/** Written whole or not at all: a reader (or a killed harness) never sees half a file. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, JSON.stringify(value, null, 2) + '\n');
  await rename(tmp, path);
}

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { compressRules } from './compress.ts';

/**
 * The rule files Prometheus should load: the given ones, or (with a factor) their
 * time-compressed copies written to `<configDir>/rules-compressed/`.
 */
export async function writeCompressedRules(
  files: string[],
  factor: number | undefined,
  configDir: string,
): Promise<string[]> {
  if (factor === undefined) return files;
  const dir = join(configDir, 'rules-compressed');
  await mkdir(dir, { recursive: true });
  return Promise.all(
    files.map(async (f) => {
      const out = join(dir, basename(f));
      await writeFile(out, compressRules(await readFile(f, 'utf8'), factor, f));
      return out;
    }),
  );
}

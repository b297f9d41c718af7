import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HarnessError } from '../util/errors.ts';

/** The repo's scenarios/ directory (scripts, profiles, fixtures). */
export function scenariosDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'scenarios');
}

export function harnessScript(): string {
  return join(scenariosDir(), 'harness.ts');
}

/** Absolute paths of the image fixtures the execution scenarios upload. */
export function fixtureImages(dir = join(scenariosDir(), 'fixtures', 'images')): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw new HarnessError('FIXTURES_MISSING', `no image fixtures directory at ${dir}`, {
      cause: err,
      hint: 'restore scenarios/fixtures/images from git',
    });
  }
  const images = names
    .filter((n) => /\.(jpe?g|png|webp)$/i.test(n))
    .sort()
    .map((n) => join(dir, n));
  if (!images.length)
    throw new HarnessError('FIXTURES_MISSING', `no images in ${dir}`, {
      hint: 'restore scenarios/fixtures/images from git',
    });
  return images;
}

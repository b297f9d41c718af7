import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HarnessError } from '../util/errors.ts';
import { loadProfile, profilesDir } from './profile.ts';

/** The bundled alerts profile with its `alerts:` block replaced by `block` (YAML text). */
async function withAlertsBlock(block: string): Promise<string> {
  const text = await readFile(join(profilesDir(), 'alerts.yaml'), 'utf8');
  const replaced = text.replace(/^alerts:\n(?: {2}.*\n)+/m, block);
  expect(replaced).not.toBe(text);
  const file = join(await mkdtemp(join(tmpdir(), 'slo-profile-')), 'p.yaml');
  await writeFile(file, replaced);
  return file;
}

const failure = async (file: string): Promise<HarnessError> => {
  const err = await loadProfile(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HarnessError);
  return err as HarnessError;
};

describe('profile: the alerts block', () => {
  it('the bundled alerts profile drives all three spec alerts with rules compressed ×20', async () => {
    const p = await loadProfile('alerts');
    expect(p.alerts).toEqual({
      compress: 20,
      slack: '5s',
      alerts: ['APIAvailabilitySLOBreach', 'APILatencySLOBreach', 'PipelineErrorRateSLOBreach'],
    });
  });

  it('refuses an alert that is not in the spec, an unknown field and a missing factor, naming each', async () => {
    const file = await withAlertsBlock(
      'alerts:\n  slack: 5s\n  extra: 1\n  alerts: [APIAvailabilitySLOBreach, DiskFull]\n',
    );
    const err = await failure(file);
    const text = `${err.message}\n${err.details ?? ''}`;
    expect(text).toMatch(/\/alerts\/alerts\/1/);
    expect(text).toMatch(/\/alerts\/extra: unknown field/);
    expect(text).toMatch(/\/alerts.*compress/);
  });

  it('refuses a factor below 1', async () => {
    const err = await failure(await withAlertsBlock('alerts:\n  compress: 0\n  alerts: [APILatencySLOBreach]\n'));
    expect(`${err.message}\n${err.details ?? ''}`).toMatch(/\/alerts\/compress/);
  });
});

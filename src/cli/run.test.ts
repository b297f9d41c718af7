import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EXIT, main } from './main.ts';

/** Usage and configuration mistakes in `run` are exit 2 with a message, before any traffic or stack. */
describe('slo-harness run: usage errors', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  async function runMain(args: string[]): Promise<{ code: number; err: string }> {
    let err = '';
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void (err += a.join(' ') + '\n'));
    vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((err += String(c)), true));
    const code = await main(['run', ...args]);
    return { code, err };
  }

  it('rejects a non-numeric rate', async () => {
    const r = await runMain(['--rate', 'fast']);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toContain('--rate fast is not a positive number');
  });

  it('rejects an unknown profile', async () => {
    const r = await runMain(['--profile', 'nope']);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toContain('no profile "nope"');
  });

  it('rejects load above the caps, listing each violation', async () => {
    const r = await runMain(['--profile', 'smoke', '--rate', '5000', '--duration', '1h']);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toContain('maxRate');
    expect(r.err).toContain('maxDuration');
  });

  it('reports every problem of a target config with its path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slo-cli-'));
    const cfg = join(dir, 'c.yaml');
    await writeFile(
      cfg,
      'targets:\n  t:\n    api: { baseUrl: "http://203.0.113.9", usernameEnv: U }\n    grafana: {}\n',
    );
    const r = await runMain(['--config', cfg]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toContain('/targets/t/api: missing required field "passwordEnv"');
    expect(r.err).toContain('/targets/t/grafana: unknown field');
  });

  it('refuses a run id that could leave the reports directory, or one that already exists, and a state dir that is a file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slo-cli-'));
    const bad = await runMain(['--run-id', '../x', '--reports-dir', dir]);
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.err).toContain('is not a valid run id');
    await mkdir(join(dir, 'taken'));
    const taken = await runMain(['--run-id', 'taken', '--reports-dir', dir, '--duration', '1s']);
    expect(taken.code).toBe(EXIT.usage);
    expect(taken.err).toContain('run taken already exists');
    await writeFile(join(dir, 'file'), '');
    const state = await runMain(['--state-dir', join(dir, 'file'), '--reports-dir', dir]);
    expect(state.code).toBe(EXIT.usage);
    expect(state.err).toContain('--state-dir');
  });

  it('rejects an unknown reporter, naming the ones there are', async () => {
    const r = await runMain(['--reporter', 'json,html']);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toMatch(/unknown reporter "html"[\s\S]*choose from json, junit, markdown/);
  });

  it('needs a config for a named target', async () => {
    const r = await runMain(['--target', 'staging']);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toContain('needs a target config');
  });
});

import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../util/proc.ts';
import { PROJECT_ROOT } from '../stack/config.ts';
import { freePort } from '../util/ports.ts';
import { logStoreFromFlags } from './verify.ts';
import { spawn } from 'node:child_process';
import { waitFor } from '../util/wait.ts';
import { emptyPrometheus } from '../run/testing/empty-prometheus.ts';

const BIN = join(PROJECT_ROOT, 'bin', 'slo-harness.mjs');
const cli = (args: string[], cwd?: string) =>
  runCommand(process.execPath, [BIN, ...args], {
    env: { ...process.env, API_USER: '', API_PASS: '' },
    ...(cwd ? { cwd } : {}),
  });

/** `verify` of the last 10 minutes against a Prometheus nobody listens on. */
const VERIFY_DOWN = ['verify', '--prometheus', 'http://127.0.0.1:1', '--since', '10m'];

describe('slo-harness verify', () => {
  it('takes its backends from a run target config, needs no API credentials, and an unreachable Prometheus is inconclusive (exit 3)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slo-verify-cli-'));
    const port = await freePort(); // nothing listens there
    await writeFile(
      join(dir, 'slo-harness.yaml'),
      `targets:
  prod:
    api: { baseUrl: "http://127.0.0.1:1", usernameEnv: API_USER, passwordEnv: API_PASS }
    prometheus: { url: "http://127.0.0.1:${port}", scrapeInterval: 15s }
`,
    );
    const r = await cli(
      ['verify', '--config', join(dir, 'slo-harness.yaml'), '--since', '10m', '--only', 'SLI-1'],
      dir,
    );
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/INCONCLUSIVE/);
    expect(r.stdout).toMatch(/ECONNREFUSED/);
    expect(r.stdout).not.toMatch(/\bPASS\b/);
  });

  it('a --prometheus/--alertmanager URL with credentials, or not http(s), is a usage error that never repeats the secret (exit 2)', async () => {
    const secret = 'hunter2-s3cret';
    for (const args of [
      ['--prometheus', `http://u:${secret}@127.0.0.1:9090`],
      ['--prometheus', 'http://127.0.0.1:9090', '--alertmanager', `http://u:${secret}@[bad`],
      ['--prometheus', 'file:///etc/passwd'],
    ]) {
      const r = await cli(['verify', '--since', '10m', ...args]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout + r.stderr).not.toContain(secret);
      expect(r.stderr).toMatch(/--(prometheus|alertmanager)/);
    }
  });

  it('a file that is not a ledger is a usage error with a hint (exit 2)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slo-verify-cli-'));
    await writeFile(join(dir, 'ledger.json'), '{"hello": 1}');
    const r = await cli([...VERIFY_DOWN, '--ledger', join(dir, 'ledger.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is not a slo-harness ledger[\s\S]*hint: pass the ledger.json of a run directory/);
  });

  it('a named deployment without Prometheus is an error, never the embedded stack in its place', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slo-verify-cli-'));
    await writeFile(
      join(dir, 'c.yaml'),
      'targets:\n  prod:\n    api: { baseUrl: "http://127.0.0.1:1", usernameEnv: API_USER, passwordEnv: API_PASS }\n',
    );
    const r = await cli(['verify', '--config', join(dir, 'c.yaml'), '--since', '10m']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/configures no Prometheus[\s\S]*hint: add prometheus/);
    const t = await cli(['verify', '--target', 'prod', '--since', '10m'], dir);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/needs a target config/);
  });

  it('--out writes the reports run writes (--reporter picks them); --reporter without --out is a usage error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slo-verify-out-'));
    const out = join(dir, 'out');
    const r = await cli([...VERIFY_DOWN, '--only', 'SLI-1', '--out', out, '--reporter', 'junit,markdown']);
    expect(r.code).toBe(3);
    expect((await readdir(out)).sort()).toEqual(['junit.xml', 'summary.md']);
    expect(await readFile(join(out, 'junit.xml'), 'utf8')).toMatch(/type="slo.inconclusive"/);
    expect(r.stdout).toMatch(
      /^verdict: INCONCLUSIVE — 0 pass, 0 fail, 0 warn, \d+ inconclusive.* → .*junit.xml \(\+ summary.md\)$/m,
    );
    const bad = await cli([...VERIFY_DOWN, '--reporter', 'junit']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--reporter needs --out DIR/);
    const unknown = await cli([...VERIFY_DOWN, '--out', out, '--reporter', 'html']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown reporter "html"[\s\S]*hint: choose from json, junit, markdown/);
  });

  it('an --only that matches nothing is a usage error, not a pass', async () => {
    const r = await cli([...VERIFY_DOWN, '--only', 'SLI-l']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/matches no check/);
  });
});

describe('verify under Ctrl-C', () => {
  it('stops waiting for the settle at once and exits 130', async () => {
    const prom = await emptyPrometheus();
    try {
      const child = spawn(
        process.execPath,
        [BIN, 'verify', '--prometheus', prom.url, '--since', '1m', '--only', 'SLI-1'],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let err = '';
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      // Settling waits up to four scrape + evaluation intervals (two minutes here) without a signal.
      const settling = await waitFor(async () => ({ done: err.includes('settling:'), reason: err }), {
        timeoutMs: 30_000,
        intervalMs: 50,
      });
      expect(settling.ok, settling.reason).toBe(true);
      const sent = Date.now();
      child.kill('SIGINT');
      expect(await exited, err).toBe(130);
      expect(Date.now() - sent).toBeLessThan(5_000);
      expect(err).toContain('verification interrupted');
    } finally {
      await prom.close();
    }
  });
});

describe('verify: the Elasticsearch log source from flags and config', () => {
  it('--elasticsearch without --es-index, or with --logs, is a usage error naming the fix', () => {
    expect(() => logStoreFromFlags({ elasticsearch: 'http://127.0.0.1:9200', logs: [] })).toThrow(/go together/);
    expect(() =>
      logStoreFromFlags({ elasticsearch: 'http://127.0.0.1:9200', esIndex: 'imageflow-*', logs: ['a.jsonl'] }),
    ).toThrow(/pass one/);
    expect(logStoreFromFlags({ logs: ['a.jsonl'] })).toBeUndefined();
    expect(
      logStoreFromFlags({
        elasticsearch: 'http://127.0.0.1:9200',
        esIndex: 'imageflow-*',
        esTimeField: '@timestamp',
        esApiKeyEnv: 'ES_KEY',
        logs: [],
      }),
    ).toEqual({ url: 'http://127.0.0.1:9200', index: 'imageflow-*', timeField: '@timestamp', apiKeyEnv: 'ES_KEY' });
    // --es-* flags alone refine the config's store; --elasticsearch starts afresh.
    const base = { url: 'https://es.example.com', index: 'app-*', apiKeyEnv: 'ES_KEY', malformedQuery: 'tags:x' };
    expect(logStoreFromFlags({ esTimeField: 'timestamp', logs: [] }, base)).toEqual({
      ...base,
      timeField: 'timestamp',
    });
    expect(logStoreFromFlags({ elasticsearch: 'http://127.0.0.1:9200', logs: [] }, base)).toEqual({
      url: 'http://127.0.0.1:9200',
      index: 'app-*',
    });
    expect(() => logStoreFromFlags({ esTimeField: 'timestamp', logs: [] })).toThrow(/go together/);
  });

  it("a config's Elasticsearch credential variable that is not set is reported by name, before anything runs (exit 2)", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slo-verify-es-'));
    await writeFile(
      join(dir, 'slo-harness.yaml'),
      `targets:
  prod:
    api: { baseUrl: "http://127.0.0.1:1", usernameEnv: API_USER, passwordEnv: API_PASS }
    prometheus: { url: "http://127.0.0.1:1" }
    logs: { kind: elasticsearch, url: "http://127.0.0.1:1", index: "imageflow-*", apiKeyEnv: ES_KEY_NOT_SET }
`,
    );
    const r = await cli(['verify', '--config', join(dir, 'slo-harness.yaml'), '--since', '10m'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('ES_KEY_NOT_SET');
  });
});

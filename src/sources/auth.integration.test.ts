import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTargetConfig, resolveTarget } from '../config/target.ts';
import { stackDown, stackUp, stackUrls, type StackUrls } from '../stack/lifecycle.ts';
import type { StackState } from '../stack/state.ts';
import { HarnessError } from '../util/errors.ts';
import { freePort } from '../util/ports.ts';
import { waitFor } from '../util/wait.ts';
import { verify, type VerifyReport } from '../verify/engine.ts';
import { filesOnlyArch4 } from '../verify/testing/report-helpers.ts';
import { startAuthProxy, type AuthProxy } from './testing/auth-proxy.ts';

/**
 * Auth end to end: the embedded stack's real Prometheus and Alertmanager behind an
 * authenticating proxy (bearer token + X-Scope-OrgID for Prometheus, basic auth for
 * Alertmanager). Right credentials from the target config give the same verdicts as the
 * backends read directly; wrong or absent ones give 401s and inconclusive verdicts, never a pass.
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TINY = join(ROOT, 'src', 'load', 'testdata', 'tiny.yaml');
const BACKEND_CHECKS = [
  'arch-3-targets-up',
  'al-4-rules-match-spec',
  'ret-6-metric-retention',
  'arch-5-prometheus-to-alertmanager',
];
const RIGHT = {
  IFC_USER: 'user',
  IFC_PASS: 'user123',
  PROM_TOKEN: 'prom-token-right',
  JAEGER_TOKEN: 'jaeger-token-right',
  TENANT: 'tenant-7f3a9c',
  AM_USER: 'am-user',
  AM_PASS: 'am-pass-right',
};
const WRONG = { ...RIGHT, PROM_TOKEN: 'prom-token-wrong', AM_PASS: 'am-pass-wrong' };

let dir: string;
let state: StackState;
let urls: StackUrls;
let prom: AuthProxy;
let am: AuthProxy;
let jaeger: AuthProxy;
let configFile: string;

function cli(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; out: string; stdout: string }>((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'slo-harness.mjs'), ...args], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let out = '';
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => ((out += c.toString()), (stdout += c.toString())));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => resolve({ code, out, stdout }));
  });
}

const outcomes = (r: VerifyReport) => Object.fromEntries(r.verdicts.map((v) => [v.checkId, v.outcome]));

async function judge(env: Record<string, string>, direct = false): Promise<VerifyReport> {
  const t = resolveTarget(await loadTargetConfig(configFile), configFile, undefined, env, { needCredentials: false });
  const end = new Date();
  const r = await verify({
    window: { start: new Date(end.getTime() - 30_000), end },
    prometheus: direct ? { url: urls.prometheus } : t.prometheus,
    alertmanager: direct ? { url: urls.alertmanager } : t.alertmanager,
    scrapeInterval: '1s',
    evaluationInterval: state.evaluationInterval,
    settle: false,
    only: BACKEND_CHECKS,
    env,
  });
  if (r instanceof HarnessError) throw r;
  return r;
}

describe('backends behind authentication (real Prometheus and Alertmanager behind a loopback auth proxy)', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'auth-it-'));
    state = (await stackUp({ stateDir: join(dir, 'state'), scrapeInterval: '1s' })).state;
    urls = stackUrls(state);
    prom = await startAuthProxy({
      upstream: urls.prometheus,
      bearer: RIGHT.PROM_TOKEN,
      headers: { 'X-Scope-OrgID': RIGHT.TENANT },
    });
    jaeger = await startAuthProxy({ upstream: urls.jaegerQuery, bearer: RIGHT.JAEGER_TOKEN });
    am = await startAuthProxy({
      upstream: urls.alertmanager,
      basic: { username: RIGHT.AM_USER, password: RIGHT.AM_PASS },
    });
    configFile = join(dir, 'slo-harness.yaml');
    await writeFile(
      configFile,
      [
        'targets:',
        '  behind-auth:',
        `    api: { baseUrl: "${urls.backendApi}", usernameEnv: IFC_USER, passwordEnv: IFC_PASS }`,
        '    prometheus:',
        `      url: "${prom.url}"`,
        `      scrapeInterval: ${state.scrapeInterval}`,
        `      evaluationInterval: ${state.evaluationInterval}`,
        '      auth: { bearerTokenEnv: PROM_TOKEN }',
        '      headersEnv: { X-Scope-OrgID: TENANT }',
        '    alertmanager:',
        `      url: "${am.url}"`,
        '      auth: { basic: { usernameEnv: AM_USER, passwordEnv: AM_PASS } }',
        `    jaeger: { url: "${jaeger.url}", auth: { bearerTokenEnv: JAEGER_TOKEN } }`,
        `    logs: { kind: file, paths: ${JSON.stringify(Object.values(urls.appLogs))} }`,
      ].join('\n') + '\n',
    );
    // Every scrape target up (read directly): the verdicts compared below are then stable.
    const up = await waitFor(
      async () => {
        const o = outcomes(await judge(RIGHT, true));
        return { done: o['arch-3-targets-up'] === 'pass', reason: JSON.stringify(o) };
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(up.ok, up.reason).toBe(true);
  });

  afterAll(async () => {
    await prom?.close();
    await am?.close();
    await jaeger?.close();
    if (dir) {
      await stackDown({ stateDir: join(dir, 'state') });
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('right credentials: the same verdicts as reading the backends directly, all requests authorized', async () => {
    const before = { prom: prom.decisions.length, am: am.decisions.length };
    const direct = outcomes(await judge(RIGHT, true));
    const authed = await judge(RIGHT);
    expect(outcomes(authed)).toEqual(direct);
    expect(outcomes(authed)).toMatchObject({ 'arch-3-targets-up': 'pass', 'al-4-rules-match-spec': 'pass' });
    expect(prom.decisions.length).toBeGreaterThan(before.prom);
    expect(am.decisions.length).toBeGreaterThan(before.am);
    expect([...prom.decisions, ...am.decisions].filter((d) => !d.allowed)).toEqual([]);
  });

  it('wrong credentials: every check reading those backends is inconclusive naming 401, none passes', async () => {
    const r = await judge(WRONG);
    expect(r.verdicts.map((v) => v.checkId).sort()).toEqual([...BACKEND_CHECKS].sort());
    for (const v of r.verdicts) {
      expect(v.outcome, v.checkId).toBe('inconclusive');
      expect(v.reason, v.checkId).toMatch(/answered HTTP 401/);
    }
    expect(r.outcome).toBe('inconclusive');
    // Prometheus right, Alertmanager wrong: the check that reads Alertmanager says so.
    const amOnly = await judge({ ...RIGHT, AM_PASS: WRONG.AM_PASS });
    const arch5 = amOnly.verdicts.find((v) => v.checkId === 'arch-5-prometheus-to-alertmanager');
    expect(arch5?.outcome).toBe('inconclusive');
    expect(arch5?.reason).toMatch(/alertmanager answered HTTP 401/);
  });

  it('`verify --config` with wrong credentials exits 3 naming 401; with none it is a usage error naming the variables', async () => {
    const wrong = await cli(
      ['verify', '--config', configFile, '--since', '30s', '--only', BACKEND_CHECKS.join(',')],
      WRONG,
    );
    expect(wrong.code, wrong.out).toBe(3);
    expect(wrong.out).toMatch(/prometheus answered HTTP 401/);
    expect(wrong.out).not.toMatch(/^PASS/m);
    for (const secret of [WRONG.PROM_TOKEN, WRONG.AM_PASS]) expect(wrong.out).not.toContain(secret);

    const none = await cli(['verify', '--config', configFile, '--since', '30s'], {
      IFC_USER: 'user',
      IFC_PASS: 'user123',
    });
    expect(none.code, none.out).toBe(2);
    expect(none.out).toContain('PROM_TOKEN and TENANT and AM_USER and AM_PASS');
  });

  it('`slo-harness run --config` through the proxies: traffic, baseline and verification all authenticated', async () => {
    const before = { prom: prom.decisions.length, am: am.decisions.length };
    const r = await cli(
      [
        'run',
        '--config',
        configFile,
        '--profile',
        TINY,
        '--reports-dir',
        join(dir, 'reports'),
        '--run-id',
        'authed',
        '--progress',
        'plain',
      ],
      RIGHT,
    );
    const saved = JSON.parse(await readFile(join(dir, 'reports', 'authed', 'verdicts.json'), 'utf8')) as {
      outcome: string;
      verdicts: Array<{ checkId: string; severity: string; outcome: string; summary: string; reason?: string }>;
    };
    expect(r.code, r.out).toBe({ fail: 1, inconclusive: 3 }[saved.outcome] ?? 0);
    expect(r.out).toMatch(/baseline: job "backend-api" scraped at/);
    // KM-1…KM-3 judge this shared test machine; every other gate check passes, as on the
    // embedded default (run.integration.test.ts), now through authenticated backends.
    const host = ['km-1-cpu', 'km-2-memory', 'km-3-disk'];
    const notPassing = saved.verdicts
      .filter((v) => v.severity === 'gate' && !host.includes(v.checkId) && v.outcome !== 'pass' && !filesOnlyArch4(v))
      .map((v) => `${v.checkId} ${v.outcome}: ${v.summary} ${v.reason ?? ''}`);
    expect(notPassing).toEqual([]);
    const seen = [...prom.decisions.slice(before.prom), ...am.decisions.slice(before.am)];
    expect(prom.decisions.length - before.prom).toBeGreaterThan(10);
    expect(am.decisions.length - before.am).toBeGreaterThan(0);
    expect(seen.filter((d) => !d.allowed)).toEqual([]);
    // No secret (token, password, tenant header) on the terminal or in any file of the run.
    const runDir = join(dir, 'reports', 'authed');
    const files = await Promise.all((await readdir(runDir)).map((f) => readFile(join(runDir, f), 'utf8')));
    // The trace checks read Jaeger through its proxy too (they pass above): with the token.
    expect(jaeger.decisions.filter((d) => d.allowed).length).toBeGreaterThan(0);
    expect(jaeger.decisions.filter((d) => !d.allowed)).toEqual([]);
    for (const secret of [RIGHT.PROM_TOKEN, RIGHT.AM_PASS, RIGHT.TENANT, RIGHT.IFC_PASS, RIGHT.JAEGER_TOKEN]) {
      expect(r.out).not.toContain(secret);
      for (const text of files) expect(text).not.toContain(secret);
    }
  }, 240_000);

  it('secrets in a URL and in an Elasticsearch log store config appear nowhere: not on the terminal, not in the run directory', async () => {
    const config = await readFile(configFile, 'utf8');
    // Credentials written into a URL are refused before anything starts, without echoing them.
    const urlSecret = 'url-secret-5d1e08';
    const inUrl = join(dir, 'in-url.yaml');
    await writeFile(
      inUrl,
      config.replace(`url: "${prom.url}"`, `url: "${prom.url.replace('://', `://harness:${urlSecret}@`)}"`),
    );
    const refused = await cli(
      ['run', '--config', inUrl, '--profile', TINY, '--reports-dir', join(dir, 'r-url')],
      RIGHT,
    );
    expect(refused.code, refused.out).toBe(2);
    expect(refused.out).toMatch(/prometheus\/url/);
    expect(refused.out).not.toContain(urlSecret);
    // A log store given by env var names (here unreachable: its checks are inconclusive).
    const es = { ES_USER: 'es-user-2c4f', ES_PASS: 'es-pass-9b7c31' };
    const withEs = join(dir, 'with-es.yaml');
    const esLogs = `logs: { kind: elasticsearch, url: "http://127.0.0.1:${await freePort()}", index: app-logs, usernameEnv: ES_USER, passwordEnv: ES_PASS }`;
    await writeFile(withEs, config.replace(/logs: \{ kind: file.*\}/, esLogs));
    const r = await cli(
      [
        'run',
        '--config',
        withEs,
        '--profile',
        TINY,
        '--reports-dir',
        join(dir, 'reports'),
        '--run-id',
        'es-secret',
        '--progress',
        'plain',
      ],
      { ...RIGHT, ...es },
    );
    // Inconclusive for the log checks (KM-1…3 may fail on a busy test machine: exit 1 then).
    expect([1, 3], r.out).toContain(r.code);
    const runDir = join(dir, 'reports', 'es-secret');
    const saved = JSON.parse(await readFile(join(runDir, 'verdicts.json'), 'utf8')) as {
      verdicts: Array<{ checkId: string; outcome: string; reason?: string }>;
    };
    expect(saved.verdicts.find((v) => v.checkId === 'log-1-record-shape')).toMatchObject({
      outcome: 'inconclusive',
      reason: expect.stringMatching(/Elasticsearch unreachable/),
    });
    const files = await Promise.all((await readdir(runDir)).map((f) => readFile(join(runDir, f), 'utf8')));
    expect(files.join('\n')).toMatch(/log-1-record-shape/);
    for (const secret of [es.ES_PASS, RIGHT.PROM_TOKEN, RIGHT.AM_PASS, RIGHT.TENANT, RIGHT.JAEGER_TOKEN]) {
      expect(r.out).not.toContain(secret);
      for (const text of files) expect(text).not.toContain(secret);
    }
  }, 240_000);
});

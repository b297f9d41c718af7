import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatError, HarnessError } from '../util/errors.ts';
import { assertTrafficAllowed, backendUrlFromFlag, hostAllowed, loadTargetConfig, resolveTarget } from './target.ts';
import { loadProfile } from '../load/profile.ts';
import { buildPlan } from '../load/plan.ts';

async function file(name: string, text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slo-cfg-'));
  const p = join(dir, name);
  await writeFile(p, text);
  return p;
}

async function problemsOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(HarnessError);
    const e = err as HarnessError;
    expect(e.code).toMatch(/^CONFIG_/);
    return e.details ?? e.message;
  }
  throw new Error('expected a config error');
}

const GOOD = `
allowHosts: [api.staging.example.com, "*.obs.example.com"]
defaultTarget: staging
targets:
  staging:
    api: { baseUrl: https://api.staging.example.com, usernameEnv: IFC_USER, passwordEnv: IFC_PASS }
    prometheus: { url: https://prom.obs.example.com }
    jaeger: { url: https://jaeger.obs.example.com }
    logs: { kind: file, paths: [/var/log/app.jsonl] }
`;

describe('target config', () => {
  it('loads a valid config and resolves credentials from the named env vars', async () => {
    const p = await file('c.yaml', GOOD);
    const cfg = await loadTargetConfig(p);
    const t = resolveTarget(cfg, p, undefined, { IFC_USER: 'u', IFC_PASS: 'p' });
    expect(t).toMatchObject({
      name: 'staging',
      apiBaseUrl: 'https://api.staging.example.com',
      credentials: { username: 'u', password: 'p' },
    });
    expect(() => assertTrafficAllowed(t)).not.toThrow();
  });

  it('reports every problem at once, each with its path and line in the file', async () => {
    const p = await file(
      'bad.yaml',
      [
        'allowHosts: [127.0.0.1]',
        'targets:',
        '  prod:',
        '    api:',
        '      baseUrl: ftp://x',
        '      usernameEnv: 1BAD',
        '    prometheus: { url: http://prod-prom:9090 }',
        '    jaeger: { url: http://127.0.0.1:16686, extra: 1 }',
        '    logz: {}',
      ].join('\n'),
    );
    const out = await problemsOf(loadTargetConfig(p));
    expect(out).toContain('/targets/prod/api: missing required field "passwordEnv"');
    expect(out).toContain('/targets/prod/api/baseUrl: must match pattern');
    expect(out).toContain('/targets/prod/api/usernameEnv');
    expect(out).toContain('/targets/prod/jaeger/extra: unknown field');
    expect(out).toContain('/targets/prod/logz: unknown field');
    expect(out).toMatch(/bad\.yaml:5:\d+ {2}\/targets\/prod\/api\/baseUrl/);
    expect(out.split('\n').length).toBeGreaterThanOrEqual(5);
  });

  it('refuses targets whose hosts are not allow-listed (loopback only by default)', async () => {
    const p = await file(
      'c.yaml',
      'targets:\n  t:\n    api: { baseUrl: "http://10.0.0.5:8000", usernameEnv: U, passwordEnv: P }\n    prometheus: { url: "http://127.0.0.1:9090" }\n',
    );
    const out = await problemsOf(loadTargetConfig(p));
    expect(out).toContain(
      '/targets/t/api/baseUrl: host "10.0.0.5" is not in allowHosts (127.0.0.1, localhost, ::1, [::1])',
    );
    expect(out).not.toContain('prometheus');
  });

  it('names the missing credential variables without revealing anything', async () => {
    const p = await file('c.yaml', GOOD);
    const cfg = await loadTargetConfig(p);
    expect(() => resolveTarget(cfg, p, undefined, {})).toThrow(/IFC_USER and IFC_PASS/);
    expect(() => resolveTarget(cfg, p, 'nope', {})).toThrow(/no target "nope"/);
  });

  it('reports YAML syntax errors with their line', async () => {
    const p = await file('c.yaml', 'targets:\n  t: [unclosed\n');
    expect(await problemsOf(loadTargetConfig(p))).toMatch(/c\.yaml:\d+:\d+/);
  });

  it('matches wildcard hosts only on a real subdomain', () => {
    expect(hostAllowed('a.obs.example.com', ['*.obs.example.com'])).toBe(true);
    expect(hostAllowed('obs.example.com', ['*.obs.example.com'])).toBe(false);
    expect(hostAllowed('evilobs.example.com', ['*.obs.example.com'])).toBe(false);
    expect(hostAllowed('::1', ['[::1]'])).toBe(true);
  });

  it('`*.` allows nothing, and a trailing dot is the same host', async () => {
    expect(hostAllowed('evil.com.', ['*.'])).toBe(false);
    expect(hostAllowed('evil.com', ['*.'])).toBe(false);
    expect(hostAllowed('api.example.com.', ['api.example.com'])).toBe(true);
    expect(hostAllowed('a.example.com.', ['*.example.com'])).toBe(true);
    expect(hostAllowed('evil.com.', ['*.example.com'])).toBe(false);
    const p = await file('star.yaml', "allowHosts: ['*.']\n" + GOOD.replace(/^allowHosts:.*\n/m, ''));
    expect(await problemsOf(loadTargetConfig(p))).toMatch(
      /allowHosts\/0: "\*\." is not a host or a \*\.domain pattern/,
    );
  });

  it('an alias bomb is a problem of the file, named, not a crash', async () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const [prev, cur] of [
      ['a', 'b'],
      ['b', 'c'],
      ['c', 'd'],
      ['d', 'e'],
    ])
      levels.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    const p = await file('bomb.yaml', levels.join('\n') + '\ntargets: *e\n');
    expect(await problemsOf(loadTargetConfig(p))).toMatch(/bomb\.yaml.*cannot be read: Excessive alias count/);
  });

  it('a huge file is refused before it is parsed; thousands of problems are shown capped', async () => {
    const big = await file('big.yaml', `targets:\n${'  # padding\n'.repeat(100_000)}`);
    const err = await loadTargetConfig(big).catch((e: unknown) => e as HarnessError);
    expect((err as HarnessError).code).toBe('CONFIG_TOO_LARGE');
    const many = Array.from({ length: 300 }, (_, i) => `  t${i}: { api: { baseUrl: 'http://127.0.0.1/', bogus: 1 } }`);
    const text = await problemsOf(loadTargetConfig(await file('many.yaml', `targets:\n${many.join('\n')}\n`)));
    expect(text.split('\n').filter((l) => l.includes('many.yaml')).length).toBeLessThanOrEqual(51);
    expect(text).toMatch(/… and \d+ more problems/);
  });
});

describe('target config: the Elasticsearch log store', () => {
  const withLogs = (logs: string) => GOOD.replace('logs: { kind: file, paths: [/var/log/app.jsonl] }', `logs: ${logs}`);

  it('accepts an index with a time field, a CA file and an API key named by variable', async () => {
    const p = await file(
      'es.yaml',
      withLogs(
        '{ kind: elasticsearch, url: https://es.obs.example.com, index: "imageflow-*", timeField: "@timestamp", caFile: /etc/ssl/es-ca.pem, apiKeyEnv: ES_KEY }',
      ),
    );
    const t = resolveTarget(await loadTargetConfig(p), p, undefined, { IFC_USER: 'u', IFC_PASS: 'p', ES_KEY: 'k' });
    expect(t.logs).toMatchObject({ kind: 'elasticsearch', index: 'imageflow-*', apiKeyEnv: 'ES_KEY' });
  });

  it('refuses credentials in the URL, half a basic auth, and two ways to log in — all at once', async () => {
    const p = await file(
      'es-bad.yaml',
      withLogs(
        '{ kind: elasticsearch, url: "https://elastic:pw@es.obs.example.com", index: "x", usernameEnv: ES_USER, apiKeyEnv: ES_KEY }',
      ),
    );
    const problems = await problemsOf(loadTargetConfig(p));
    expect(problems).toContain('/targets/staging/logs/url: the URL carries credentials');
    expect(problems).toContain('basic auth needs both usernameEnv and passwordEnv');
    expect(problems).toContain('two ways to log in');
    expect(problems).not.toContain('pw@');
  });

  it("names the log store's unset credential variables before any traffic", async () => {
    const p = await file(
      'es-env.yaml',
      withLogs('{ kind: elasticsearch, url: https://es.obs.example.com, index: x, apiKeyEnv: ES_KEY }'),
    );
    const cfg = await loadTargetConfig(p);
    expect(() => resolveTarget(cfg, p, undefined, { IFC_USER: 'u', IFC_PASS: 'p' })).toThrow(/ES_KEY/);
  });
});

describe('backend auth and credentials in URLs', () => {
  const AUTH = `
targets:
  mimir:
    api: { baseUrl: http://127.0.0.1:8080, usernameEnv: IFC_USER, passwordEnv: IFC_PASS }
    prometheus:
      url: https://127.0.0.1:9009/prometheus/
      scrapeInterval: 30s
      auth: { bearerTokenEnv: PROM_TOKEN }
      headersEnv: { X-Scope-OrgID: TENANT }
      caFile: /etc/ssl/mimir-ca.pem
    alertmanager:
      url: http://127.0.0.1:9093
      auth: { basic: { usernameEnv: AM_USER, passwordEnv: AM_PASS } }
    jaeger: { url: http://127.0.0.1:16686 }
`;
  const ENV = { IFC_USER: 'u', IFC_PASS: 'p', PROM_TOKEN: 't', TENANT: 'a', AM_USER: 'x', AM_PASS: 'y' };

  it('resolves every backend as an endpoint with its auth, headers and CA', async () => {
    const p = await file('auth.yaml', AUTH);
    const t = resolveTarget(await loadTargetConfig(p), p, undefined, ENV);
    expect(t.prometheus).toEqual({
      url: 'https://127.0.0.1:9009/prometheus',
      auth: { bearerTokenEnv: 'PROM_TOKEN' },
      headersEnv: { 'X-Scope-OrgID': 'TENANT' },
      caFile: '/etc/ssl/mimir-ca.pem',
    });
    expect(t.scrapeInterval).toBe('30s');
    expect(t.alertmanager).toEqual({
      url: 'http://127.0.0.1:9093',
      auth: { basic: { usernameEnv: 'AM_USER', passwordEnv: 'AM_PASS' } },
    });
    expect(t.jaeger).toEqual({ url: 'http://127.0.0.1:16686' });
  });

  it('Jaeger takes the same auth as the other backends', async () => {
    const p = await file(
      'jaeger-auth.yaml',
      AUTH.replace(
        'jaeger: { url: http://127.0.0.1:16686 }',
        'jaeger: { url: http://127.0.0.1:16686, auth: { bearerTokenEnv: J } }',
      ),
    );
    const cfg = await loadTargetConfig(p);
    expect(resolveTarget(cfg, p, undefined, { ...ENV, J: 'j' }).jaeger).toEqual({
      url: 'http://127.0.0.1:16686',
      auth: { bearerTokenEnv: 'J' },
    });
    expect(() => resolveTarget(cfg, p, undefined, ENV)).toThrow(/needs credentials from J, which is not set/);
  });

  it('names every unset backend variable at once, for verify too (which needs no API credentials)', async () => {
    const p = await file('auth.yaml', AUTH);
    const cfg = await loadTargetConfig(p);
    expect(() =>
      resolveTarget(cfg, p, undefined, { IFC_USER: 'u', IFC_PASS: 'p' }, { needCredentials: false }),
    ).toThrow('target "mimir" needs credentials from PROM_TOKEN and TENANT and AM_USER and AM_PASS, which are not set');
  });

  it('refuses unknown auth fields, two ways to log in, half a basic auth and an Authorization header', async () => {
    const p = await file(
      'auth-bad.yaml',
      [
        'targets:',
        '  t:',
        '    api: { baseUrl: http://127.0.0.1:8080, usernameEnv: U, passwordEnv: P }',
        '    prometheus:',
        '      url: http://127.0.0.1:9090',
        '      auth: { bearerTokenEnv: T, basic: { usernameEnv: A, passwordEnv: B }, token: x }',
        '      headersEnv: { Authorization: T, X-Scope-OrgID: 1BAD }',
        '    alertmanager: { url: http://127.0.0.1:9093, auth: { basic: { usernameEnv: A } } }',
      ].join('\n'),
    );
    const out = await problemsOf(loadTargetConfig(p));
    expect(out).toContain('/targets/t/prometheus/auth/token: unknown field');
    expect(out).toContain('/targets/t/prometheus/auth: bearerTokenEnv and basic are two ways to log in');
    expect(out).toMatch(/auth-bad\.yaml:7:\d+ {2}\/targets\/t\/prometheus\/headersEnv/);
    expect(out).toContain('/targets/t/prometheus/headersEnv/X-Scope-OrgID: must match pattern');
    expect(out).toContain('/targets/t/alertmanager/auth/basic: missing required field "passwordEnv"');
  });

  it('refuses user:password@ in every URL of a target, naming the field and the fix, never the secret', async () => {
    const secret = 'hunter2-s3cret';
    const p = await file(
      'creds.yaml',
      [
        'targets:',
        '  t:',
        `    api: { baseUrl: "http://user:${secret}@127.0.0.1:8080", usernameEnv: U, passwordEnv: P }`,
        `    prometheus: { url: "http://user:${secret}@127.0.0.1:9090" }`,
        `    alertmanager: { url: "https://:${secret}@127.0.0.1:9093" }`,
        `    jaeger: { url: "http://${secret}@127.0.0.1:16686" }`,
        `    logs: { kind: elasticsearch, url: "http://elastic:${secret}@127.0.0.1:9200", index: x }`,
      ].join('\n'),
    );
    const out = await problemsOf(loadTargetConfig(p));
    for (const field of ['api/baseUrl', 'prometheus/url', 'alertmanager/url', 'jaeger/url', 'logs/url'])
      expect(out).toContain(`/targets/t/${field}: the URL carries credentials (user:password@)`);
    expect(out).toContain('with usernameEnv/passwordEnv');
    expect(out).toContain('with auth: { bearerTokenEnv }');
    expect(out).toContain('with apiKeyEnv or usernameEnv/passwordEnv');
    expect(out).not.toContain(secret);
  });

  it('an invalid URL that carries credentials is not echoed whole', async () => {
    const secret = 'hunter2-s3cret';
    const p = await file(
      'creds-invalid.yaml',
      [
        'targets:',
        '  t:',
        '    api: { baseUrl: http://127.0.0.1:8080, usernameEnv: U, passwordEnv: P }',
        `    prometheus: { url: "http://user:${secret}@[bad host:9090" }`,
      ].join('\n'),
    );
    const out = await problemsOf(loadTargetConfig(p));
    expect(out).toContain('/targets/t/prometheus/url');
    expect(out).not.toContain(secret);
  });

  it('refuses a backend flag with credentials as a usage error, without the secret', () => {
    const secret = 'hunter2-s3cret';
    for (const bad of [`http://u:${secret}@127.0.0.1:9090`, `http://u:${secret}@[bad`, `notaurl ${secret}@`]) {
      let err: unknown;
      try {
        backendUrlFromFlag('--prometheus', bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(HarnessError);
      expect((err as HarnessError).code).toMatch(/^CONFIG_/);
      expect(formatError(err)).not.toContain(secret);
      expect(formatError(err)).toContain('--prometheus');
    }
    expect(() => backendUrlFromFlag('--prometheus', 'file:///etc/passwd')).toThrow('is not an http(s) URL');
    expect(backendUrlFromFlag('--alertmanager', 'http://127.0.0.1:9093/')).toBe('http://127.0.0.1:9093');
  });
});

describe('profiles and caps', () => {
  it('loads every bundled profile and plans it within its caps', async () => {
    for (const name of ['smoke', 'gate', 'nightly', 'gameday']) {
      const plan = buildPlan(await loadProfile(name));
      expect(plan.totalSeconds).toBeGreaterThan(0);
      expect(Object.keys(plan.scenarios).length).toBeGreaterThan(0);
    }
    const gate = buildPlan(await loadProfile('gate'));
    expect(gate.totalSeconds).toBeLessThanOrEqual(15 * 60);
    const smoke = buildPlan(await loadProfile('smoke'));
    expect(smoke.totalSeconds).toBeLessThanOrEqual(120);
  });

  it('applies overrides and refuses them beyond the caps, listing every violation', async () => {
    const smoke = await loadProfile('smoke');
    const plan = buildPlan(smoke, { rate: 10, duration: '10s' });
    expect(plan.totalSeconds).toBe(20);
    expect(plan.scenarios['steady--api-steady']).toMatchObject({
      rate: 600,
      timeUnit: '1m',
      duration: '10s',
      startTime: '0s',
    });
    expect(plan.scenarios['burst--api-steady']?.startTime).toBe('10s');
    expect(() => buildPlan(smoke, { rate: 1000, execRate: 100, duration: '1h' })).toThrow(HarnessError);
    try {
      buildPlan(smoke, { rate: 1000, execRate: 100, duration: '1h' });
    } catch (err) {
      const d = (err as HarnessError).details ?? '';
      expect(d).toContain('maxRate');
      expect(d).toContain('maxExecRate');
      expect(d).toContain('maxDuration');
    }
  });

  it('rejects a profile with unknown fields and missing scenario parameters', async () => {
    const p = await file(
      'p.yaml',
      'name: x\ndescription: d\ncaps: { maxRate: 1, maxExecRate: 1, maxDuration: 1m, maxVUs: 10 }\nphases:\n  - name: a\n    duration: 10s\n    bogus: 1\n    scenarios: [{ scenario: spike }, { scenario: api-steady }]\n',
    );
    const out = await problemsOf(loadProfile(p));
    expect(out).toContain('/phases/0/bogus: unknown field');
    expect(out).toContain('spike needs "executions"');
    expect(out).toContain('api-steady needs "rate"');
  });
});

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../util/proc.ts';
import { HarnessError } from '../util/errors.ts';
import { verify } from '../verify/engine.ts';
import { settle } from '../verify/settle.ts';
import { alertmanagerSource } from './alertmanager.ts';
import { openTransport } from './http.ts';
import { prometheusSource } from './prometheus.ts';
import { answer, startTestServer, type TestServer } from './testing/server.ts';

const servers: TestServer[] = [];
const serve = async (...a: Parameters<typeof startTestServer>) => {
  const s = await startTestServer(...a);
  servers.push(s);
  return s;
};
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const ENV = { TENANT: 'team-a', API_KEY: 'k-123456', PROM_TOKEN: 'tok-s3cret', PROM_USER: 'u', PROM_PASS: 'p-s3cret' };
const OUR_HEADERS = { headersEnv: { 'X-Scope-OrgID': 'TENANT', 'X-Api-Key': 'API_KEY' } };

/** 127.0.0.1 answers 302 to the same path on `localhost`, where a sink records what arrives. */
async function redirectToLocalhost() {
  const sink = await serve(answer(200, '{"status":"success","data":{"resultType":"matrix","result":[]}}'));
  const redirector = await serve((req, res) => {
    res.writeHead(302, { location: `http://localhost:${sink.port}${req.url ?? '/'}` });
    res.end();
  });
  return { sink, redirector };
}

describe('the HTTP transport refuses redirects', () => {
  it('the test can see a leak: a client that follows the redirect reaches the sink with our headers', async () => {
    const { sink, redirector } = await redirectToLocalhost();
    await fetch(`${redirector.url}/api/v1/query`, { headers: { 'X-Scope-OrgID': 'team-a' } });
    expect(sink.seen.map((s) => s.headers['x-scope-orgid'])).toEqual(['team-a']);
  });

  it('prometheus-query calls (range, instant, series, flags) deliver none of our headers and name both hosts', async () => {
    const { sink, redirector } = await redirectToLocalhost();
    const p = prometheusSource({ url: redirector.url, retries: 0, ...OUR_HEADERS }, ENV);
    if (p instanceof HarnessError) throw p;
    const results = [
      await p.range('up', 1000, 1060, 15),
      await p.instant('up', 1060),
      await p.series('up', 1000, 1060),
      await p.flags(),
    ];
    for (const r of results) {
      expect(r).toBeInstanceOf(HarnessError);
      expect(r).toMatchObject({
        code: 'SOURCE_REDIRECT',
        message: `prometheus redirected from 127.0.0.1:${redirector.port} to localhost:${sink.port}; redirects are refused so credentials never follow them`,
      });
    }
    // The redirector saw our headers (it is the configured backend); the other host saw nothing.
    expect(redirector.seen).toHaveLength(4);
    expect(redirector.seen[0]?.headers).toMatchObject({ 'x-scope-orgid': 'team-a', 'x-api-key': 'k-123456' });
    expect(sink.seen).toEqual([]);
  });

  it('raw Prometheus reads and Alertmanager refuse it the same way', async () => {
    const { sink, redirector } = await redirectToLocalhost();
    const p = prometheusSource({ url: redirector.url, retries: 0, ...OUR_HEADERS }, ENV);
    const a = alertmanagerSource({ url: redirector.url, retries: 0, auth: { bearerTokenEnv: 'PROM_TOKEN' } }, ENV);
    if (p instanceof HarnessError || a instanceof HarnessError) throw new Error('sources not opened');
    expect(await p.rules()).toMatchObject({ code: 'SOURCE_REDIRECT' });
    expect(await a.alerts()).toMatchObject({
      code: 'SOURCE_REDIRECT',
      message: expect.stringMatching(/^alertmanager redirected from 127\.0\.0\.1:\d+ to localhost:\d+/),
    });
    expect(sink.seen).toEqual([]);
  });

  it('a redirecting backend makes its checks inconclusive with the redirect as the reason, never a pass', async () => {
    const { sink, redirector } = await redirectToLocalhost();
    const r = await verify({
      prometheus: { url: redirector.url, retries: 0, ...OUR_HEADERS },
      window: { start: new Date(Date.now() - 120_000), end: new Date(Date.now() - 60_000) },
      only: ['SLI-1', 'KM-6'],
      settle: false,
      env: ENV,
    });
    if (r instanceof HarnessError) throw r;
    // Checks that need a ledger are skipped here; every one that read Prometheus is inconclusive.
    const judged = r.verdicts.filter((v) => v.outcome !== 'skipped');
    expect(judged.length).toBeGreaterThan(0);
    for (const v of judged) {
      expect(v.outcome).toBe('inconclusive');
      expect(v.reason).toContain('redirects are refused');
    }
    expect(sink.seen).toEqual([]);
  });
});

describe('settling on a backend that refuses us', () => {
  it('stops at once on a 401 instead of waiting out the settle deadline', async () => {
    const s = await serve(answer(401, 'unauthorized', 'text/plain'));
    const p = prometheusSource({ url: s.url, backoffMs: 1 }, {});
    if (p instanceof HarnessError) throw p;
    const r = await settle(p, ['backend-api'], Date.now() / 1000, { timeoutMs: 20_000, intervalMs: 50 });
    expect(r).toMatchObject({ ok: false, reason: expect.stringContaining('answered HTTP 401') });
    expect(r.waitedMs).toBeLessThan(5_000);
    // One poll (a 401 is not retried), then one last look for the newest scrape.
    expect(s.seen).toHaveLength(2);
  });
});

describe('the HTTP transport says what came back', () => {
  it('an HTML page answered with 200 is named as such, quoted briefly', async () => {
    const s = await serve(
      answer(200, '<!doctype html><html><body>Sign in to continue' + ' '.repeat(200), 'text/html; charset=utf-8'),
    );
    const t = openTransport('prometheus', { url: s.url }, {});
    if (t instanceof HarnessError) throw t;
    const r = await t.getJson('api/v1/rules');
    expect(r).toMatchObject({
      code: 'SOURCE_BAD_RESPONSE',
      message:
        'prometheus answered 200 with text/html, not JSON: "<!doctype html><html><body>Sign in to continue                                  "',
    });
  });

  it('a 500 is a server error, retried, then reported with what the server said', async () => {
    const s = await serve(answer(500, '{"status":"error","error":"query processing would load too many samples"}'));
    const p = prometheusSource({ url: s.url, retries: 2, backoffMs: 1 }, {});
    if (p instanceof HarnessError) throw p;
    const r = await p.range('up', 1000, 1060, 15);
    expect(r).toMatchObject({
      code: 'SOURCE_HTTP_5XX',
      message: 'prometheus answered HTTP 500 (a server error): query processing would load too many samples',
    });
    expect(s.seen).toHaveLength(3);
  });

  it('a 400 keeps Prometheus’ explanation and is not retried', async () => {
    const s = await serve(answer(400, '{"status":"error","errorType":"bad_data","error":"parse error at char 3"}'));
    const p = prometheusSource({ url: s.url, backoffMs: 1 }, {});
    if (p instanceof HarnessError) throw p;
    expect(await p.instant('up{', 1060)).toMatchObject({
      code: 'SOURCE_BAD_QUERY',
      message: expect.stringContaining('parse error at char 3'),
    });
    expect(s.seen).toHaveLength(1);
  });

  it('a 401 names the environment variables to check and never echoes the secret', async () => {
    const s = await serve(answer(401, 'invalid token tok-s3cret', 'text/plain'));
    const p = prometheusSource({ url: s.url, auth: { bearerTokenEnv: 'PROM_TOKEN' }, ...OUR_HEADERS }, ENV);
    if (p instanceof HarnessError) throw p;
    const r = await p.range('up', 1000, 1060, 15);
    expect(r).toMatchObject({
      code: 'SOURCE_AUTH',
      message: 'prometheus answered HTTP 401 (a client error): invalid token ***',
      hint: expect.stringContaining('PROM_TOKEN, TENANT, API_KEY'),
    });
    expect(JSON.stringify(r) + (r as HarnessError).message).not.toContain('tok-s3cret');
  });
});

describe('the HTTP transport authenticates from environment variable names', () => {
  it('sends a bearer token, basic auth and extra headers', async () => {
    const s = await serve(answer(200, '[]'));
    const bearer = alertmanagerSource({ url: s.url, auth: { bearerTokenEnv: 'PROM_TOKEN' }, ...OUR_HEADERS }, ENV);
    const basic = alertmanagerSource(
      { url: s.url, auth: { basic: { usernameEnv: 'PROM_USER', passwordEnv: 'PROM_PASS' } } },
      ENV,
    );
    if (bearer instanceof HarnessError || basic instanceof HarnessError) throw new Error('sources not opened');
    expect(await bearer.alerts()).toEqual({ kind: 'alerts', alerts: [] });
    expect(await basic.alerts()).toEqual({ kind: 'alerts', alerts: [] });
    expect(s.seen[0]?.headers).toMatchObject({
      authorization: 'Bearer tok-s3cret',
      'x-scope-orgid': 'team-a',
      'x-api-key': 'k-123456',
    });
    expect(s.seen[1]?.headers.authorization).toBe(`Basic ${Buffer.from('u:p-s3cret').toString('base64')}`);
  });

  it('names every missing variable at once, before any request', async () => {
    const r = prometheusSource(
      {
        url: 'http://127.0.0.1:1',
        auth: { basic: { usernameEnv: 'U1', passwordEnv: 'P1' } },
        headersEnv: { 'X-Scope-OrgID': 'T1' },
      },
      {},
    );
    expect(r).toMatchObject({
      code: 'CONFIG_AUTH_ENV',
      message: 'prometheus needs environment variables U1, P1, T1, not set',
    });
  });

  it('trusts the CA file it is given (and only the system CAs without it)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slo-ca-'));
    try {
      const r = await runCommand('openssl', [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ]);
      expect(r.code, r.stderr).toBe(0);
      const server = createHttpsServer(
        { key: await readFile(join(dir, 'key.pem')), cert: await readFile(join(dir, 'cert.pem')) },
        answer(200, '[]'),
      );
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        const trusted = alertmanagerSource({ url, caFile: join(dir, 'cert.pem') }, {});
        const untrusted = alertmanagerSource({ url, retries: 0 }, {});
        if (trusted instanceof HarnessError || untrusted instanceof HarnessError) throw new Error('not opened');
        expect(await trusted.alerts()).toEqual({ kind: 'alerts', alerts: [] });
        expect(await untrusted.alerts()).toMatchObject({
          code: 'SOURCE_UNREACHABLE',
          message: expect.stringMatching(/self-signed certificate/),
        });
      } finally {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names an unreadable CA file', () => {
    const r = openTransport('alertmanager', { url: 'https://127.0.0.1:1', caFile: '/nonexistent/ca.pem' }, {});
    expect(r).toMatchObject({ code: 'CONFIG_CA_FILE', message: expect.stringContaining('/nonexistent/ca.pem') });
  });
});

import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { HarnessError } from '../util/errors.ts';
import { redactSecrets, redactUrl } from '../util/redact.ts';
import { delay } from '../util/wait.ts';

/**
 * The one HTTP transport of every backend (Prometheus — also under prometheus-query —,
 * Alertmanager, the baseline probe): timeouts, retries on transient failures only, no
 * redirects, and per-backend auth whose secrets come from environment variables *named*
 * in the target config. Built on node:http, which never follows a redirect by itself.
 */

/** How a backend wants us to log in; each field names an environment variable. */
export type BackendAuth = { bearerTokenEnv: string } | { basic: { usernameEnv: string; passwordEnv: string } };

/** How to reach one backend. Secrets never sit in config: it names environment variables. */
export interface Endpoint {
  url: string;
  auth?: BackendAuth;
  /** Header name → environment variable holding its value (e.g. X-Scope-OrgID → TENANT). */
  headersEnv?: Record<string, string>;
  /** A PEM file with the CA that signed the backend's certificate (default: the system's CAs). */
  caFile?: string;
  timeoutMs?: number;
  /** Attempts after the first one, for transient failures only (network, timeout, 5xx). */
  retries?: number;
  backoffMs?: number;
}

/** The environment variables an endpoint reads, for messages and up-front checks. */
export function endpointEnvNames(ep: Endpoint): string[] {
  const a = ep.auth;
  const auth = !a ? [] : 'bearerTokenEnv' in a ? [a.bearerTokenEnv] : [a.basic.usernameEnv, a.basic.passwordEnv];
  return [...auth, ...Object.values(ep.headersEnv ?? {})];
}

/** The headers an endpoint sends, read from the environment; every missing variable at once. */
export function resolveHeaders(
  backend: string,
  ep: Endpoint,
  env: NodeJS.ProcessEnv,
): Record<string, string> | HarnessError {
  const missing = endpointEnvNames(ep).filter((n) => !env[n]);
  if (missing.length) {
    return new HarnessError(
      'CONFIG_AUTH_ENV',
      `${backend} needs environment variable${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, not set`,
      { hint: `export ${missing.map((m) => `${m}=…`).join(' ')} (the config names the variables, never the secrets)` },
    );
  }
  const out: Record<string, string> = {};
  for (const [header, name] of Object.entries(ep.headersEnv ?? {})) out[header] = env[name] as string;
  const a = ep.auth;
  if (a && 'bearerTokenEnv' in a) out.Authorization = `Bearer ${env[a.bearerTokenEnv] as string}`;
  else if (a) {
    const pair = `${env[a.basic.usernameEnv] as string}:${env[a.basic.passwordEnv] as string}`;
    out.Authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  }
  return out;
}

/** A failure a retry may cure. */
export function isTransient(err: HarnessError): boolean {
  return err.code === 'SOURCE_UNREACHABLE' || err.code === 'SOURCE_TIMEOUT' || err.code === 'SOURCE_HTTP_5XX';
}

/** Runs `op` with exponential backoff on transient errors; returns the last error as a value. */
export async function withRetry<T>(
  op: () => Promise<T | HarnessError>,
  ep: Pick<Endpoint, 'retries' | 'backoffMs'>,
): Promise<T | HarnessError> {
  const retries = ep.retries ?? 2;
  let wait = ep.backoffMs ?? 200;
  for (let attempt = 0; ; attempt++) {
    const r = await op();
    if (!(r instanceof HarnessError) || !isTransient(r) || attempt >= retries) return r;
    await delay(wait);
    wait *= 2;
  }
}

/** One answer, read whole. */
export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export interface Transport {
  readonly backend: string;
  /** The base URL, without trailing slash (may be printed: redact it first). */
  readonly baseUrl: string;
  /** One request, no retry: a 2xx answer, or the failure as a value naming what came back. */
  send(req: {
    method?: string;
    path: string;
    body?: string;
    headers?: Record<string, string>;
  }): Promise<HttpAnswer | HarnessError>;
  /** GET a JSON document (path relative to the base URL), with retries on transient failures. */
  getJson(path: string): Promise<unknown | HarnessError>;
}

const hostOf = (u: URL) => u.host;

/** Parses a 2xx body as JSON, or says what came back instead. */
export function parseJsonAnswer(backend: string, a: HttpAnswer, where: string, secrets: string[] = []): unknown {
  const type = String(a.headers['content-type'] ?? 'no content type').split(';')[0];
  try {
    return JSON.parse(a.text) as unknown;
  } catch {
    return new HarnessError(
      'SOURCE_BAD_RESPONSE',
      `${backend} answered ${a.status} with ${type}, not JSON: ${JSON.stringify(redactSecrets(a.text.slice(0, 80), secrets))}`,
      { where, hint: `is ${new URL(where).origin} really ${backend}'s API (not a login page or another service)?` },
    );
  }
}

/**
 * Opens the transport of one backend: headers resolved from the environment and the CA file
 * read now, so a missing variable or file is an error before any request is made.
 */
export function openTransport(
  backend: string,
  ep: Endpoint,
  env: NodeJS.ProcessEnv = process.env,
): Transport | HarnessError {
  const headers = resolveHeaders(backend, ep, env);
  if (headers instanceof HarnessError) return headers;
  let ca: Buffer | undefined;
  if (ep.caFile) {
    try {
      ca = readFileSync(ep.caFile);
    } catch (err) {
      return new HarnessError('CONFIG_CA_FILE', `cannot read the CA file ${ep.caFile} of ${backend}`, { cause: err });
    }
  }
  const baseUrl = ep.url.replace(/\/+$/, '');
  const secrets = Object.values(headers).flatMap((v) => [v, v.replace(/^(Bearer|Basic) /, '')]);
  const timeout = ep.timeoutMs ?? 10_000;
  const envNames = endpointEnvNames(ep);

  const send: Transport['send'] = (req) => {
    const target = new URL(`${baseUrl}/${req.path.replace(/^\//, '')}`);
    const where = redactUrl(target.toString());
    return new Promise((resolve) => {
      const opts = {
        method: req.method ?? 'GET',
        headers: { accept: 'application/json', ...(req.headers ?? {}), ...headers },
        signal: AbortSignal.timeout(timeout),
        ...(ca ? { ca } : {}),
      };
      const r = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, opts, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => resolve(failure(err)));
        res.on('end', () => {
          const answer = { status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() };
          resolve(answer.status >= 200 && answer.status < 300 ? answer : httpFailure(answer));
        });
      });
      r.on('error', (err) => resolve(failure(err)));
      r.end(req.body);
    });

    function failure(err: Error): HarnessError {
      const timedOut = err.name === 'AbortError' || err.name === 'TimeoutError';
      const cause = err.cause instanceof Error ? err.cause.message : err.message;
      return new HarnessError(
        timedOut ? 'SOURCE_TIMEOUT' : 'SOURCE_UNREACHABLE',
        timedOut ? `${backend} did not answer within ${timeout} ms` : `${backend} unreachable: ${redactUrl(cause)}`,
        { where, hint: `is ${backend} running at ${redactUrl(target.origin)}?` },
      );
    }

    function httpFailure(a: HttpAnswer): HarnessError {
      if (a.status >= 300 && a.status < 400) {
        let to = String(a.headers.location ?? '');
        try {
          to = hostOf(new URL(to, target));
        } catch {
          to = to ? redactUrl(to) : 'an unnamed location';
        }
        return new HarnessError(
          'SOURCE_REDIRECT',
          `${backend} redirected from ${target.host} to ${to}; redirects are refused so credentials never follow them`,
          { where, hint: `configure ${backend}'s final URL in the target config (HTTP ${a.status})` },
        );
      }
      // Prometheus and Alertmanager explain a refusal in JSON `error`; anything else is quoted.
      let said = '';
      try {
        const body = JSON.parse(a.text) as { error?: unknown };
        said = typeof body.error === 'string' ? body.error : '';
      } catch {
        /* not JSON: quoted below */
      }
      said = (said || a.text.slice(0, 200)).trim();
      const text = redactSecrets(said, secrets);
      const kind = a.status >= 500 ? 'a server error' : 'a client error';
      const code =
        a.status >= 500
          ? 'SOURCE_HTTP_5XX'
          : a.status === 401 || a.status === 403
            ? 'SOURCE_AUTH'
            : a.status === 400 || a.status === 422
              ? 'SOURCE_BAD_QUERY'
              : 'SOURCE_HTTP';
      const hint =
        code !== 'SOURCE_AUTH'
          ? undefined
          : envNames.length
            ? `check the credentials in ${envNames.join(', ')} (the ${backend} entry of the target config names them)`
            : `${backend} wants credentials: give its target config entry auth (bearerTokenEnv or basic) or headersEnv`;
      return new HarnessError(code, `${backend} answered HTTP ${a.status} (${kind}): ${text}`, {
        where,
        ...(hint ? { hint } : {}),
      });
    }
  };

  return {
    backend,
    baseUrl,
    send,
    getJson: (path) =>
      withRetry(async () => {
        const a = await send({ path });
        return a instanceof HarnessError
          ? a
          : parseJsonAnswer(backend, a, redactUrl(`${baseUrl}/${path.replace(/^\//, '')}`), secrets);
      }, ep),
  };
}

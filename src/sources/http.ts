import { HarnessError } from '../util/errors.ts';
import { delay } from '../util/wait.ts';

/** How to reach one backend. Secrets never sit in config: headers name environment variables. */
export interface Endpoint {
  url: string;
  timeoutMs?: number;
  /** Attempts after the first one, for transient failures only (network, timeout, 5xx). */
  retries?: number;
  backoffMs?: number;
  /** Header name → environment variable holding its value (e.g. Authorization → PROM_AUTH). */
  headersFromEnv?: Record<string, string>;
}

export function resolveHeaders(ep: Endpoint, env: NodeJS.ProcessEnv): Record<string, string> | HarnessError {
  const out: Record<string, string> = {};
  for (const [header, name] of Object.entries(ep.headersFromEnv ?? {})) {
    const v = env[name];
    if (v === undefined || v === '') {
      return new HarnessError(
        'CONFIG_AUTH_ENV',
        `header ${header} needs environment variable ${name}, which is not set`,
        {
          hint: `export ${name}=… (its value is sent as the ${header} header)`,
        },
      );
    }
    out[header] = v;
  }
  return out;
}

/** A failure a retry may cure. */
export function isTransient(err: HarnessError): boolean {
  return err.code === 'SOURCE_UNREACHABLE' || err.code === 'SOURCE_TIMEOUT' || err.code === 'SOURCE_HTTP_5XX';
}

/** Runs `op` with exponential backoff on transient errors; returns the last error as a value. */
export async function withRetry<T>(op: () => Promise<T | HarnessError>, ep: Endpoint): Promise<T | HarnessError> {
  const retries = ep.retries ?? 2;
  let wait = ep.backoffMs ?? 200;
  for (let attempt = 0; ; attempt++) {
    const r = await op();
    if (!(r instanceof HarnessError) || !isTransient(r) || attempt >= retries) return r;
    await delay(wait);
    wait *= 2;
  }
}

/** GET a JSON document with a timeout; failures become HarnessErrors with stable codes. */
export async function getJson(
  backend: string,
  url: string,
  ep: Endpoint,
  headers: Record<string, string>,
): Promise<unknown | HarnessError> {
  const timeout = ep.timeoutMs ?? 10_000;
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { accept: 'application/json', ...headers },
      // Auth headers from the environment must not follow a redirect to another host.
      redirect: 'error',
      signal: AbortSignal.timeout(timeout),
    });
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    const cause =
      err instanceof Error && err.cause instanceof Error
        ? err.cause.message
        : err instanceof Error
          ? err.message
          : String(err);
    return new HarnessError(
      timedOut ? 'SOURCE_TIMEOUT' : 'SOURCE_UNREACHABLE',
      timedOut ? `${backend} did not answer within ${timeout} ms` : `${backend} unreachable: ${cause}`,
      {
        where: url,
        hint: `is ${backend} running at ${new URL(url).origin}?`,
      },
    );
  }
  const text = await res.text();
  if (!res.ok) {
    return new HarnessError(
      res.status >= 500 ? 'SOURCE_HTTP_5XX' : 'SOURCE_HTTP',
      `${backend} answered HTTP ${res.status}: ${text.slice(0, 200)}`,
      {
        where: url,
        hint: res.status === 401 || res.status === 403 ? 'check the auth header environment variables' : undefined,
      },
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return new HarnessError('SOURCE_BAD_RESPONSE', `${backend} answered with something that is not JSON`, {
      where: url,
      details: text.slice(0, 200),
    });
  }
}

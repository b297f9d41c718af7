/**
 * Scenario parameters come from `__ENV` (k6 `-e NAME=value` or the environment), so the
 * same script runs under the harness and bare. Every read has a default that makes a bare
 * `k6 run` against the embedded default work.
 */
export function envString(name: string, fallback: string): string {
  const v = __ENV[name];
  return v === undefined || v === '' ? fallback : v;
}

export function envNumber(name: string, fallback: number): number {
  const v = __ENV[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`__ENV.${name}=${v} is not a number`);
  return n;
}

/** The API base URL without a trailing slash, e.g. http://127.0.0.1:8080 (routes add /v1). */
export function baseUrl(): string {
  return envString('BASE_URL', 'http://127.0.0.1:8000').replace(/\/+$/, '');
}

export interface Credentials {
  username: string;
  password: string;
}

/** Credentials arrive as values in env (the harness resolves its env-var *names* first). */
export function credentials(): Credentials {
  return { username: envString('API_USERNAME', 'user'), password: envString('API_PASSWORD', 'user123') };
}

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ElasticsearchLogConfig } from '../sources/elasticsearch-logs.ts';
import { endpointEnvNames, type BackendAuth, type Endpoint } from '../sources/http.ts';
import { stackUrls } from '../stack/lifecycle.ts';
import type { StackState } from '../stack/state.ts';
import { HarnessError } from '../util/errors.ts';
import { hasUrlCredentials, redactUrl } from '../util/redact.ts';
import { loadDataFile, type Problem } from '../util/schema-file.ts';
import { telemetryNamesSchema, type TelemetryNames } from '../model/context.ts';

/**
 * A backend the harness reads (Prometheus, Alertmanager): its URL and how to log in. Every
 * secret comes from an environment variable named here; the URL itself carries none.
 */
export interface BackendSpec {
  url: string;
  auth?: BackendAuth;
  /** Extra headers, e.g. `X-Scope-OrgID` for Mimir/Cortex/Thanos: header → variable name. */
  headersEnv?: Record<string, string>;
  caFile?: string;
}

/**
 * The target configuration: where the system under test and its observability live, how
 * to log in (names of environment variables, never the secrets), and which hosts the
 * harness may send traffic to. See docs/run.md for the format.
 */
export interface TargetSpec {
  api: { baseUrl: string; usernameEnv: string; passwordEnv: string };
  /** The scrape/evaluation intervals of that Prometheus (windows align to them; default 15s). */
  prometheus?: BackendSpec & { scrapeInterval?: string; evaluationInterval?: string };
  alertmanager?: BackendSpec;
  jaeger?: BackendSpec;
  logs?: LogsSpec;
  /**
   * Names the spec leaves open (KM-6/KM-8 metrics, the API job, execution status labels),
   * for a deployment that names things its own way. Defaults: the reference system's names.
   */
  telemetry?: TelemetryNames;
  /** Lowers (never raises) the profile's caps for this target. */
  caps?: { maxRate?: number; maxExecRate?: number; maxDuration?: string; maxVUs?: number };
}

/** JSON-lines files, or an Elasticsearch index (credentials named by environment variables). */
export type LogsSpec =
  | { kind: 'file'; paths: string[] }
  | ({ kind: 'elasticsearch' } & Pick<
      ElasticsearchLogConfig,
      'url' | 'index' | 'timeField' | 'malformedQuery' | 'apiKeyEnv' | 'usernameEnv' | 'passwordEnv' | 'caFile'
    >);

export interface TargetConfig {
  /** Hosts traffic may go to: exact names/IPs or `*.example.com`. Default: loopback only. */
  allowHosts?: string[];
  defaultTarget?: string;
  targets: Record<string, TargetSpec>;
}

const URL_FIELD = { type: 'string', pattern: '^https?://' } as const;
const DURATION_FIELD = { type: 'string', pattern: '^([0-9]+(ms|s|m|h))+$' } as const;
const ENV_NAME = { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' } as const;
/** url + auth (one of bearerTokenEnv / basic) + headersEnv + caFile. */
const BACKEND_PROPS = {
  url: URL_FIELD,
  auth: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: {
      bearerTokenEnv: ENV_NAME,
      basic: {
        type: 'object',
        additionalProperties: false,
        required: ['usernameEnv', 'passwordEnv'],
        properties: { usernameEnv: ENV_NAME, passwordEnv: ENV_NAME },
      },
    },
  },
  headersEnv: {
    type: 'object',
    // An HTTP header name (RFC 9110 token); Authorization belongs in `auth`.
    propertyNames: {
      pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$",
      not: { pattern: '^[Aa][Uu][Tt][Hh][Oo][Rr][Ii][Zz][Aa][Tt][Ii][Oo][Nn]$' },
    },
    additionalProperties: ENV_NAME,
  },
  caFile: { type: 'string', minLength: 1 },
} as const;

export const TARGET_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['targets'],
  properties: {
    allowHosts: { type: 'array', items: { type: 'string', minLength: 1 } },
    defaultTarget: { type: 'string' },
    targets: {
      type: 'object',
      minProperties: 1,
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['api'],
        properties: {
          api: {
            type: 'object',
            additionalProperties: false,
            required: ['baseUrl', 'usernameEnv', 'passwordEnv'],
            properties: { baseUrl: URL_FIELD, usernameEnv: ENV_NAME, passwordEnv: ENV_NAME },
          },
          prometheus: {
            type: 'object',
            additionalProperties: false,
            required: ['url'],
            properties: { ...BACKEND_PROPS, scrapeInterval: DURATION_FIELD, evaluationInterval: DURATION_FIELD },
          },
          alertmanager: { type: 'object', additionalProperties: false, required: ['url'], properties: BACKEND_PROPS },
          jaeger: { type: 'object', additionalProperties: false, required: ['url'], properties: BACKEND_PROPS },
          telemetry: telemetryNamesSchema,
          logs: {
            type: 'object',
            required: ['kind'],
            properties: { kind: { enum: ['file', 'elasticsearch'] } },
            oneOf: [
              {
                additionalProperties: false,
                required: ['kind', 'paths'],
                properties: {
                  kind: { const: 'file' },
                  paths: { type: 'array', minItems: 1, items: { type: 'string' } },
                },
              },
              {
                additionalProperties: false,
                required: ['kind', 'url', 'index'],
                properties: {
                  kind: { const: 'elasticsearch' },
                  url: URL_FIELD,
                  caFile: { type: 'string', minLength: 1 },
                  index: { type: 'string', minLength: 1 },
                  timeField: { type: 'string', minLength: 1 },
                  malformedQuery: { type: 'string', minLength: 1 },
                  apiKeyEnv: ENV_NAME,
                  usernameEnv: ENV_NAME,
                  passwordEnv: ENV_NAME,
                },
              },
            ],
          },
          caps: {
            type: 'object',
            additionalProperties: false,
            properties: {
              maxRate: { type: 'number', exclusiveMinimum: 0 },
              maxExecRate: { type: 'number', exclusiveMinimum: 0 },
              maxDuration: { type: 'string', pattern: '^(\\d+(\\.\\d+)?(ms|s|m|h))+$' },
              maxVUs: { type: 'integer', minimum: 1 },
            },
          },
        },
      },
    },
  },
} as const;

export const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '::1', '[::1]'];

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return undefined;
  }
}

export function hostAllowed(host: string, allow: readonly string[]): boolean {
  // `example.com.` (absolute form) is the host `example.com`: compare without the final dot.
  const bare = (s: string) =>
    s
      .replace(/^\[|\]$/g, '')
      .toLowerCase()
      .replace(/\.$/, '');
  const h = bare(host);
  return allow.some((a) => {
    const p = bare(a);
    // `*.` alone (or `*.` + nothing but dots) names no domain: it never matches.
    if (p.startsWith('*.')) return /[^.]/.test(p.slice(2)) && h.endsWith(p.slice(1)) && h.length > p.length - 1;
    return h === p;
  });
}

/** Every URL of a target with its path in the file, for the allow-list check. */
function targetUrls(name: string, t: TargetSpec): Array<{ path: string; url: string }> {
  const at = `/targets/${name}`;
  const out = [{ path: `${at}/api/baseUrl`, url: t.api.baseUrl }];
  if (t.prometheus) out.push({ path: `${at}/prometheus/url`, url: t.prometheus.url });
  if (t.alertmanager) out.push({ path: `${at}/alertmanager/url`, url: t.alertmanager.url });
  if (t.jaeger) out.push({ path: `${at}/jaeger/url`, url: t.jaeger.url });
  if (t.logs?.kind === 'elasticsearch') out.push({ path: `${at}/logs/url`, url: t.logs.url });
  return out;
}

/** The allow-list rule as file problems: each URL to a host not allowed is one problem. */
export function allowListProblems(cfg: TargetConfig): Problem[] {
  const allow = cfg.allowHosts ?? LOOPBACK_HOSTS;
  const problems: Problem[] = [];
  if (cfg.defaultTarget !== undefined && !(cfg.defaultTarget in cfg.targets)) {
    problems.push({ path: '/defaultTarget', message: `no target named "${cfg.defaultTarget}" under /targets` });
  }
  (cfg.allowHosts ?? []).forEach((a, i) => {
    // `*` or `*.` alone name no domain; a `*` anywhere but a leading `*.` matches nothing sensible.
    if (!/^(\*\.)?[^*\s]*[^*.\s][^*\s]*$/.test(a))
      problems.push({
        path: `/allowHosts/${i}`,
        message: `"${a}" is not a host or a *.domain pattern: write api.example.com or *.example.com`,
      });
  });
  for (const [name, t] of Object.entries(cfg.targets)) {
    for (const { path, url } of targetUrls(name, t)) {
      const host = hostOf(url);
      if (typeof url === 'string' && hasUrlCredentials(url)) problems.push(urlCredentialsProblem(path));
      else if (!host) problems.push({ path, message: `"${redactUrl(String(url))}" is not a valid URL` });
      else if (!hostAllowed(host, allow)) {
        problems.push({
          path,
          message: `host "${host}" is not in allowHosts (${allow.join(', ')}): the harness refuses to send traffic there`,
        });
      }
    }
  }
  return problems;
}

/** A URL with `user:secret@` is refused, and its text is never repeated (it holds the secret). */
function urlCredentialsProblem(path: string): Problem {
  const fix = path.endsWith('/api/baseUrl')
    ? 'usernameEnv/passwordEnv'
    : path.endsWith('/logs/url')
      ? 'apiKeyEnv or usernameEnv/passwordEnv'
      : 'auth: { bearerTokenEnv } or auth: { basic: { usernameEnv, passwordEnv } }';
  return {
    path,
    message: `the URL carries credentials (user:password@): remove them and name environment variables holding them with ${fix}`,
  };
}

/** Backend auth the schema cannot say plainly: one way to log in. */
export function backendAuthProblems(cfg: TargetConfig): Problem[] {
  const problems: Problem[] = [];
  for (const [name, t] of Object.entries(cfg.targets)) {
    for (const b of ['prometheus', 'alertmanager', 'jaeger'] as const) {
      const a = t[b]?.auth as Record<string, unknown> | undefined;
      if (a && 'bearerTokenEnv' in a && 'basic' in a)
        problems.push({
          path: `/targets/${name}/${b}/auth`,
          message: 'bearerTokenEnv and basic are two ways to log in: keep one',
        });
    }
  }
  return problems;
}

/** The log store's rules the schema cannot say plainly: no secrets in the URL, whole credentials. */
export function logStoreProblems(cfg: TargetConfig): Problem[] {
  const problems: Problem[] = [];
  for (const [name, t] of Object.entries(cfg.targets)) {
    const l = t.logs;
    if (l?.kind !== 'elasticsearch') continue;
    const at = `/targets/${name}/logs`;
    if ((l.usernameEnv === undefined) !== (l.passwordEnv === undefined))
      problems.push({ path: at, message: 'basic auth needs both usernameEnv and passwordEnv' });
    if (l.apiKeyEnv !== undefined && l.usernameEnv !== undefined)
      problems.push({ path: at, message: 'apiKeyEnv and usernameEnv/passwordEnv are two ways to log in: keep one' });
  }
  return problems;
}

export async function loadTargetConfig(file: string): Promise<TargetConfig> {
  return loadDataFile<TargetConfig>(resolve(file), TARGET_CONFIG_SCHEMA, 'target config', (cfg) => [
    ...allowListProblems(cfg),
    ...logStoreProblems(cfg),
    ...backendAuthProblems(cfg),
  ]);
}

/** What the rest of the run needs to know about the target, credentials resolved. */
export interface ResolvedTarget {
  name: string;
  embedded: boolean;
  apiBaseUrl: string;
  credentials: { username: string; password: string };
  /** Every backend as the transport opens it: URL, auth, headers, CA. */
  prometheus?: Endpoint;
  telemetry?: Partial<TelemetryNames>;
  /** Prometheus' scrape and rule evaluation intervals, e.g. "15s". */
  scrapeInterval?: string;
  evaluationInterval?: string;
  alertmanager?: Endpoint;
  /** Jaeger's query API, for the trace backend. */
  jaeger?: Endpoint;
  logs?: LogsSpec;
  caps?: TargetSpec['caps'];
  /** The hosts this target may receive traffic on. */
  allowHosts: string[];
  /** Embedded only: the reference system's fault-injection admin token. */
  adminToken?: string;
}

/** Picks a target from a config and resolves its credential env vars (all missing ones reported at once). */
export function resolveTarget(
  cfg: TargetConfig,
  file: string,
  name: string | undefined,
  env: NodeJS.ProcessEnv,
  /** `verify` reads telemetry only: it sends no traffic and needs no API credentials. */
  opts: { needCredentials?: boolean } = {},
): ResolvedTarget {
  const names = Object.keys(cfg.targets);
  const chosen = name ?? cfg.defaultTarget ?? (names.length === 1 ? names[0] : undefined);
  if (!chosen) {
    throw new HarnessError('CONFIG_TARGET_AMBIGUOUS', `${file} defines ${names.length} targets and no defaultTarget`, {
      hint: `choose one with --target (${names.join(', ')})`,
    });
  }
  const t = cfg.targets[chosen];
  if (!t) {
    throw new HarnessError('CONFIG_TARGET_UNKNOWN', `no target "${chosen}" in ${file}`, {
      hint: `targets defined there: ${names.join(', ')}`,
    });
  }
  const needCredentials = opts.needCredentials ?? true;
  // The log store's credentials are needed by `verify` too: checked here, before any traffic.
  const logEnvs = t.logs?.kind === 'elasticsearch' ? [t.logs.apiKeyEnv, t.logs.usernameEnv, t.logs.passwordEnv] : [];
  const prometheus = t.prometheus ? endpointOf(t.prometheus) : undefined;
  const alertmanager = t.alertmanager ? endpointOf(t.alertmanager) : undefined;
  const jaeger = t.jaeger ? endpointOf(t.jaeger) : undefined;
  // Backend credentials are read by `run` and `verify` alike: all missing ones named at once.
  const backendEnvs = [prometheus, alertmanager, jaeger].flatMap((e) => (e ? endpointEnvNames(e) : []));
  const missing = [
    ...new Set([...(needCredentials ? [t.api.usernameEnv, t.api.passwordEnv] : []), ...logEnvs, ...backendEnvs]),
  ].filter((v): v is string => v !== undefined && !env[v]);
  if (missing.length) {
    throw new HarnessError(
      'CONFIG_CREDENTIALS_MISSING',
      `target "${chosen}" needs credentials from ${missing.join(' and ')}, which ${missing.length > 1 ? 'are' : 'is'} not set`,
      {
        where: `${file} /targets/${chosen}`,
        hint: `export ${missing.map((m) => `${m}=…`).join(' ')} before running (the config names the variables, it never holds the secrets)`,
      },
    );
  }
  return {
    name: chosen,
    embedded: false,
    apiBaseUrl: t.api.baseUrl.replace(/\/+$/, ''),
    credentials: { username: env[t.api.usernameEnv] ?? '', password: env[t.api.passwordEnv] ?? '' },
    ...(prometheus ? { prometheus } : {}),
    ...(t.telemetry ? { telemetry: t.telemetry } : {}),
    ...(t.prometheus?.scrapeInterval ? { scrapeInterval: t.prometheus.scrapeInterval } : {}),
    ...(t.prometheus?.evaluationInterval ? { evaluationInterval: t.prometheus.evaluationInterval } : {}),
    ...(alertmanager ? { alertmanager } : {}),
    ...(jaeger ? { jaeger } : {}),
    ...(t.logs ? { logs: t.logs } : {}),
    ...(t.caps ? { caps: t.caps } : {}),
    allowHosts: cfg.allowHosts ?? LOOPBACK_HOSTS,
  };
}

/** A config backend entry as the transport's endpoint (interval fields dropped). */
function endpointOf(b: BackendSpec): Endpoint {
  return {
    url: b.url.replace(/\/+$/, ''),
    ...(b.auth ? { auth: b.auth } : {}),
    ...(b.headersEnv ? { headersEnv: b.headersEnv } : {}),
    ...(b.caFile ? { caFile: b.caFile } : {}),
  };
}

/**
 * The embedded default: the stack this harness started, on loopback, with the reference
 * system's documented users (nothing secret leaves this machine). The same shape `run` and
 * `verify` get from a config file.
 */
export function embeddedTarget(state: StackState): ResolvedTarget {
  const urls = stackUrls(state);
  return {
    name: 'embedded',
    embedded: true,
    apiBaseUrl: urls.backendApi,
    credentials: { username: 'user', password: 'user123' },
    prometheus: { url: urls.prometheus },
    scrapeInterval: state.scrapeInterval,
    evaluationInterval: state.evaluationInterval,
    alertmanager: { url: urls.alertmanager },
    jaeger: { url: urls.jaegerQuery },
    logs: { kind: 'file', paths: Object.values(urls.appLogs) },
    allowHosts: LOOPBACK_HOSTS,
    adminToken: urls.adminToken,
  };
}

/**
 * A backend URL given on the command line (`verify --prometheus URL`): http(s) only, and no
 * credentials inside it — refused as a usage error that never repeats the secret.
 */
export function backendUrlFromFlag(flag: string, value: string): string {
  if (hasUrlCredentials(value)) {
    throw new HarnessError('CONFIG_URL_CREDENTIALS', `${flag}: the URL carries credentials (user:password@)`, {
      hint: `remove them from the URL and name environment variables instead: a target config (--config) entry with auth: { bearerTokenEnv } or auth: { basic: { usernameEnv, passwordEnv } }${flag === '--prometheus' ? ', or --prometheus-header-env Authorization=ENV_VAR' : ''}`,
    });
  }
  let u: URL | undefined;
  try {
    u = new URL(value);
  } catch {
    u = undefined;
  }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) {
    throw new HarnessError('CONFIG_BACKEND_URL', `${flag} "${redactUrl(value)}" is not an http(s) URL`, {
      hint: `e.g. ${flag} http://127.0.0.1:9090`,
    });
  }
  return value.replace(/\/+$/, '');
}

/**
 * The last line of defence, checked right before k6 starts: the API host must be allowed.
 * (Config loading already refused such files; this also covers programmatic callers.)
 */
export function assertTrafficAllowed(target: ResolvedTarget): void {
  const host = hostOf(target.apiBaseUrl);
  if (!host || !hostAllowed(host, target.allowHosts)) {
    throw new HarnessError(
      'CONFIG_HOST_NOT_ALLOWED',
      `refusing to send traffic to ${target.apiBaseUrl}: host "${host ?? '?'}" is not allow-listed`,
      {
        hint: target.embedded
          ? 'the embedded default only ever targets loopback'
          : `add the host to allowHosts in the target config if you own it (allowed now: ${target.allowHosts.join(', ')})`,
      },
    );
  }
}

/** Finds the config file: an explicit path, else ./slo-harness.yaml if present. */
export function configPathFor(explicit: string | undefined, cwd = process.cwd()): string | undefined {
  if (explicit) return explicit;
  for (const f of ['slo-harness.yaml', 'slo-harness.yml', 'slo-harness.json']) {
    const p = resolve(cwd, f);
    if (existsSync(p)) return p;
  }
  return undefined;
}

import { hostname } from 'node:os';
import { ServiceError } from './shared/errors.ts';

/** The three processes of the reference system; the names double as Prometheus job names. */
export const SERVICES = ['backend-api', 'workflows', 'processing'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** OTel `service.name` per service (the workflow engine plays Argo Workflows). */
export const OTEL_SERVICE_NAMES: Record<ServiceName, string> = {
  'backend-api': 'imageflow-backend-api',
  workflows: 'imageflow-workflows',
  processing: 'imageflow-processing',
};

export interface UserAccount {
  username: string;
  password: string;
  role: string;
}

export interface ServiceConfig {
  service: ServiceName;
  host: string;
  port: number;
  backendUrl: string | undefined;
  workflowsUrl: string | undefined;
  processingUrl: string | undefined;
  otlpEndpoint: string | undefined;
  logFile: string | undefined;
  /** Also write log records to stdout (tests switch it off to keep output readable). */
  logStdout: boolean;
  dataDir: string;
  adminToken: string | undefined;
  users: UserAccount[];
  environment: string;
  version: string;
  k8sNamespace: string;
  podName: string;
  jwtSecret: string | undefined;
  tokenTtlSeconds: number;
  /** How many executions the workflow engine runs at once (Argo's `parallelism`). */
  workflowParallelism: number;
  /** Simulated AI inference latency: `min-max` milliseconds, uniform. */
  aiLatencyMs: { min: number; max: number };
}

export const DEFAULT_USERS = 'admin:admin123:admin,user:user123:user';

export function parseUsers(spec: string): UserAccount[] | ServiceError {
  const users: UserAccount[] = [];
  for (const part of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [username, password, role] = part.split(':');
    if (!username || !password) {
      return new ServiceError('CONFIG_USERS', `IMAGEFLOW_USERS entry "${part}" is not user:password[:role]`, {
        hint: `use e.g. ${DEFAULT_USERS}`,
      });
    }
    users.push({ username, password, role: role || 'user' });
  }
  return users;
}

function parseRange(spec: string): { min: number; max: number } | undefined {
  const m = /^(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?$/.exec(spec.trim());
  if (!m) return undefined;
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : Number(m[2]);
  return max >= min ? { min, max } : undefined;
}

function intEnv(env: NodeJS.ProcessEnv, name: string, dflt: number): number | ServiceError {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    return new ServiceError('CONFIG_ENV', `${name}="${raw}" is not a non-negative integer`);
  }
  return n;
}

/** Reads the launch contract (environment only). Returns an error value instead of throwing. */
export function loadConfig(service: string, env: NodeJS.ProcessEnv = process.env): ServiceConfig | ServiceError {
  if (!(SERVICES as readonly string[]).includes(service)) {
    return new ServiceError('CONFIG_SERVICE', `unknown service "${service}"`, {
      hint: `run: node --import tsx reference/main.ts <${SERVICES.join('|')}>`,
    });
  }
  const svc = service as ServiceName;
  const host = env.IMAGEFLOW_HOST || '127.0.0.1';
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
    return new ServiceError('CONFIG_HOST', `IMAGEFLOW_HOST="${host}" is not loopback`, {
      hint: 'the reference system binds to 127.0.0.1 only',
    });
  }
  const port = intEnv(env, 'IMAGEFLOW_PORT', 0);
  if (port instanceof ServiceError) return port;
  const ttl = intEnv(env, 'IMAGEFLOW_TOKEN_TTL_SECONDS', 3600);
  if (ttl instanceof ServiceError) return ttl;
  const parallelism = intEnv(env, 'IMAGEFLOW_WORKFLOW_PARALLELISM', 8);
  if (parallelism instanceof ServiceError) return parallelism;
  const users = parseUsers(env.IMAGEFLOW_USERS || DEFAULT_USERS);
  if (users instanceof ServiceError) return users;
  const ai = parseRange(env.IMAGEFLOW_AI_LATENCY_MS || '20-60');
  if (!ai) {
    return new ServiceError(
      'CONFIG_ENV',
      `IMAGEFLOW_AI_LATENCY_MS="${env.IMAGEFLOW_AI_LATENCY_MS}" is not N or MIN-MAX`,
    );
  }
  const trimUrl = (u: string | undefined) => (u ? u.replace(/\/+$/, '') : undefined);
  return {
    service: svc,
    host,
    port,
    backendUrl: trimUrl(env.IMAGEFLOW_BACKEND_URL),
    workflowsUrl: trimUrl(env.IMAGEFLOW_WORKFLOWS_URL),
    processingUrl: trimUrl(env.IMAGEFLOW_PROCESSING_URL),
    otlpEndpoint: trimUrl(env.OTEL_EXPORTER_OTLP_ENDPOINT),
    logFile: env.IMAGEFLOW_LOG_FILE || undefined,
    logStdout: env.IMAGEFLOW_LOG_STDOUT !== '0',
    dataDir: env.IMAGEFLOW_DATA_DIR || `.slo-harness/reference-data/${svc}`,
    adminToken: env.IMAGEFLOW_ADMIN_TOKEN || undefined,
    users,
    environment: env.IMAGEFLOW_ENVIRONMENT || 'development',
    version: env.IMAGEFLOW_VERSION || '0.1.0',
    k8sNamespace: env.IMAGEFLOW_K8S_NAMESPACE || `imageflow-${svc === 'backend-api' ? 'backend' : svc}`,
    podName: env.IMAGEFLOW_POD_NAME || `${svc}-${hostname()}-${process.pid}`,
    jwtSecret: env.IMAGEFLOW_JWT_SECRET || undefined,
    tokenTtlSeconds: ttl,
    workflowParallelism: Math.max(1, parallelism),
    aiLatencyMs: ai,
  };
}

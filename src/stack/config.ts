import { homedir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HarnessError } from '../util/errors.ts';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Default ports: deliberately not the upstream defaults (9090, 9093, 9100, 16686, 4317…), so
 * the embedded stack never collides with a user's own Prometheus or Jaeger. A default that is
 * taken anyway is replaced by a free port; a port the user set explicitly is never replaced.
 */
export const DEFAULT_PORTS = {
  prometheus: 19090,
  alertmanager: 19093,
  alertSink: 19094,
  nodeExporter: 19100,
  jaegerOtlpGrpc: 14317,
  jaegerOtlpHttp: 14318,
  jaegerQuery: 26686,
  jaegerQueryGrpc: 26685,
  jaegerHealth: 23133,
  jaegerMetrics: 28888,
  backendApi: 18080,
  workflows: 18081,
  processing: 18082,
} as const;

export type PortName = keyof typeof DEFAULT_PORTS;
export type Ports = Record<PortName, number>;
export const PORT_NAMES = Object.keys(DEFAULT_PORTS) as PortName[];

export const COMPONENT_NAMES = [
  'jaeger',
  'alert-sink',
  'alertmanager',
  'node-exporter',
  'processing',
  'workflows',
  'backend-api',
  'prometheus',
] as const;
export type ComponentName = (typeof COMPONENT_NAMES)[number];
/** The reference ImageFlowCanvas services (the system under test in the embedded default). */
export const REFERENCE_COMPONENTS: readonly ComponentName[] = ['processing', 'workflows', 'backend-api'];

export interface StackOptions {
  stateDir?: string;
  /** Prometheus scrape interval, e.g. "5s" (embedded default). */
  scrapeInterval?: string;
  /** Prometheus rule evaluation interval; defaults to the scrape interval. */
  evaluationInterval?: string;
  /** Prometheus TSDB retention; 180d meets RET-6 (6 months). */
  retention?: string;
  /** Explicit ports. A taken explicit port is an error, never silently replaced. */
  ports?: Partial<Ports>;
  /**
   * 'ephemeral' takes every unpinned port from the OS instead of the defaults, so parallel
   * stacks (tests) never race for the same default port. Default: $SLO_HARNESS_PORTS or 'defaults'.
   */
  portStrategy?: 'defaults' | 'ephemeral';
  /** Subset of components to run (default: all). */
  components?: readonly ComponentName[];
  /** Alert rule files loaded by Prometheus (default: the spec's rules, verbatim). */
  ruleFiles?: string[];
  /** Load time-compressed copies of the rule files (`for` and windows divided by this factor). */
  ruleCompression?: number;
  /** Deadline for all components to become ready. */
  readyTimeoutMs?: number;
  /** Started by `run` (stopped by the last run out) rather than by hand (left running). */
  runOwned?: boolean;
  /** Aborts start-up (Ctrl-C): what was started is stopped, then `up` rejects with INTERRUPTED. */
  signal?: AbortSignal;
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

export const DEFAULT_SCRAPE_INTERVAL = '5s';
export const DEFAULT_RETENTION = '180d';
export const SPEC_RULE_FILE = join(PROJECT_ROOT, 'checks', 'rules', 'imageflow-slo-alerts.yml');

export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SLO_HARNESS_STATE_DIR) return resolve(env.SLO_HARNESS_STATE_DIR);
  const base = env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state');
  return join(base, 'slo-harness', 'stack');
}

/** Parses repeated `--port name=N` flags. */
export function parsePortFlags(flags: string[]): Partial<Ports> {
  const out: Partial<Ports> = {};
  for (const flag of flags) {
    const [name, value] = flag.split('=');
    if (!name || !(PORT_NAMES as string[]).includes(name)) {
      throw new HarnessError('CONFIG_BAD_PORT', `unknown port name in --port ${flag}`, {
        hint: `use one of: ${PORT_NAMES.join(', ')}`,
      });
    }
    const port = Number(value);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new HarnessError('CONFIG_BAD_PORT', `--port ${flag}: "${value}" is not a port number (1-65535)`);
    }
    out[name as PortName] = port;
  }
  return out;
}

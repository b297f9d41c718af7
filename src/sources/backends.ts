import type { AlertmanagerRequest, BackendName, PromtoolRequest } from '../model/request.ts';
import { promtoolBackend } from './promtool.ts';
import type { TraceRequest } from '../model/trace.ts';
import { jaegerBackend, jaegerSource, type JaegerConfig } from './jaeger.ts';
import { HarnessError } from '../util/errors.ts';
import { alertmanagerBackend, alertmanagerSource } from './alertmanager.ts';
import type { Backend } from './backend.ts';
import { elasticsearchLogSource, type ElasticsearchLogConfig } from './elasticsearch-logs.ts';
import type { Endpoint } from './http.ts';
import { fileLogSource, logBackend, type LogBackend } from './logs.ts';
import { prometheusBackend, prometheusSource, type PrometheusBackend } from './prometheus.ts';

/** Which backend of each kind to open, and where. */
export interface BackendsConfig {
  metrics?: { kind: 'prometheus'; endpoint: Endpoint };
  alerts?: { kind: 'alertmanager'; endpoint: Endpoint };
  logs?: { kind: 'file'; paths: string[] } | { kind: 'elasticsearch'; config: ElasticsearchLogConfig };
  traces?: { kind: 'jaeger'; config: JaegerConfig };
  /** Alert rule unit tests with a local promtool (the spec alerts' generated cases). */
  rules?: { kind: 'promtool'; binary: string };
}

/**
 * The opened backends, by kind. `traces` is the next one's slot: the trace backend is a
 * module exporting a `Backend` for its requests (`src/sources/<backend>.ts`), its type here
 * and in `BackendsConfig`, one block in `openBackends` and its name in `configuredBackends`.
 */
export interface Backends {
  metrics?: PrometheusBackend;
  alerts?: Backend<AlertmanagerRequest>;
  logs?: LogBackend;
  traces?: Backend<TraceRequest>;
  rules?: Backend<PromtoolRequest>;
}

/** The one place the engine's sources are opened: a bad endpoint or secret is an error value. */
export function openBackends(cfg: BackendsConfig, env: NodeJS.ProcessEnv): Backends | HarnessError {
  const out: Backends = {};
  if (cfg.metrics) {
    const p = prometheusSource(cfg.metrics.endpoint, env);
    if (p instanceof HarnessError) return p;
    out.metrics = prometheusBackend(p);
  }
  if (cfg.alerts) {
    const a = alertmanagerSource(cfg.alerts.endpoint, env);
    if (a instanceof HarnessError) return a;
    out.alerts = alertmanagerBackend(a);
  }
  if (cfg.logs?.kind === 'elasticsearch') {
    const l = elasticsearchLogSource(cfg.logs.config, env);
    if (l instanceof HarnessError) return l;
    out.logs = logBackend(l);
  } else if (cfg.logs?.kind === 'file') out.logs = logBackend(fileLogSource(cfg.logs.paths));
  if (cfg.rules) out.rules = promtoolBackend(cfg.rules.binary);
  if (cfg.traces) {
    const j = jaegerSource(cfg.traces.config, env);
    if (j instanceof HarnessError) return j;
    out.traces = jaegerBackend(j);
  }
  return out;
}

/** Every opened backend, for routing requests by name and closing. */
export function listBackends(b: Backends): Backend[] {
  return [b.metrics, b.alerts, b.logs, b.traces, b.rules].filter((x): x is NonNullable<typeof x> => x !== undefined);
}

/** Which backends requests can reach (a check needing one that is not is inconclusive). */
export function configuredBackends(b: Backends): Record<BackendName, boolean> {
  return {
    prometheus: !!b.metrics,
    alertmanager: !!b.alerts,
    logs: !!b.logs,
    promtool: !!b.rules,
    traces: !!b.traces,
  };
}

/** Closes what holds connections; a close that fails is reported, never thrown. */
export async function closeBackends(b: Backends, warn: (line: string) => void): Promise<void> {
  for (const x of listBackends(b))
    await x.close?.().catch((err: unknown) => warn(`warning: closing the ${x.name} source: ${(err as Error).message}`));
}

import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HarnessError } from '../util/errors.ts';
import type { ComponentName, Ports } from './config.ts';

const TEMPLATES = join(dirname(fileURLToPath(import.meta.url)), 'templates');

/** Replaces ${NAME} placeholders; a placeholder without a value is an error, not an empty string. */
export function renderTemplate(template: string, values: Record<string, string | number>, name = 'template'): string {
  const missing = new Set<string>();
  const out = template.replace(/\$\{([A-Z0-9_]+)\}/g, (_m, key: string) => {
    const v = values[key];
    if (v === undefined) {
      missing.add(key);
      return '';
    }
    return String(v);
  });
  if (missing.size > 0) {
    throw new HarnessError('TEMPLATE_MISSING_VALUE', `${name}: no value for ${[...missing].join(', ')}`);
  }
  return out;
}

export interface RenderInput {
  host: string;
  ports: Ports;
  scrapeInterval: string;
  scrapeTimeoutMs: number;
  evaluationInterval: string;
  ruleFiles: string[];
  jaegerMaxTraces: number;
}

function templateValues(input: RenderInput): Record<string, string | number> {
  const p = input.ports;
  return {
    HOST: input.host,
    SCRAPE_INTERVAL: input.scrapeInterval,
    SCRAPE_TIMEOUT: `${input.scrapeTimeoutMs}ms`,
    EVALUATION_INTERVAL: input.evaluationInterval,
    RULE_FILES: input.ruleFiles.map((f) => `  - ${JSON.stringify(f)}`).join('\n') || '  []',
    PROMETHEUS_PORT: p.prometheus,
    ALERTMANAGER_PORT: p.alertmanager,
    ALERT_SINK_PORT: p.alertSink,
    NODE_EXPORTER_PORT: p.nodeExporter,
    BACKEND_API_PORT: p.backendApi,
    WORKFLOWS_PORT: p.workflows,
    PROCESSING_PORT: p.processing,
    JAEGER_METRICS_PORT: p.jaegerMetrics,
    JAEGER_QUERY_PORT: p.jaegerQuery,
    JAEGER_QUERY_GRPC_PORT: p.jaegerQueryGrpc,
    JAEGER_HEALTH_PORT: p.jaegerHealth,
    JAEGER_OTLP_GRPC_PORT: p.jaegerOtlpGrpc,
    JAEGER_OTLP_HTTP_PORT: p.jaegerOtlpHttp,
    JAEGER_MAX_TRACES: input.jaegerMaxTraces,
  };
}

/** The config files each component needs, rendered from the templates in the repo. */
export function renderConfigs(input: RenderInput): Partial<Record<ComponentName, { file: string; content: string }>> {
  const values = templateValues(input);
  const render = (file: string) => renderTemplate(readFileSync(join(TEMPLATES, file), 'utf8'), values, file);
  return {
    prometheus: { file: 'prometheus.yml', content: render('prometheus.yml') },
    alertmanager: { file: 'alertmanager.yml', content: render('alertmanager.yml') },
    jaeger: { file: 'jaeger.yaml', content: render('jaeger.yaml') },
  };
}

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROJECT_ROOT, type ComponentName, type PortName, type Ports } from './config.ts';

/** Everything a component's launch needs to know about this stack instance. */
export interface LaunchContext {
  host: string;
  ports: Ports;
  stateDir: string;
  /** binary name → path, from the tool provisioning step */
  tools: Record<string, string>;
  retention: string;
  adminToken: string;
}

export interface Launch {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

export interface ComponentDef {
  name: ComponentName;
  /** Ports this component listens on (checked free before start). */
  ports: PortName[];
  /** Tools (manifest names) it needs. */
  tool?: 'prometheus' | 'alertmanager' | 'node-exporter' | 'jaeger';
  launch(ctx: LaunchContext): Launch;
  /** URL that answers 2xx once the component is ready. */
  readyUrl(ctx: LaunchContext): string;
  /** The URL a person opens (status output). */
  url(ctx: LaunchContext): string;
}

export const configPath = (stateDir: string, file: string) => join(stateDir, 'config', file);
export const dataPath = (stateDir: string, name: string) => join(stateDir, 'data', name);
export const logPath = (stateDir: string, name: string) => join(stateDir, 'logs', `${name}.log`);
/** The JSON-lines application log of a reference service (what the harness reads as "the logs"). */
export const appLogPath = (stateDir: string, service: string) => join(stateDir, 'logs', `app-${service}.jsonl`);
export const alertDeliveriesPath = (stateDir: string) => join(stateDir, 'data', 'alert-sink', 'deliveries.jsonl');

// Resolved when a component is launched, not at import: some module runners (vitest's
// global setup) do not support import.meta.resolve.
const tsxLoader = () => fileURLToPath(import.meta.resolve('tsx'));
const tsNode = (script: string, ...args: string[]): Launch => ({
  // The harness runs on Node 24; its children run on the same binary.
  command: process.execPath,
  args: ['--import', tsxLoader(), script, ...args],
});

const url = (ctx: LaunchContext, port: PortName, path = '') => `http://${ctx.host}:${ctx.ports[port]}${path}`;

function referenceService(name: 'backend-api' | 'workflows' | 'processing', port: PortName): ComponentDef {
  return {
    name,
    ports: [port],
    launch: (ctx) => ({
      ...tsNode(join(PROJECT_ROOT, 'reference', 'main.ts'), name),
      env: {
        IMAGEFLOW_HOST: ctx.host,
        IMAGEFLOW_PORT: String(ctx.ports[port]),
        IMAGEFLOW_BACKEND_URL: url(ctx, 'backendApi'),
        IMAGEFLOW_WORKFLOWS_URL: url(ctx, 'workflows'),
        IMAGEFLOW_PROCESSING_URL: url(ctx, 'processing'),
        OTEL_EXPORTER_OTLP_ENDPOINT: url(ctx, 'jaegerOtlpHttp'),
        IMAGEFLOW_LOG_FILE: appLogPath(ctx.stateDir, name),
        IMAGEFLOW_DATA_DIR: dataPath(ctx.stateDir, 'imageflow'),
        IMAGEFLOW_ADMIN_TOKEN: ctx.adminToken,
        IMAGEFLOW_ENVIRONMENT: 'embedded',
      },
    }),
    readyUrl: (ctx) => url(ctx, port, '/v1/health'),
    url: (ctx) => url(ctx, port),
  };
}

export const COMPONENTS: Record<ComponentName, ComponentDef> = {
  jaeger: {
    name: 'jaeger',
    tool: 'jaeger',
    ports: ['jaegerOtlpGrpc', 'jaegerOtlpHttp', 'jaegerQuery', 'jaegerQueryGrpc', 'jaegerHealth', 'jaegerMetrics'],
    launch: (ctx) => ({
      command: ctx.tools.jaeger as string,
      args: [`--config=file:${configPath(ctx.stateDir, 'jaeger.yaml')}`],
    }),
    readyUrl: (ctx) => url(ctx, 'jaegerHealth', '/status'),
    url: (ctx) => url(ctx, 'jaegerQuery'),
  },
  'alert-sink': {
    name: 'alert-sink',
    ports: ['alertSink'],
    launch: (ctx) => ({
      ...tsNode(join(PROJECT_ROOT, 'src', 'stack', 'alert-sink.ts')),
      env: {
        ALERT_SINK_HOST: ctx.host,
        ALERT_SINK_PORT: String(ctx.ports.alertSink),
        ALERT_SINK_FILE: alertDeliveriesPath(ctx.stateDir),
      },
    }),
    readyUrl: (ctx) => url(ctx, 'alertSink', '/health'),
    url: (ctx) => url(ctx, 'alertSink', '/deliveries'),
  },
  alertmanager: {
    name: 'alertmanager',
    tool: 'alertmanager',
    ports: ['alertmanager'],
    launch: (ctx) => ({
      command: ctx.tools['prometheus-alertmanager'] as string,
      args: [
        `--config.file=${configPath(ctx.stateDir, 'alertmanager.yml')}`,
        `--storage.path=${dataPath(ctx.stateDir, 'alertmanager')}`,
        `--web.listen-address=${ctx.host}:${ctx.ports.alertmanager}`,
        // No HA cluster: it would listen on 0.0.0.0:9094 and gossip.
        '--cluster.listen-address=',
      ],
    }),
    readyUrl: (ctx) => url(ctx, 'alertmanager', '/-/ready'),
    url: (ctx) => url(ctx, 'alertmanager'),
  },
  'node-exporter': {
    name: 'node-exporter',
    tool: 'node-exporter',
    ports: ['nodeExporter'],
    launch: (ctx) => ({
      command: ctx.tools['prometheus-node-exporter'] as string,
      args: [`--web.listen-address=${ctx.host}:${ctx.ports.nodeExporter}`],
    }),
    readyUrl: (ctx) => url(ctx, 'nodeExporter', '/metrics'),
    url: (ctx) => url(ctx, 'nodeExporter', '/metrics'),
  },
  processing: referenceService('processing', 'processing'),
  workflows: referenceService('workflows', 'workflows'),
  'backend-api': referenceService('backend-api', 'backendApi'),
  prometheus: {
    name: 'prometheus',
    tool: 'prometheus',
    ports: ['prometheus'],
    launch: (ctx) => ({
      command: ctx.tools.prometheus as string,
      args: [
        `--config.file=${configPath(ctx.stateDir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${dataPath(ctx.stateDir, 'prometheus')}`,
        `--storage.tsdb.retention.time=${ctx.retention}`,
        `--web.listen-address=${ctx.host}:${ctx.ports.prometheus}`,
        '--web.enable-remote-write-receiver',
        '--web.enable-lifecycle',
        '--enable-feature=exemplar-storage',
        '--enable-feature=native-histograms',
      ],
    }),
    readyUrl: (ctx) => url(ctx, 'prometheus', '/-/ready'),
    url: (ctx) => url(ctx, 'prometheus'),
  },
};

import type { TraceRequest } from './trace.ts';

/** What a check needs from Prometheus (the `metrics` backend). */
export type PrometheusRequest =
  | { key: string; backend: 'prometheus'; op: 'range'; query: string; start: number; end: number; step: number }
  | { key: string; backend: 'prometheus'; op: 'instant'; query: string; time: number }
  | { key: string; backend: 'prometheus'; op: 'flags' }
  | { key: string; backend: 'prometheus'; op: 'rules' }
  | { key: string; backend: 'prometheus'; op: 'targets' }
  | { key: string; backend: 'prometheus'; op: 'alerts' }
  | { key: string; backend: 'prometheus'; op: 'alertmanagers' }
  | { key: string; backend: 'prometheus'; op: 'exemplars'; query: string; start: number; end: number };

/** What a check needs from Alertmanager (the `alerts` backend). */
export type AlertmanagerRequest = { key: string; backend: 'alertmanager'; op: 'alerts' };

/** What a check needs from the services' logs (the `logs` backend: files or a log store). */
export type LogRequest =
  | { key: string; backend: 'logs'; op: 'records'; start: number; end: number }
  | { key: string; backend: 'logs'; op: 'traces'; ids: string[]; start: number; end: number };

/** A spec alert's generated promtool cases (from `specFile`) run against `rulesFile` (the `rules` backend). */
export type PromtoolRequest = {
  key: string;
  backend: 'promtool';
  op: 'test';
  alert: string;
  specFile: string;
  rulesFile: string;
};

/** What one check needs fetched; the key names the part for the evaluator. */
export type Request = PrometheusRequest | AlertmanagerRequest | LogRequest | PromtoolRequest | TraceRequest;

/** The backend names requests address (`prometheus`, `alertmanager`, `logs`, `promtool`, `traces`). */
export type BackendName = Request['backend'];

/**
 * The fault that drives each spec alert's condition on the reference system
 * (docs/reference-system.md, admin API), and the physical delay it adds before the SLI
 * can see it (a delayed request is counted when it completes).
 */
export interface AlertFault {
  fault: Record<string, unknown>;
  /** Seconds the fault itself adds before its first effect reaches a metric. */
  effectDelaySeconds: number;
  describe: string;
}

export const REFERENCE_FAULTS: Record<string, AlertFault> = {
  APIAvailabilitySLOBreach: {
    fault: {
      kind: 'http_error',
      service: 'backend-api',
      status_code: 503,
      match: { method: 'GET', route: '/v1/pipelines/' },
      note: 'slo-harness alerts: AL-1',
    },
    effectDelaySeconds: 0,
    describe: 'GET /v1/pipelines/ answers 503',
  },
  APILatencySLOBreach: {
    fault: {
      kind: 'latency',
      service: 'backend-api',
      latency: { distribution: 'fixed', ms: 2500 },
      match: { method: 'GET', route: '/v1/pipelines/' },
      note: 'slo-harness alerts: AL-2',
    },
    effectDelaySeconds: 2.5,
    describe: 'GET /v1/pipelines/ delayed 2.5 s',
  },
  PipelineErrorRateSLOBreach: {
    fault: { kind: 'step_failure', note: 'slo-harness alerts: AL-3' },
    effectDelaySeconds: 0,
    describe: 'every pipeline step fails',
  },
};

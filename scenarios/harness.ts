/**
 * The entry the harness runs: one k6 process, one scenario per profile phase, all exec
 * functions from the scenario modules. The plan (k6 `scenarios` built from a profile by
 * src/load/plan.ts) arrives as JSON in __ENV.SLO_PLAN, so profiles stay data.
 *
 * Client-side thresholds mirror the SLOs (SLI-1, SLI-2, SLI-4). They inform; the harness's
 * verdicts decide the run.
 */
import type { Options, Scenario } from 'k6/options';
import { harnessSetup, harnessTeardown, type SetupData } from './lib/api.ts';

export { apiSteady } from './api-steady.ts';
export { pipelineExecution } from './pipeline-executions.ts';
export { spikeExecution } from './spike.ts';
export { soak } from './soak.ts';

interface Plan {
  scenarios: Record<string, Scenario>;
}

function plan(): Plan {
  const raw = __ENV.SLO_PLAN;
  if (!raw)
    throw new Error('SLO_PLAN is not set: run this script through `slo-harness run`, or run a single scenario file');
  return JSON.parse(raw) as Plan;
}

export const options: Options = {
  scenarios: plan().scenarios,
  thresholds: {
    http_req_duration: [{ threshold: 'p(95)<2000', abortOnFail: false }],
    http_req_failed: [{ threshold: 'rate<0.001', abortOnFail: false }],
    ifc_execution_failed: [{ threshold: 'rate<0.05', abortOnFail: false }],
  },
  // Never follow a redirect: it could carry traffic (and the login body with the password)
  // to a host outside the allow-list. Every API route is called with its canonical path.
  maxRedirects: 0,
  // Setup creates the run's pipeline; teardown removes it even after a graceful stop.
  setupTimeout: '60s',
  teardownTimeout: '60s',
};

export function setup(): SetupData {
  return harnessSetup();
}

export function teardown(data: SetupData): void {
  harnessTeardown(data);
}

/**
 * spike: a burst of more than 100 concurrent executions (KM-6: concurrency > 100). Every VU
 * creates one execution at the same moment and polls it to the end, so the number in
 * flight peaks at SPIKE_EXECUTIONS. Standalone:
 *   k6 run -e BASE_URL=… -e SPIKE_EXECUTIONS=120 scenarios/spike.ts
 */
import type { Options } from 'k6/options';
import { harnessSetup, harnessTeardown, type SetupData } from './lib/api.ts';
import { envNumber, envString } from './lib/env.ts';
import { runExecution } from './lib/executions.ts';

export const options: Options = {
  scenarios: {
    spike: {
      executor: 'per-vu-iterations',
      vus: envNumber('SPIKE_EXECUTIONS', 120),
      iterations: 1,
      maxDuration: envString('DURATION', '5m'),
      exec: 'spikeExecution',
      tags: { phase: 'spike' },
    },
  },
};

export function setup(): SetupData {
  return harnessSetup();
}

export function teardown(data: SetupData): void {
  harnessTeardown(data);
}

export function spikeExecution(data: SetupData): void {
  runExecution(data);
}

export default spikeExecution;

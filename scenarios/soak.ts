/**
 * soak: long, moderate traffic — the API mix with a share of pipeline executions, at a
 * constant arrival rate. Standalone:
 *   k6 run -e BASE_URL=… -e RATE=3 -e EXEC_SHARE=0.1 -e DURATION=2h scenarios/soak.ts
 */
import type { Options } from 'k6/options';
import { harnessSetup, harnessTeardown, type SetupData } from './lib/api.ts';
import { envNumber, envString } from './lib/env.ts';
import { runExecution } from './lib/executions.ts';
import { apiIteration } from './lib/mix.ts';

export const options: Options = {
  scenarios: {
    soak: {
      executor: 'constant-arrival-rate',
      rate: envNumber('RATE', 3),
      timeUnit: '1s',
      duration: envString('DURATION', '2h'),
      preAllocatedVUs: envNumber('VUS', 10),
      maxVUs: envNumber('MAX_VUS', 100),
      gracefulStop: '2m',
      exec: 'soak',
      tags: { phase: 'soak' },
    },
  },
};

export function setup(): SetupData {
  return harnessSetup();
}

export function teardown(data: SetupData): void {
  harnessTeardown(data);
}

export function soak(data: SetupData): void {
  if (Math.random() < envNumber('EXEC_SHARE', 0.1)) runExecution(data);
  else apiIteration(data);
}

export default soak;

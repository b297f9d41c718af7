/**
 * api-steady: the realistic API mix (logins, component and pipeline reads, pipeline CRUD,
 * execution listing) at a constant arrival rate. Standalone:
 *   k6 run -e BASE_URL=http://127.0.0.1:8000 -e RATE=5 -e DURATION=1m scenarios/api-steady.ts
 */
import type { Options } from 'k6/options';
import { harnessSetup, harnessTeardown, type SetupData } from './lib/api.ts';
import { envNumber, envString } from './lib/env.ts';
import { apiIteration } from './lib/mix.ts';

export const options: Options = {
  scenarios: {
    'api-steady': {
      executor: 'constant-arrival-rate',
      rate: envNumber('RATE', 5),
      timeUnit: '1s',
      duration: envString('DURATION', '1m'),
      preAllocatedVUs: envNumber('VUS', 10),
      maxVUs: envNumber('MAX_VUS', 50),
      exec: 'apiSteady',
      tags: { phase: 'api-steady' },
    },
  },
};

export function setup(): SetupData {
  return harnessSetup();
}

export function teardown(data: SetupData): void {
  harnessTeardown(data);
}

export function apiSteady(data: SetupData): void {
  apiIteration(data);
}

export default apiSteady;

/**
 * pipeline-executions: creates executions by multipart upload of fixture images, polls each
 * to a terminal status, records end-to-end duration and outcome. Standalone:
 *   k6 run -e BASE_URL=… -e EXEC_RATE=0.5 -e DURATION=2m -e FIXTURE_FILES=/abs/a.jpg scenarios/pipeline-executions.ts
 */
import type { Options } from 'k6/options';
import { harnessSetup, harnessTeardown, type SetupData } from './lib/api.ts';
import { envNumber, envString } from './lib/env.ts';
import { runExecution } from './lib/executions.ts';

const perMinute = Math.max(1, Math.round(envNumber('EXEC_RATE', 0.5) * 60));

export const options: Options = {
  scenarios: {
    'pipeline-executions': {
      executor: 'constant-arrival-rate',
      rate: perMinute,
      timeUnit: '1m',
      duration: envString('DURATION', '2m'),
      preAllocatedVUs: envNumber('VUS', 10),
      maxVUs: envNumber('MAX_VUS', 100),
      gracefulStop: '2m',
      exec: 'pipelineExecution',
      tags: { phase: 'pipeline-executions' },
    },
  },
};

export function setup(): SetupData {
  return harnessSetup();
}

export function teardown(data: SetupData): void {
  harnessTeardown(data);
}

export function pipelineExecution(data: SetupData): void {
  runExecution(data);
}

export default pipelineExecution;

import http from 'k6/http';
import exec from 'k6/execution';
import { sleep } from 'k6';
import { authed, jsonBody, type SetupData } from './api.ts';
import { envNumber, envString } from './env.ts';
import { withMetadata } from './meta.ts';
import { executionCreated, executionDuration, executionFailed } from './metrics.ts';

interface Fixture {
  name: string;
  type: string;
  data: ArrayBuffer;
}

function contentType(name: string): string {
  if (/\.png$/i.test(name)) return 'image/png';
  if (/\.webp$/i.test(name)) return 'image/webp';
  return 'image/jpeg';
}

/**
 * Image fixtures, read once per VU in the init context (k6 only allows open() there).
 * FIXTURE_FILES is a comma-separated list of paths; the harness passes absolute ones.
 */
const FIXTURES: Fixture[] = envString('FIXTURE_FILES', './fixtures/images/harness-small.png')
  .split(',')
  .filter((p) => p.trim() !== '')
  .map((p) => {
    const path = p.trim();
    const name = path.split('/').pop() ?? 'image.jpg';
    return { name, type: contentType(name), data: open(path, 'b') as ArrayBuffer };
  });

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

export type Outcome = 'completed' | 'failed' | 'cancelled' | 'timeout' | 'error' | 'unknown';

/**
 * One pipeline execution as a client sees it: multipart upload of a real image, then poll
 * `GET /v1/executions/{id}` until a terminal status. Emits the creation (for in-flight
 * counting) and the end-to-end duration with its outcome; both carry the creation request's
 * trace ID, which is the root of the execution's trace.
 */
export function runExecution(data: SetupData): Outcome | undefined {
  const fixture = FIXTURES[exec.scenario.iterationInTest % FIXTURES.length] as Fixture;
  const pollS = envNumber('POLL_INTERVAL_S', 0.5);
  const timeoutMs = envNumber('EXECUTION_TIMEOUT_S', 120) * 1000;
  const started = Date.now();
  const { res, traceId, spanId } = authed('POST', '/v1/executions/', '/v1/executions/', {
    pipeline_id: data.pipelineId,
    input_files: http.file(fixture.data, fixture.name, fixture.type),
    parameters: '{}',
    priority: 'normal',
  });
  // The real service answers 200, the monitoring design says 202: both mean "created".
  if (res.status !== 200 && res.status !== 202) return undefined;
  const executionId = jsonBody<{ execution_id?: string }>(res)?.execution_id;
  if (!executionId) return undefined;
  const meta = { trace_id: traceId, span_id: spanId, execution_id: executionId };
  const createStatus = String(res.status);
  withMetadata(meta, () => executionCreated.add(1, { create_status: createStatus }));

  // The outcome is the last terminal status the client actually read. A poll that fails
  // (5xx, 404, no answer) is a failed *request* of the poll route — already in the ledger as
  // such — not a failed *execution*: poll again until the execution timeout. An execution
  // whose status could not be read again before the timeout is `unknown`, not `error`.
  let outcome: Outcome = 'timeout';
  let lastPollRead = true;
  while (Date.now() - started < timeoutMs) {
    sleep(pollS);
    const poll = authed('GET', '/v1/executions/{id}', `/v1/executions/${executionId}`, null, {
      metadata: { execution_id: executionId },
    }).res;
    const status = poll.status === 200 ? (jsonBody<{ status?: string }>(poll)?.status ?? '') : undefined;
    lastPollRead = status !== undefined && status !== '';
    if (status !== undefined && TERMINAL.has(status)) {
      outcome = status as Outcome;
      break;
    }
  }
  if (outcome === 'timeout' && !lastPollRead) outcome = 'unknown';
  const elapsed = Date.now() - started;
  withMetadata(meta, () => {
    executionDuration.add(elapsed, { outcome, create_status: createStatus });
    // `unknown` is not judged either way: the client could not see how it ended.
    if (outcome !== 'unknown')
      executionFailed.add(outcome === 'failed' || outcome === 'error' || outcome === 'timeout');
  });
  return outcome;
}

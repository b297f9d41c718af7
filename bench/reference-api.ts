/**
 * Throughput and latency of the reference ImageFlowCanvas API with full instrumentation
 * (spans exported to Jaeger, Prometheus scraping every second, JSON logs to file+stdout),
 * driven by k6 from a separate process. Figures:
 *   - max sustained GET /v1/pipelines/{id} (authenticated) and POST /v1/executions/ (multipart)
 *   - p95 at a constant 200 req/s (GET) and at 50 req/s (execution create, each one running a
 *     real resize on the processing service behind it)
 * Target: >= 1,000 simple requests/s, so the reference system is never the load's bottleneck.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackDown, stackUp, stackUrls } from '../src/stack/lifecycle.ts';
import { ensureTools } from '../src/tools/provision.ts';
import { HarnessError } from '../src/util/errors.ts';
import { runCommand } from '../src/util/proc.ts';
import { ApiClient, FIXTURES } from '../reference/testing/client.ts';
import type { BenchSize, Figure } from './figures.ts';

const K6_SCRIPT = `
import http from 'k6/http';
import { check } from 'k6';
const IMG = open(__ENV.IMAGE, 'b');
const MODE = __ENV.MODE;
const RATE = Number(__ENV.RATE || '0');
const DURATION = __ENV.DURATION || '10s';
export const options = {
  discardResponseBodies: true,
  scenarios: {
    main: RATE > 0
      ? { executor: 'constant-arrival-rate', rate: RATE, timeUnit: '1s', duration: DURATION, preAllocatedVUs: 50, maxVUs: 200 }
      : { executor: 'constant-vus', vus: Number(__ENV.VUS || '32'), duration: DURATION },
  },
  summaryTrendStats: ['avg', 'med', 'p(95)', 'p(99)', 'max'],
};
const H = { headers: { authorization: 'Bearer ' + __ENV.TOKEN } };
export default function () {
  if (MODE === 'get') {
    const r = http.get(__ENV.BASE + '/v1/pipelines/' + __ENV.PIPELINE, H);
    check(r, { ok: (x) => x.status === 200 });
  } else {
    const r = http.post(__ENV.BASE + '/v1/executions/', {
      pipeline_id: __ENV.PIPELINE,
      parameters: '{}',
      input_files: http.file(IMG, 'sample.jpg', 'image/jpeg'),
    }, H);
    check(r, { accepted: (x) => x.status === 202 });
  }
}
`;

interface K6Summary {
  metrics: Record<string, Record<string, number>>;
}

async function k6(
  bin: string,
  dir: string,
  env: Record<string, string>,
): Promise<{ rate: number; p95: number; failed: number; count: number }> {
  const summary = join(dir, `summary-${env.MODE}-${env.RATE ?? 'max'}.json`);
  const r = await runCommand(
    bin,
    ['run', '--quiet', '--no-color', `--summary-export=${summary}`, join(dir, 'script.js')],
    {
      env: { ...process.env, ...env, K6_NO_USAGE_REPORT: 'true' },
      timeoutMs: 120_000,
    },
  );
  if (r.code !== 0) {
    throw new HarnessError('BENCH_K6', `k6 exited ${r.code}`, {
      details: r.stderr.slice(-2000),
      hint: 'run the k6 script by hand to see why',
    });
  }
  const s = JSON.parse(await readFile(summary, 'utf8')) as K6Summary;
  const reqs = s.metrics.http_reqs ?? {};
  const dur = s.metrics.http_req_duration ?? {};
  return {
    rate: reqs.rate ?? 0,
    count: reqs.count ?? 0,
    p95: dur['p(95)'] ?? NaN,
    failed: s.metrics.http_req_failed?.value ?? 0,
  };
}

export async function run(size: BenchSize = 'full'): Promise<Figure[]> {
  // Tiny: the same four runs, one second each (the stack start-up is most of it).
  const d = (full: string) => (size === 'tiny' ? '1s' : full);
  const tools = await ensureTools(['prometheus', 'alertmanager', 'node-exporter', 'jaeger', 'k6']);
  const k6bin = tools.k6;
  if (!k6bin) throw new HarnessError('BENCH_K6', 'k6 is not provisioned', { hint: 'run slo-harness setup' });
  const dir = await mkdtemp(join(tmpdir(), 'slo-bench-ref-'));
  try {
    const up = await stackUp({ stateDir: join(dir, 'stack'), portStrategy: 'ephemeral', scrapeInterval: '1s' });
    const u = stackUrls(up.state);
    const api = await new ApiClient(u.backendApi).login();
    const pipeline = await api.createPipeline([
      { name: 'resize', component_type: 'resize', parameters: { width: 32, height: 32 } },
    ]);
    await writeFile(join(dir, 'script.js'), K6_SCRIPT);
    const base = {
      BASE: u.backendApi,
      TOKEN: api.token,
      PIPELINE: pipeline,
      IMAGE: join(FIXTURES, 'sample-64x64.jpg'),
    };
    // Constant-rate runs first: the saturating create run leaves a backlog of executions that
    // the workflow engine keeps processing (CPU) for a while afterwards.
    const get200 = await k6(k6bin, dir, { ...base, MODE: 'get', RATE: '200', DURATION: d('10s') });
    const getMax = await k6(k6bin, dir, { ...base, MODE: 'get', VUS: '32', DURATION: d('10s') });
    const create50 = await k6(k6bin, dir, { ...base, MODE: 'create', RATE: '50', DURATION: d('10s') });
    const createMax = await k6(k6bin, dir, { ...base, MODE: 'create', VUS: '16', DURATION: d('8s') });
    const err = (x: { failed: number }) => `errors ${(x.failed * 100).toFixed(2)}%`;
    return [
      {
        name: 'GET /v1/pipelines/{id} sustained (32 VUs)',
        value: getMax.rate,
        unit: 'req/s',
        note: `target >= 1000; p95 ${getMax.p95.toFixed(1)} ms; ${err(getMax)}`,
      },
      {
        name: 'POST /v1/executions/ sustained (16 VUs)',
        value: createMax.rate,
        unit: 'req/s',
        note: `p95 ${createMax.p95.toFixed(1)} ms; ${err(createMax)}`,
      },
      { name: 'GET p95 at 200 req/s', value: get200.p95, unit: 'ms', note: `${get200.count} requests; ${err(get200)}` },
      {
        name: 'POST /v1/executions/ p95 at 50 req/s',
        value: create50.p95,
        unit: 'ms',
        note: `${create50.count} requests; ${err(create50)}`,
      },
    ];
  } finally {
    await stackDown({ stateDir: join(dir, 'stack') });
    await rm(dir, { recursive: true, force: true });
  }
}

// Direct run: npx tsx bench/reference-api.ts
if (import.meta.url === `file://${process.argv[1]}`) {
  for (const f of await run())
    console.log(`${f.name}: ${f.value.toFixed(1)} ${f.unit}${f.note ? `  (${f.note})` : ''}`);
}

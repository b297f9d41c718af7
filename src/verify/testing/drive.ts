import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import type {
  ExecutionOutcome,
  Ledger,
  LatencySummary,
  RouteStats,
  StatusClass,
  TraceSample,
} from '../../model/ledger.ts';

/**
 * A small, honest client for integration tests: drives the reference API from Node and
 * keeps its own ground truth in the ledger shape, so the verify tests do not depend on k6.
 */
const GRID = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 5, 10];
const IMAGE = new URL('../../../scenarios/fixtures/images/harness-small.png', import.meta.url);

function summary(xs: number[]): LatencySummary {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? 0;
  return {
    count: s.length,
    sumSeconds: s.reduce((a, b) => a + b, 0),
    minSeconds: s[0] ?? 0,
    maxSeconds: s[s.length - 1] ?? 0,
    quantiles: { p50: q(0.5), p90: q(0.9), p95: q(0.95), p99: q(0.99) },
    cumulative: GRID.map((le) => ({ le, count: s.filter((x) => x <= le).length })),
  };
}

const cls = (status: number): StatusClass =>
  status === 0 ? 'network_error' : (`${Math.floor(status / 100)}xx` as StatusClass);

export async function drive(base: string, opts: { seconds: number; executions?: boolean }): Promise<Ledger> {
  const routes = new Map<string, { lat: number[]; byStatus: Record<string, number> }>();
  const started = new Date();
  const samples: TraceSample[] = [];
  const call = async (
    method: string,
    route: string,
    path: string,
    init: RequestInit = {},
  ): Promise<Response | undefined> => {
    const t0 = performance.now();
    const sentAt = new Date().toISOString();
    // Like the k6 scenarios: each request starts a trace the client knows (W3C traceparent).
    const traceId = randomBytes(16).toString('hex');
    const spanId = randomBytes(8).toString('hex');
    const traceparent = `00-${traceId}-${spanId}-01`;
    let res: Response | undefined;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        ...init,
        headers: { ...(init.headers as Record<string, string> | undefined), traceparent },
      });
      await res.clone().arrayBuffer();
    } catch {
      res = undefined;
    }
    const r = routes.get(`${method} ${route}`) ?? { lat: [], byStatus: {} };
    r.lat.push((performance.now() - t0) / 1000);
    const st = String(res?.status ?? 0);
    r.byStatus[st] = (r.byStatus[st] ?? 0) + 1;
    routes.set(`${method} ${route}`, r);
    const status = res?.status ?? 0;
    samples.push({
      traceId,
      spanId,
      route: `${method} ${route}`,
      status,
      outcome: status > 0 && status < 400 ? 'ok' : 'error',
      time: sentAt,
    });
    return res;
  };
  const login = await call('POST', '/v1/auth/login', '/v1/auth/login', {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'admin123' }),
  });
  const token = ((await login?.json()) as { access_token?: string } | undefined)?.access_token ?? '';
  const auth = { authorization: `Bearer ${token}` };
  const p = await call('POST', '/v1/pipelines/', '/v1/pipelines/', {
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'verify-it',
      components: [
        { name: 'resize', component_type: 'resize', parameters: { width: 32, height: 32 }, dependencies: [] },
        {
          name: 'detect',
          component_type: 'ai_detection',
          parameters: { model_name: 'yolo', confidence_threshold: 0.5 },
          dependencies: ['resize'],
        },
      ],
    }),
  });
  const pipelineId = ((await p?.json()) as { id?: string } | undefined)?.id ?? '';
  const image = await readFile(IMAGE);
  const outcomes: Partial<Record<ExecutionOutcome, number>> = {};
  const durations: number[] = [];
  let created = 0;
  const deadline = Date.now() + opts.seconds * 1000;
  const pending: Array<Promise<void>> = [];
  while (Date.now() < deadline) {
    await call('GET', '/v1/pipelines/', '/v1/pipelines/', { headers: auth });
    await call('GET', '/v1/components/', '/v1/components/', { headers: auth });
    if (opts.executions !== false) {
      const form = new FormData();
      form.set('pipeline_id', pipelineId);
      form.append('input_files', new Blob([image], { type: 'image/png' }), 'harness-small.png');
      const t0 = Date.now();
      const res = await call('POST', '/v1/executions/', '/v1/executions/', {
        method: 'POST',
        headers: auth,
        body: form,
      });
      if (res && res.status < 300) {
        created++;
        const id = ((await res.json()) as { execution_id: string }).execution_id;
        pending.push(
          (async () => {
            for (let i = 0; i < 200; i++) {
              const r = await call('GET', '/v1/executions/{id}', `/v1/executions/${id}`, { headers: auth });
              const st = r && r.status === 200 ? ((await r.json()) as { status: string }).status : 'pending';
              if (st === 'completed' || st === 'failed' || st === 'cancelled') {
                outcomes[st] = (outcomes[st] ?? 0) + 1;
                durations.push((Date.now() - t0) / 1000);
                return;
              }
              await new Promise((ok) => setTimeout(ok, 100));
            }
            outcomes.timeout = (outcomes.timeout ?? 0) + 1;
          })(),
        );
      }
    }
    await new Promise((ok) => setTimeout(ok, 50));
  }
  await Promise.all(pending);
  const ended = new Date();
  const byRoute: RouteStats[] = [...routes].map(([route, r]) => {
    const byStatusClass: Partial<Record<StatusClass, number>> = {};
    for (const [s, n] of Object.entries(r.byStatus))
      byStatusClass[cls(Number(s))] = (byStatusClass[cls(Number(s))] ?? 0) + n;
    return { route, total: r.lat.length, byStatusClass, byStatus: r.byStatus, latency: summary(r.lat) };
  });
  const total: Partial<Record<StatusClass, number>> = {};
  for (const r of byRoute)
    for (const [c, n] of Object.entries(r.byStatusClass))
      total[c as StatusClass] = (total[c as StatusClass] ?? 0) + (n ?? 0);
  return {
    schemaVersion: 1,
    runId: `verify-it-${started.getTime()}`,
    profile: 'verify-it',
    apiBaseUrl: base,
    window: { start: started.toISOString(), end: ended.toISOString() },
    phases: [{ name: 'steady', start: started.toISOString(), end: ended.toISOString() }],
    aborted: false,
    requests: {
      total: byRoute.reduce((s, r) => s + r.total, 0),
      byStatusClass: total,
      latency: summary([...routes.values()].flatMap((r) => r.lat)),
      byRoute,
    },
    executions: { created, byOutcome: outcomes, duration: summary(durations), maxInFlight: 0 },
    traceSamples: samples,
    k6: { exitCode: null, points: 0, droppedIterations: 0 },
  };
}

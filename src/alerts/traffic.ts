/**
 * A steady background load for the live alert check (I/O): API reads and pipeline
 * executions against the reference backend at fixed rates, fire-and-forget with a cap on
 * requests in flight (a slow fault must not slow the arrival rate). It gives the rules'
 * input series something to measure; the k6 scenarios remain the tool for judged runs.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HarnessError } from '../util/errors.ts';
import { PROJECT_ROOT } from '../stack/config.ts';

export interface TrafficOptions {
  backendApi: string;
  /** GET /v1/pipelines/ per second. */
  apiRate?: number;
  /** POST /v1/executions/ per second. */
  executionRate?: number;
  maxInFlight?: number;
  username?: string;
  password?: string;
}

export interface TrafficStats {
  sent: number;
  byStatus: Record<string, number>;
  /** Requests refused locally because too many were in flight. */
  skipped: number;
}

export interface Traffic {
  stats(): TrafficStats;
  stop(): Promise<TrafficStats>;
}

async function json<T>(res: Response, what: string): Promise<T> {
  if (!res.ok) throw new HarnessError('TRAFFIC_SETUP_FAILED', `${what}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export async function startTraffic(opts: TrafficOptions): Promise<Traffic> {
  const base = opts.backendApi;
  const login = await json<{ access_token: string }>(
    await fetch(`${base}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: opts.username ?? 'admin', password: opts.password ?? 'admin123' }),
    }),
    'login',
  );
  const auth = { authorization: `Bearer ${login.access_token}` };
  const pipeline = await json<{ id: string }>(
    await fetch(`${base}/v1/pipelines/`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'slo-harness alerts',
        components: [{ name: 'resize', component_type: 'resize', parameters: { width: 32, height: 32 } }],
      }),
    }),
    'create pipeline',
  );
  const image = await readFile(join(PROJECT_ROOT, 'scenarios', 'fixtures', 'images', 'sample-64x64.jpg'));
  const stats: TrafficStats = { sent: 0, byStatus: {}, skipped: 0 };
  const inFlight = new Set<Promise<void>>();
  const cap = opts.maxInFlight ?? 300;
  const fire = (req: () => Promise<Response>) => {
    if (inFlight.size >= cap) {
      stats.skipped++;
      return;
    }
    stats.sent++;
    const p = req()
      .then(async (res) => {
        await res.body?.cancel();
        stats.byStatus[res.status] = (stats.byStatus[res.status] ?? 0) + 1;
      })
      .catch(() => {
        stats.byStatus.error = (stats.byStatus.error ?? 0) + 1;
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  const timers = [
    setInterval(() => fire(() => fetch(`${base}/v1/pipelines/`, { headers: auth })), 1000 / (opts.apiRate ?? 20)),
    setInterval(
      () => {
        const form = new FormData();
        form.set('pipeline_id', pipeline.id);
        form.set('input_files', new Blob([image], { type: 'image/jpeg' }), 'sample-64x64.jpg');
        fire(() => fetch(`${base}/v1/executions/`, { method: 'POST', headers: auth, body: form }));
      },
      1000 / (opts.executionRate ?? 5),
    ),
  ];
  return {
    stats: () => ({ ...stats, byStatus: { ...stats.byStatus } }),
    stop: async () => {
      for (const t of timers) clearInterval(t);
      await Promise.allSettled([...inFlight]);
      return { ...stats, byStatus: { ...stats.byStatus } };
    },
  };
}

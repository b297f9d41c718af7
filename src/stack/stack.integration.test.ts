import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackDown, stackStatus, stackUp, stackUrls, type StackState } from './lifecycle.ts';
import { processStartTime, runCommand } from '../util/proc.ts';
import { ensureTool } from '../tools/provision.ts';
import { waitFor } from '../util/wait.ts';
import type { ComponentName } from './config.ts';

/** The observability components (the reference system has tests of its own). */
export const OBSERVABILITY: ComponentName[] = ['jaeger', 'alert-sink', 'alertmanager', 'node-exporter', 'prometheus'];

const alive = (st: StackState) =>
  Object.values(st.components).filter((r) => r && processStartTime(r.pid) === r.startTime);

describe('embedded stack (real Prometheus, Alertmanager, node exporter, Jaeger)', () => {
  let dir: string;
  let state: StackState;
  let firstReady: Partial<Record<ComponentName, number>>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slo-stack-'));
    const up = await stackUp({ stateDir: dir, components: OBSERVABILITY, scrapeInterval: '1s' });
    state = up.state;
    firstReady = up.readyMs;
  });

  afterAll(async () => {
    if (state) {
      await stackDown({ stateDir: dir });
      expect(alive(state)).toEqual([]);
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('brings every component to healthy and lists each with its URL', async () => {
    expect(Object.keys(firstReady).sort()).toEqual([...OBSERVABILITY].sort());
    const s = await stackStatus({ stateDir: dir });
    expect(s.components.map((c) => [c.name, c.healthy])).toEqual(OBSERVABILITY.map((c) => [c, true]));
    for (const c of s.components) expect(c.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
  });

  it('loads exactly the three spec alerts into Prometheus', async () => {
    const res = await fetch(`${stackUrls(state).prometheus}/api/v1/rules`);
    const body = (await res.json()) as { data: { groups: Array<{ name: string; rules: Array<{ name: string }> }> } };
    expect(body.data.groups.map((g) => g.name)).toEqual(['imageflow-slo-alerts']);
    expect(body.data.groups[0]!.rules.map((r) => r.name)).toEqual([
      'APIAvailabilitySLOBreach',
      'APILatencySLOBreach',
      'PipelineErrorRateSLOBreach',
    ]);
  });

  it('runs Prometheus with exemplar storage, remote write receiver and 180d retention', async () => {
    const res = await fetch(`${stackUrls(state).prometheus}/api/v1/status/flags`);
    const flags = ((await res.json()) as { data: Record<string, string> }).data;
    expect(flags['storage.tsdb.retention.time']).toBe('180d');
    expect(flags['enable-feature']).toContain('exemplar-storage');
    expect(flags['web.enable-remote-write-receiver']).toBe('true');
  });

  it('answers the Jaeger api_v3 services query', async () => {
    const res = await fetch(`${stackUrls(state).jaegerQuery}/api/v3/services`);
    expect(res.status).toBe(200);
    expect(await res.json()).toBeTypeOf('object');
  });

  it('binds every listening socket of every component to 127.0.0.1', async () => {
    const ss = await runCommand('ss', ['-ltnpH']);
    const pids = new Set(Object.values(state.components).map((r) => r!.pid));
    const ours = ss.stdout.split('\n').filter((l) => [...l.matchAll(/pid=(\d+)/g)].some((m) => pids.has(Number(m[1]))));
    expect(ours.length).toBeGreaterThanOrEqual(OBSERVABILITY.length);
    for (const line of ours) expect(line.split(/\s+/)[3]).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('is idempotent: a second up reuses the running processes', async () => {
    const again = await stackUp({ stateDir: dir, components: OBSERVABILITY });
    expect(again.started).toBe(false);
    expect(again.state.components).toEqual(state.components);
  });

  it('scrapes node exporter, Jaeger self-metrics and Alertmanager', async () => {
    const u = stackUrls(state);
    const scraped = await waitFor(
      async () => {
        const res = await fetch(`${u.prometheus}/api/v1/query?query=up`);
        const body = (await res.json()) as {
          data: { result: Array<{ metric: { job: string }; value: [number, string] }> };
        };
        const up = Object.fromEntries(body.data.result.map((r) => [r.metric.job, r.value[1]]));
        const want = ['node-exporter', 'jaeger', 'alertmanager', 'prometheus'];
        return { done: want.every((j) => up[j] === '1'), value: up, reason: JSON.stringify(up) };
      },
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    expect(scraped.ok, scraped.reason).toBe(true);
  });

  it('Alertmanager delivers an alert to the webhook sink, which serves it back', async () => {
    const u = stackUrls(state);
    const alertname = `HarnessProbe${Date.now()}`;
    const post = await fetch(`${u.alertmanager}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ labels: { alertname, severity: 'info' }, annotations: { summary: 'probe' } }]),
    });
    expect(post.status).toBe(200);
    const delivered = await waitFor(
      async () => {
        const deliveries = (await (await fetch(`${u.alertSink}/deliveries`)).json()) as Array<{
          payload: { receiver?: string; alerts?: Array<{ labels: Record<string, string>; status: string }> };
        }>;
        const hit = deliveries.find((d) => d.payload.alerts?.some((a) => a.labels.alertname === alertname));
        return {
          done: hit !== undefined,
          value: hit,
          reason: `${deliveries.length} deliveries, none for ${alertname}`,
        };
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    expect(delivered.ok, delivered.reason).toBe(true);
    expect(delivered.value!.payload.receiver).toBe('harness-webhook');
    expect(delivered.value!.payload.alerts![0]!.status).toBe('firing');
  });

  it('the cached k6 runs a trivial TypeScript script', async () => {
    const { k6 } = await ensureTool('k6');
    const script = join(dir, 'trivial.ts');
    await writeFile(
      script,
      `import http from 'k6/http';
import { check } from 'k6';
interface Probe { url: string }
const probe: Probe = { url: '${stackUrls(state).prometheus}/-/healthy' };
export default function (): void {
  const res = http.get(probe.url);
  check(res, { 'status 200': (r) => r.status === 200 });
  if (res.status !== 200) throw new Error('unhealthy: ' + res.status);
}
`,
    );
    const r = await runCommand(k6!, [
      'run',
      '--quiet',
      '--no-color',
      '--iterations',
      '1',
      '--summary-export',
      join(dir, 'k6.json'),
      script,
    ]);
    expect(r.stderr + r.stdout).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const summary = JSON.parse(await readFile(join(dir, 'k6.json'), 'utf8')) as {
      metrics: { checks: { passes: number } };
    };
    expect(summary.metrics.checks.passes).toBe(1);
  });
});

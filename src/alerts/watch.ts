/**
 * Watches one alert through a fault (I/O): injects the fault through the reference
 * system's admin API, polls Prometheus `/api/v1/alerts`, Alertmanager `/api/v2/alerts` and
 * the webhook sink's `/deliveries` until the alert fires and is delivered, removes the
 * fault and polls until it resolves and the resolved notification arrives. Every wait has
 * a deadline; what was seen goes into a Timeline for the pure judge.
 */
import { HarnessError, errorMessage } from '../util/errors.ts';
import { delay } from '../util/wait.ts';
import type { Timeline } from './timeline.ts';
import type { Traffic, TrafficStats } from './traffic.ts';

export interface LiveUrls {
  prometheus: string;
  alertmanager: string;
  alertSink: string;
  backendApi: string;
  adminToken: string;
}

interface PromAlert {
  name: string;
  state: string;
  activeAt?: number;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
  if (!res.ok) throw new Error(`HTTP ${res.status} from ${url}`);
  return (await res.json()) as T;
}

export async function prometheusAlerts(prometheus: string): Promise<PromAlert[]> {
  const body = await getJson<{
    data: { alerts: Array<{ labels: Record<string, string>; state: string; activeAt?: string }> };
  }>(`${prometheus}/api/v1/alerts`);
  return body.data.alerts.map((a) => ({
    name: a.labels.alertname ?? '',
    state: a.state,
    ...(a.activeAt ? { activeAt: Date.parse(a.activeAt) } : {}),
  }));
}

async function alertmanagerAlerts(alertmanager: string): Promise<Array<{ name: string; state: string }>> {
  const body = await getJson<Array<{ labels: Record<string, string>; status: { state: string } }>>(
    `${alertmanager}/api/v2/alerts`,
  );
  return body.map((a) => ({ name: a.labels.alertname ?? '', state: a.status.state }));
}

export interface Delivery {
  receivedAt: number;
  alerts: Array<{ name: string; status: string }>;
}

export async function sinkDeliveries(alertSink: string): Promise<Delivery[]> {
  const body = await getJson<
    Array<{ receivedAt: string; payload: { alerts?: Array<{ status: string; labels: Record<string, string> }> } }>
  >(`${alertSink}/deliveries`);
  return body.map((d) => ({
    receivedAt: Date.parse(d.receivedAt),
    alerts: (d.payload.alerts ?? []).map((a) => ({ name: a.labels.alertname ?? '', status: a.status })),
  }));
}

/** `for` (seconds) of every alerting rule Prometheus has loaded, by name. */
export async function loadedForSeconds(prometheus: string): Promise<Record<string, number>> {
  const body = await getJson<{
    data: { groups: Array<{ rules: Array<{ type: string; name: string; duration?: number }> }> };
  }>(`${prometheus}/api/v1/rules`);
  const out: Record<string, number> = {};
  for (const g of body.data.groups) for (const r of g.rules) if (r.type === 'alerting') out[r.name] = r.duration ?? 0;
  return out;
}

async function admin(urls: LiveUrls, method: 'POST' | 'DELETE', body?: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${urls.backendApi}/admin/faults`, {
    method,
    headers: { authorization: `Bearer ${urls.adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(5000),
  });
  if (res.status >= 300) {
    throw new HarnessError('FAULT_FAILED', `${method} /admin/faults: HTTP ${res.status} ${await res.text()}`, {
      where: urls.backendApi,
    });
  }
  await res.body?.cancel();
}

export const clearFaults = (urls: LiveUrls) => admin(urls, 'DELETE');

const diff = (a: TrafficStats, b: TrafficStats): TrafficStats => {
  const byStatus: Record<string, number> = {};
  for (const [k, v] of Object.entries(b.byStatus)) byStatus[k] = v - (a.byStatus[k] ?? 0);
  return { sent: b.sent - a.sent, skipped: b.skipped - a.skipped, byStatus };
};

export interface WatchOptions {
  urls: LiveUrls;
  alert: string;
  /** The other spec alerts: any of them firing in this phase is recorded. */
  others: string[];
  fault: Record<string, unknown>;
  faultText: string;
  firingDeadlineMs: number;
  resolveDeadlineMs: number;
  traffic: Traffic;
  pollMs?: number;
  /** Ctrl-C: stop waiting; the fault is still removed. */
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export async function watchAlert(o: WatchOptions): Promise<Timeline> {
  const log = o.log ?? (() => {});
  const poll = o.pollMs ?? 200;
  const problems = new Map<string, string>();
  const attempt = async <T>(backend: string, f: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await f();
    } catch (err) {
      if (!problems.has(backend)) problems.set(backend, `${backend}: ${errorMessage(err)}`);
      return undefined;
    }
  };
  const start = await attempt('prometheus', () => prometheusAlerts(o.urls.prometheus));
  const loaded = await attempt('prometheus', () => loadedForSeconds(o.urls.prometheus));
  const seenDeliveries = (await attempt('alert sink', () => sinkDeliveries(o.urls.alertSink)))?.length ?? 0;
  const startAlert = start?.find((a) => a.name === o.alert);
  const t: Timeline = {
    alert: o.alert,
    fault: o.faultText,
    startState:
      start === undefined ? 'unknown' : ((startAlert?.state as Timeline['startState'] | undefined) ?? 'inactive'),
    injectedAt: 0,
    others: [],
    problems: [],
    ...(loaded && o.alert in loaded ? { loadedForSeconds: loaded[o.alert] } : {}),
    firingDeadlineMs: o.firingDeadlineMs,
    resolveDeadlineMs: o.resolveDeadlineMs,
  };
  const before = o.traffic.stats();
  const ttl = Math.ceil((o.firingDeadlineMs + o.resolveDeadlineMs) / 1000) + 60;
  await admin(o.urls, 'POST', { ...o.fault, ttl_seconds: ttl });
  t.injectedAt = Date.now();
  log(`${o.alert}: fault injected (${o.faultText})`);

  const observe = async (phase: 'fault' | 'recovery') => {
    const [prom, am, del] = await Promise.all([
      attempt('prometheus', () => prometheusAlerts(o.urls.prometheus)),
      attempt('alertmanager', () => alertmanagerAlerts(o.urls.alertmanager)),
      attempt('alert sink', () => sinkDeliveries(o.urls.alertSink)),
    ]);
    const now = Date.now();
    const mine = prom?.find((a) => a.name === o.alert);
    for (const a of prom ?? []) {
      if (
        a.name !== o.alert &&
        o.others.includes(a.name) &&
        a.state === 'firing' &&
        !t.others.some((x) => x.alert === a.name)
      ) {
        t.others.push({ alert: a.name, at: now });
      }
    }
    if (phase === 'fault') {
      if (mine && t.pendingSeenAt === undefined) t.pendingSeenAt = now;
      if (mine?.activeAt !== undefined && t.activeAt === undefined) t.activeAt = mine.activeAt;
      if (mine?.state === 'firing' && t.firingAt === undefined) t.firingAt = now;
      if (am?.some((a) => a.name === o.alert && a.state === 'active') && t.alertmanagerAt === undefined)
        t.alertmanagerAt = now;
    } else if (prom !== undefined && (!mine || mine.state === 'inactive') && t.resolvedAt === undefined)
      t.resolvedAt = now;
    for (const d of (del ?? []).slice(seenDeliveries)) {
      if (
        phase === 'fault' &&
        t.deliveredAt === undefined &&
        d.alerts.some((a) => a.name === o.alert && a.status === 'firing')
      ) {
        t.deliveredAt = d.receivedAt;
      }
      if (phase === 'recovery' && t.resolvedDeliveredAt === undefined && d.receivedAt >= (t.removedAt ?? 0)) {
        if (d.alerts.some((a) => a.name === o.alert && a.status === 'resolved')) t.resolvedDeliveredAt = d.receivedAt;
      }
    }
  };

  try {
    while (
      Date.now() - t.injectedAt < o.firingDeadlineMs &&
      (t.firingAt === undefined || t.deliveredAt === undefined)
    ) {
      await observe('fault');
      await delay(poll);
    }
    t.traffic = diff(before, o.traffic.stats());
  } finally {
    await clearFaults(o.urls);
    t.removedAt = Date.now();
  }
  log(
    `${o.alert}: ${t.firingAt ? `firing after ${((t.firingAt - t.injectedAt) / 1000).toFixed(1)} s` : 'not firing'}; fault removed`,
  );
  if (t.firingAt !== undefined) {
    while (
      !o.signal?.aborted &&
      Date.now() - t.removedAt < o.resolveDeadlineMs &&
      (t.resolvedAt === undefined || t.resolvedDeliveredAt === undefined)
    ) {
      await observe('recovery');
      await delay(poll);
    }
    const outcome = t.resolvedAt
      ? `resolved after ${((t.resolvedAt - t.removedAt) / 1000).toFixed(1)} s`
      : o.signal?.aborted
        ? 'interrupted before it resolved'
        : 'not resolved';
    log(`${o.alert}: ${outcome}`);
  }
  t.problems = [...problems.values()];
  return t;
}

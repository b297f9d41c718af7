/**
 * The live alert check (I/O orchestration): background traffic, a healthy warm-up until the
 * rules' input series exist, then per spec alert its fault → firing → delivered → resolved
 * timeline, judged by judgeTimeline. Alerts are driven one after another so each phase shows
 * which alert a fault fires (any other firing is a fail naming both).
 */
import { HarnessError, errorMessage } from '../util/errors.ts';
import { delay, waitFor } from '../util/wait.ts';
import type { Verdict } from '../model/verdict.ts';
import { SPEC_ALERTS, type AlertModel, type Selector } from '../rules/model.ts';
import { REFERENCE_FAULTS } from './faults.ts';
import { startTraffic } from './traffic.ts';
import { judgeTimeline } from './timeline.ts';
import { clearFaults, watchAlert, type LiveUrls } from './watch.ts';

export interface LiveOptions {
  urls: LiveUrls;
  /** The expected rules' models (the spec's, or its compressed copy's). */
  models: AlertModel[];
  scrapeSeconds: number;
  evaluationSeconds: number;
  /** Alertmanager's group_interval: when a resolved notice is sent at the latest. */
  groupIntervalSeconds?: number;
  slackSeconds?: number;
  compression?: number;
  /** Only these alerts (default: all three spec alerts). */
  alerts?: string[];
  signal?: AbortSignal;
  log?: (line: string) => void;
}

const interrupted = () =>
  new HarnessError('INTERRUPTED', 'live alert check interrupted', { hint: 'faults were removed' });

function selectorText(s: Selector, extra: Record<string, string> = {}): string {
  const m = [
    ...s.matchers.map((x) => `${x.label}${x.op}${JSON.stringify(x.value)}`),
    ...Object.entries(extra).map(([k, v]) => `${k}="${v}"`),
  ];
  return `${s.metric}{${m.join(',')}}`;
}

/** A query that is non-empty exactly when the rule's input series have samples in its window. */
export function inputQuery(m: AlertModel): string {
  const w = `${m.windowSeconds}s`;
  return m.sli.kind === 'ratio'
    ? `sum(rate(${selectorText(m.sli.den)}[${w}]))`
    : `sum(rate(${selectorText(m.sli.bucket, { le: '+Inf' })}[${w}]))`;
}

async function instant(prometheus: string, query: string): Promise<number | undefined> {
  const res = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(query)}`, {
    signal: AbortSignal.timeout(3000),
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const body = (await res.json()) as { data: { result: Array<{ value: [number, string] }> } };
  const v = body.data.result[0]?.value[1];
  return v === undefined ? undefined : Number(v);
}

export async function runLiveAlerts(o: LiveOptions): Promise<Verdict[]> {
  const log = o.log ?? (() => {});
  const slack = o.slackSeconds ?? 5;
  const names = o.alerts ?? SPEC_ALERTS.map((a) => a.alert);
  const traffic = await startTraffic({ backendApi: o.urls.backendApi });
  try {
    await clearFaults(o.urls);
    // Warm-up: the rules' input series must have samples in their windows, else the alerts
    // could not fire and a quiet alert proves nothing (inconclusive, below).
    const models = names.map((n) => {
      const m = o.models.find((x) => x.alert === n);
      if (!m) throw new HarnessError('ALERT_MODEL_MISSING', `no expected rule for ${n}`);
      return m;
    });
    const maxWindow = Math.max(...models.map((m) => m.windowSeconds));
    const ready = await waitFor(
      async () => {
        const missing: string[] = [];
        for (const m of models) {
          const v = await instant(o.urls.prometheus, inputQuery(m));
          if (!(v !== undefined && v > 0)) missing.push(inputQuery(m));
        }
        return { done: missing.length === 0, reason: `no samples yet for ${missing.join(', ')}` };
      },
      {
        timeoutMs: (maxWindow + 10 * o.scrapeSeconds + 30) * 1000,
        intervalMs: 500,
        abort: () => (o.signal?.aborted ? 'interrupted' : undefined),
      },
    );
    if (o.signal?.aborted) throw interrupted();
    if (!ready.ok) {
      return models.map((m) => inconclusive(m, o, `the rule's input series have no samples: ${ready.reason}`));
    }
    // One full window of healthy traffic, so each fault starts from a healthy SLI.
    log(`alerts: input series present; ${maxWindow} s of healthy traffic before the first fault`);
    await delay(maxWindow * 1000);
    if (o.signal?.aborted) throw interrupted();

    const verdicts: Verdict[] = [];
    for (const m of models) {
      if (o.signal?.aborted) throw interrupted();
      const spec = SPEC_ALERTS.find((a) => a.alert === m.alert)!;
      const fault = REFERENCE_FAULTS[m.alert];
      if (!fault) {
        verdicts.push(inconclusive(m, o, `no fault is known that drives ${m.alert} on this system`));
        continue;
      }
      const floorInput = {
        requirement: spec.requirement,
        forSeconds: m.forSeconds,
        evaluationSeconds: o.evaluationSeconds,
        scrapeSeconds: o.scrapeSeconds,
        faultDelaySeconds: fault.effectDelaySeconds,
        slackSeconds: slack,
        expr: m.expr,
        links: [`${o.urls.prometheus}/alerts`, `${o.urls.alertmanager}/#/alerts`],
        ...(o.compression ? { compression: o.compression } : {}),
      };
      const floor = m.forSeconds + o.evaluationSeconds + o.scrapeSeconds + fault.effectDelaySeconds;
      let timeline;
      try {
        timeline = await watchAlert({
          urls: o.urls,
          alert: m.alert,
          others: names.filter((n) => n !== m.alert),
          fault: fault.fault,
          faultText: fault.describe,
          // Long enough to tell "late" from "never": the floor, the slack and 20 s more.
          firingDeadlineMs: (floor + slack + 20) * 1000,
          resolveDeadlineMs:
            (m.windowSeconds +
              fault.effectDelaySeconds +
              o.scrapeSeconds +
              o.evaluationSeconds +
              (o.groupIntervalSeconds ?? 5) +
              slack +
              20) *
            1000,
          traffic,
          ...(o.signal ? { signal: o.signal } : {}),
          log,
        });
      } catch (err) {
        verdicts.push(inconclusive(m, o, `could not drive the fault: ${errorMessage(err)}`));
        continue;
      }
      if (o.signal?.aborted) throw interrupted();
      const v = judgeTimeline(timeline, floorInput);
      log(`${v.outcome.toUpperCase()} ${v.summary}`);
      verdicts.push(v);
    }
    return verdicts;
  } finally {
    await traffic.stop();
    await clearFaults(o.urls).catch(() => undefined);
  }
}

function inconclusive(m: AlertModel, o: LiveOptions, reason: string): Verdict {
  const req = SPEC_ALERTS.find((a) => a.alert === m.alert)?.requirement ?? 'AL-?';
  return {
    checkId: `${req.toLowerCase()}-fires-live`,
    title: `${m.alert} fires under its fault within the physical floor, reaches the receiver and resolves`,
    requirements: [req],
    severity: 'gate',
    outcome: 'inconclusive',
    summary: `${m.alert}: not judged — ${reason}`,
    reason,
    queries: [m.expr.trim()],
    links: [],
    details: { compression: o.compression ?? 1 },
  };
}

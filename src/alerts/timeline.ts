/**
 * One alert's observed life under a fault — inactive → pending → firing → delivered →
 * resolved (→ resolved notice delivered) — judged against the physical floor (pure).
 *
 * Floor: after the fault starts, its first effect must be scraped (≤ scrape interval),
 * evaluated (≤ evaluation interval) and then hold for `for`; a fault that delays requests
 * adds its own delay (a request is counted when it completes). Firing must be observed
 * within floor + slack, and not before `for` has passed since Prometheus made it pending.
 */
import type { Verdict } from '../model/verdict.ts';
import type { TrafficStats } from './traffic.ts';

export interface Timeline {
  alert: string;
  fault: string;
  /** The alert's Prometheus state when the phase began (healthy traffic, no fault). */
  startState: 'inactive' | 'pending' | 'firing' | 'unknown';
  /** Epoch ms. */
  injectedAt: number;
  /** Prometheus' activeAt of the pending alert. */
  activeAt?: number;
  pendingSeenAt?: number;
  firingAt?: number;
  alertmanagerAt?: number;
  deliveredAt?: number;
  removedAt?: number;
  resolvedAt?: number;
  resolvedDeliveredAt?: number;
  /** Other spec alerts seen firing during this phase. */
  others: Array<{ alert: string; at: number }>;
  /** Backends that could not be read, with the reason (first of each). */
  problems: string[];
  traffic?: TrafficStats;
  /** `for` of the rule Prometheus loaded (seconds), when it has one by this name. */
  loadedForSeconds?: number;
  firingDeadlineMs: number;
  resolveDeadlineMs: number;
}

export interface FloorInput {
  requirement: string;
  forSeconds: number;
  evaluationSeconds: number;
  scrapeSeconds: number;
  faultDelaySeconds: number;
  slackSeconds: number;
  /** Rules time-compressed by this factor (verdicts are behaviour, not spec fidelity). */
  compression?: number;
  expr?: string;
  links?: string[];
}

const sec = (ms: number) => (ms / 1000).toFixed(1);
const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

export function floorSeconds(f: FloorInput): number {
  return f.forSeconds + f.evaluationSeconds + f.scrapeSeconds + f.faultDelaySeconds;
}

export function judgeTimeline(t: Timeline, f: FloorInput): Verdict {
  const floor = floorSeconds(f);
  const limit = floor + f.slackSeconds;
  const delay = t.firingAt === undefined ? undefined : (t.firingAt - t.injectedAt) / 1000;
  const heldFor = t.firingAt !== undefined && t.activeAt !== undefined ? (t.firingAt - t.activeAt) / 1000 : undefined;
  const served = Object.entries(t.traffic?.byStatus ?? {})
    .filter(([k]) => /^\d+$/.test(k))
    .reduce((a, [, n]) => a + n, 0);
  const floorText = `floor ${floor.toFixed(1)} s = for ${f.forSeconds} s + evaluation ${f.evaluationSeconds} s + scrape ${f.scrapeSeconds} s${f.faultDelaySeconds ? ` + fault delay ${f.faultDelaySeconds} s` : ''}; slack ${f.slackSeconds} s`;
  const loaded =
    t.loadedForSeconds !== undefined && t.loadedForSeconds !== f.forSeconds
      ? ` (Prometheus loaded for=${t.loadedForSeconds}s, expected ${f.forSeconds}s)`
      : t.loadedForSeconds === undefined
        ? ' (Prometheus has no rule of this name)'
        : '';

  let outcome: Verdict['outcome'] = 'pass';
  let summary: string;
  let reason: string | undefined;
  const fail = (s: string) => {
    outcome = 'fail';
    summary = `${t.alert}: ${s}`;
  };
  if (t.startState === 'firing') fail(`was already firing in the healthy phase before the fault`);
  else if (t.others.length > 0)
    fail(
      `${[...new Set(t.others.map((o) => o.alert))].join(', ')} fired during the ${t.alert} fault phase (${t.fault})`,
    );
  else if (t.firingAt === undefined && (t.problems.length > 0 || served === 0)) {
    outcome = 'inconclusive';
    reason =
      t.problems.length > 0
        ? t.problems.join('; ')
        : 'no request of the background traffic was answered during the fault';
    summary = `${t.alert}: not observed firing, and the evidence is incomplete`;
  } else if (t.firingAt === undefined || delay === undefined)
    fail(`did not fire within ${sec(t.firingDeadlineMs)} s under its fault (${t.fault})${loaded}`);
  else if (delay > limit) fail(`fired ${delay.toFixed(1)} s after the fault: over the ${floorText}${loaded}`);
  else if (heldFor !== undefined && heldFor < f.forSeconds - f.evaluationSeconds)
    fail(`fired ${heldFor.toFixed(1)} s after turning pending, before its for ${f.forSeconds} s${loaded}`);
  else if (t.deliveredAt === undefined) fail(`fired but no firing notification reached the receiver`);
  else if (t.resolvedAt === undefined)
    fail(`did not resolve within ${sec(t.resolveDeadlineMs)} s after the fault was removed`);
  else if (t.resolvedDeliveredAt === undefined) fail(`resolved but no resolved notification reached the receiver`);
  else
    summary = `${t.alert} fired ${delay.toFixed(1)} s after the fault (${floorText}), firing notice ${sec(t.deliveredAt - t.injectedAt)} s; fault removed, resolved after ${sec(t.resolvedAt - (t.removedAt ?? t.resolvedAt))} s, resolved notice after ${sec(t.resolvedDeliveredAt - (t.removedAt ?? t.resolvedDeliveredAt))} s`;
  const mark = f.compression ? ` [compressed ×${f.compression}: behaviour, not spec fidelity]` : '';
  return {
    checkId: `${f.requirement.toLowerCase()}-fires-live`,
    title: `${t.alert} fires under its fault within the physical floor, reaches the receiver and resolves`,
    requirements: [f.requirement],
    severity: 'gate',
    outcome,
    summary: `${summary!}${mark}`,
    observed: delay === undefined ? 'not firing' : `${delay.toFixed(1)} s to firing`,
    expected: `≤ ${limit.toFixed(1)} s (${floorText})`,
    ...(reason ? { reason } : {}),
    queries: f.expr ? [f.expr.trim()] : [],
    links: f.links ?? [],
    details: {
      compression: f.compression ?? 1,
      floorSeconds: floor,
      slackSeconds: f.slackSeconds,
      firingDelaySeconds: delay,
      overFloorSeconds: delay === undefined ? undefined : Number((delay - floor).toFixed(3)),
      pendingToFiringSeconds: heldFor,
      deliveredAfterFiringSeconds:
        t.deliveredAt !== undefined && t.firingAt !== undefined ? (t.deliveredAt - t.firingAt) / 1000 : undefined,
      resolvedAfterRemovalSeconds:
        t.resolvedAt !== undefined && t.removedAt !== undefined ? (t.resolvedAt - t.removedAt) / 1000 : undefined,
      fault: t.fault,
      timeline: {
        startState: t.startState,
        injected: iso(t.injectedAt),
        pending: iso(t.activeAt ?? t.pendingSeenAt),
        firing: iso(t.firingAt),
        inAlertmanager: iso(t.alertmanagerAt),
        delivered: iso(t.deliveredAt),
        faultRemoved: iso(t.removedAt),
        resolved: iso(t.resolvedAt),
        resolvedDelivered: iso(t.resolvedDeliveredAt),
      },
      others: t.others.map((o) => ({ alert: o.alert, at: iso(o.at) })),
      traffic: t.traffic,
      problems: t.problems,
    },
  };
}

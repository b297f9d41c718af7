import { describe, expect, it } from 'vitest';
import { judgeTimeline, type FloorInput, type Timeline } from './timeline.ts';

const T0 = Date.parse('2026-12-02T05:00:00Z');
const floor: FloorInput = {
  requirement: 'AL-1',
  forSeconds: 6,
  evaluationSeconds: 1,
  scrapeSeconds: 1,
  faultDelaySeconds: 0,
  slackSeconds: 5,
  compression: 20,
};
const seen: Timeline = {
  alert: 'APIAvailabilitySLOBreach',
  fault: 'GET /v1/pipelines/ answers 503',
  startState: 'inactive',
  injectedAt: T0,
  activeAt: T0 + 1500,
  pendingSeenAt: T0 + 1700,
  firingAt: T0 + 7900,
  alertmanagerAt: T0 + 8100,
  deliveredAt: T0 + 9000,
  removedAt: T0 + 9200,
  resolvedAt: T0 + 26000,
  resolvedDeliveredAt: T0 + 30000,
  others: [],
  problems: [],
  traffic: { sent: 100, skipped: 0, byStatus: { '503': 80, '202': 20 } },
  loadedForSeconds: 6,
  firingDeadlineMs: 33000,
  resolveDeadlineMs: 47000,
};

describe('judging an alert timeline against the physical floor', () => {
  it('passes and shows the measured delay beside the floor', () => {
    const v = judgeTimeline(seen, floor);
    expect(v.outcome).toBe('pass');
    expect(v.checkId).toBe('al-1-fires-live');
    expect(v.summary).toBe(
      'APIAvailabilitySLOBreach fired 7.9 s after the fault (floor 8.0 s = for 6 s + evaluation 1 s + scrape 1 s; slack 5 s), firing notice 9.0 s; fault removed, resolved after 16.8 s, resolved notice after 20.8 s [compressed ×20: behaviour, not spec fidelity]',
    );
    expect(v.details).toMatchObject({
      floorSeconds: 8,
      firingDelaySeconds: 7.9,
      overFloorSeconds: -0.1,
      pendingToFiringSeconds: 6.4,
    });
  });

  it.each<[string, Partial<Timeline>, RegExp]>([
    ['late', { firingAt: T0 + 13500 }, /fired 13\.5 s after the fault: over the floor 8\.0 s/],
    [
      'never',
      { firingAt: undefined, deliveredAt: undefined },
      /did not fire within 33\.0 s under its fault \(GET \/v1\/pipelines\/ answers 503\)/,
    ],
    ['too early for its for', { activeAt: T0 + 6000 }, /fired 1\.9 s after turning pending, before its for 6 s/],
    ['not delivered', { deliveredAt: undefined }, /no firing notification reached the receiver/],
    ['not resolved', { resolvedAt: undefined, resolvedDeliveredAt: undefined }, /did not resolve within 47\.0 s/],
    ['no resolved notice', { resolvedDeliveredAt: undefined }, /resolved but no resolved notification/],
    ['firing while healthy', { startState: 'firing' }, /already firing in the healthy phase/],
    [
      'another alert fired',
      { others: [{ alert: 'APILatencySLOBreach', at: T0 + 3000 }] },
      /APILatencySLOBreach fired during the APIAvailabilitySLOBreach fault phase/,
    ],
  ])('%s → fail naming the alert', (_what, change, why) => {
    const v = judgeTimeline({ ...seen, ...change }, floor);
    expect(v.outcome).toBe('fail');
    expect(v.summary).toMatch(/^APIAvailabilitySLOBreach/);
    expect(v.summary).toMatch(why);
  });

  it('names a rule whose loaded for differs from the expected one', () => {
    const v = judgeTimeline({ ...seen, firingAt: undefined, loadedForSeconds: 120 }, floor);
    expect(v.summary).toMatch(/Prometheus loaded for=120s, expected 6s/);
  });

  it('is inconclusive, never a pass, when it could not see: backend unreachable or no traffic answered', () => {
    const down = judgeTimeline({ ...seen, firingAt: undefined, problems: ['prometheus: ECONNREFUSED'] }, floor);
    expect([down.outcome, down.reason]).toEqual(['inconclusive', 'prometheus: ECONNREFUSED']);
    const quiet = judgeTimeline(
      { ...seen, firingAt: undefined, traffic: { sent: 10, skipped: 0, byStatus: { error: 10 } } },
      floor,
    );
    expect(quiet.outcome).toBe('inconclusive');
  });
});

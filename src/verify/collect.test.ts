import { describe, expect, it } from 'vitest';
import type { Observation } from '../model/observation.ts';
import type { AlertmanagerRequest, PrometheusRequest } from '../model/request.ts';
import type { Backend } from '../sources/backend.ts';
import type { PrometheusBackend, PrometheusSource } from '../sources/prometheus.ts';
import { collect } from './collect.ts';
import { settle } from './settle.ts';
import { HarnessError } from '../util/errors.ts';
import type { Check } from './kinds/index.ts';
import { ctxAt } from './testkit.ts';

const base = { title: 't', requirements: ['KM-1'], severity: 'gate' as const };
const flags = (id: string): Check => ({
  ...base,
  id,
  source: 'prometheus-flags',
  flag: 'f',
  comparator: '>=',
  target: '1',
});
const alertPath: Check = { ...base, id: 'am', source: 'alertmanager', alertnames: ['A'] };

/** A backend that answers every request with an empty vector and records what it was asked. */
function fakeMetrics(asked: PrometheusRequest[]): PrometheusBackend {
  return {
    name: 'prometheus',
    source: {} as PrometheusSource, // collect never reaches past fetch()
    fetch(req) {
      asked.push(req);
      const o: Observation = { kind: 'vector', samples: [] };
      return Promise.resolve(o);
    },
  };
}

describe('collect()', () => {
  it('routes each request to the backend it names, fetching identical requests once', async () => {
    const asked: PrometheusRequest[] = [];
    const alerts: AlertmanagerRequest[] = [];
    const am: Backend<AlertmanagerRequest> = {
      name: 'alertmanager',
      fetch(req) {
        alerts.push(req);
        return Promise.resolve({ kind: 'alerts', alerts: [] });
      },
    };
    const obs = await collect([flags('f1'), flags('f2'), alertPath], ctxAt(), undefined, {
      metrics: fakeMetrics(asked),
      alerts: am,
    });
    // Both flag checks share one /flags call; the alert path asks Prometheus three things.
    expect(asked.map((r) => r.op).sort()).toEqual(['alertmanagers', 'alerts', 'flags', 'instant']);
    expect(alerts).toHaveLength(1);
    expect(obs.f1?.main).toEqual({ kind: 'vector', samples: [] });
    expect(obs.f2?.main).toBe(obs.f1?.main);
    expect(obs.am?.amAlerts).toEqual({ kind: 'alerts', alerts: [] });
  });

  it('records a backend that is not opened as an error observation naming it', async () => {
    const obs = await collect([alertPath], ctxAt(), undefined, { metrics: fakeMetrics([]) });
    expect(obs.am?.amAlerts).toEqual({
      kind: 'error',
      backend: 'alertmanager',
      code: 'SOURCE_NOT_CONFIGURED',
      message: 'no alertmanager source',
    });
  });

  it('turns a backend that throws into an error observation, never a rejection', async () => {
    const broken: PrometheusBackend = {
      name: 'prometheus',
      source: {} as PrometheusSource, // collect never reaches past fetch()
      fetch: () => Promise.reject(new Error('boom')),
    };
    const obs = await collect([flags('f1')], ctxAt(), undefined, { metrics: broken });
    expect(obs.f1?.main).toEqual({ kind: 'error', backend: 'prometheus', code: 'SOURCE_FAILED', message: 'boom' });
  });
});

describe('collect() under the overall deadline', () => {
  it('fetches nothing once the deadline has passed: each request is a VERIFY_DEADLINE error, never a value', async () => {
    const asked: PrometheusRequest[] = [];
    let clock = 1_000;
    const obs = await collect(
      [flags('f1'), alertPath],
      ctxAt(),
      undefined,
      { metrics: fakeMetrics(asked) },
      {
        concurrency: 1,
        deadlineAt: 1_500,
        // The first fetch happens in time; then the clock passes the deadline.
        now: () => (clock += 400),
      },
    );
    expect(asked.length).toBe(1);
    expect(obs.am?.promAlerts).toMatchObject({ kind: 'error', code: 'VERIFY_DEADLINE' });
  });
});

describe('settle()', () => {
  it('gives up at once on a Prometheus that keeps answering 5xx, not at the end of its budget', async () => {
    const broken = {
      lastScrape: () =>
        Promise.resolve(new HarnessError('SOURCE_HTTP_5XX', 'prometheus answered HTTP 500: a server error')),
    } as unknown as PrometheusSource;
    const r = await settle(broken, ['backend-api'], Date.now() / 1000, { timeoutMs: 60_000, intervalMs: 10 });
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/HTTP 500.*3 polls running/);
  });
});

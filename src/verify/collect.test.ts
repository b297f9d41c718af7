import { describe, expect, it } from 'vitest';
import type { Observation } from '../model/observation.ts';
import type { AlertmanagerRequest, PrometheusRequest } from '../model/request.ts';
import type { Backend } from '../sources/backend.ts';
import type { PrometheusBackend, PrometheusSource } from '../sources/prometheus.ts';
import { collect } from './collect.ts';
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

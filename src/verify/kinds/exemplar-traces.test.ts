import { describe, expect, it } from 'vitest';
import type { Observation } from '../../model/observation.ts';
import type { PrometheusRequest } from '../../model/request.ts';
import type { TraceRequest } from '../../model/trace.ts';
import type { Backend } from '../../sources/backend.ts';
import type { PrometheusBackend, PrometheusSource } from '../../sources/prometheus.ts';
import { DEFAULT_TARGET } from '../../config/telemetry-names.ts';
import { HarnessError } from '../../util/errors.ts';
import { collect } from '../collect.ts';
import { evaluate } from '../evaluate.ts';
import { loadChecks } from '../load.ts';
import { ctxAt, T0 } from '../testkit.ts';
import type { Check } from './index.ts';
import { sampleExemplarIds } from './exemplar-traces.ts';

const CHECKS = new URL('../../../checks/', import.meta.url).pathname;
const JAEGER = 'http://127.0.0.1:16686';
const ctx = ctxAt({
  urls: { jaeger: JAEGER },
  backends: { prometheus: true, alertmanager: true, logs: true, promtool: true, traces: true },
});
const id = (i: number) => `${i.toString(16).padStart(4, '0')}${'ef'.repeat(14)}`;

/** `/api/v1/query_exemplars` as Prometheus answers it: one series per bucket, exemplars in time order. */
function exemplars(ids: string[]): Observation {
  return {
    kind: 'exemplars',
    series: [
      {
        labels: { __name__: 'http_request_duration_seconds_bucket', le: '0.1' },
        exemplars: ids.map((t, i) => ({
          labels: { trace_id: t, span_id: 'a'.repeat(16) },
          value: 0.01,
          timestamp: T0 + 10 + i,
        })),
      },
    ],
  };
}

async function tp4(): Promise<Check> {
  const cat = await loadChecks(CHECKS, DEFAULT_TARGET);
  if (cat instanceof HarnessError) throw cat;
  const c = cat.checks.find((x) => x.id === 'tp-4-exemplars-resolve');
  if (!c) throw new Error('tp-4-exemplars-resolve not in the catalogue');
  return c;
}

/** Prometheus answering the exemplars query; Jaeger holding the traces in `held`. */
function fakes(answer: Observation, held: Set<string>, asked: { prom: PrometheusRequest[]; traces: TraceRequest[] }) {
  const metrics: PrometheusBackend = {
    name: 'prometheus',
    source: {} as PrometheusSource, // collect never reaches past fetch()
    fetch(req) {
      asked.prom.push(req);
      return Promise.resolve(answer);
    },
  };
  const traces: Backend<TraceRequest> = {
    name: 'traces',
    fetch(req) {
      asked.traces.push(req);
      if (req.op !== 'get') throw new Error(`unexpected ${req.op}`);
      return Promise.resolve({
        kind: 'traces',
        from: JAEGER,
        traces: req.traces.map((w) => ({
          traceId: w.id,
          state: held.has(w.id) ? ('found' as const) : ('missing' as const),
          spans: [],
          polls: held.has(w.id) ? 1 : 6,
        })),
      });
    },
  };
  return { metrics, traces };
}

async function judge(answer: Observation, held: Set<string>, c = ctx) {
  const check = await tp4();
  const asked = { prom: [] as PrometheusRequest[], traces: [] as TraceRequest[] };
  const obs = await collect([check], c, undefined, fakes(answer, held, asked));
  const [v] = evaluate([check], obs, undefined, c);
  return { v: v!, asked };
}

describe('sampleExemplarIds()', () => {
  it('keeps each trace ID once, oldest first, thinned evenly to at most n (first and newest kept)', () => {
    const ids = Array.from({ length: 50 }, (_, i) => id(i));
    const o = exemplars([...ids, ids[3]!]);
    const s = sampleExemplarIds(o, 'trace_id', 20);
    expect(s).toHaveLength(20);
    expect(new Set(s).size).toBe(20);
    expect(s[0]).toBe(ids[0]);
    expect(s[19]).toBe(ids[49]);
    expect(sampleExemplarIds(exemplars(ids.slice(0, 5)), 'trace_id', 20)).toEqual(ids.slice(0, 5));
    expect(sampleExemplarIds(o, 'traceID', 20)).toEqual([]);
    expect(sampleExemplarIds({ kind: 'vector', samples: [] }, 'trace_id', 20)).toEqual([]);
  });
});

describe('tp-4-exemplars-resolve (exemplars → a follow-up lookup in the trace store)', () => {
  it('passes when every sampled exemplar trace ID is a trace in Jaeger, looking up at most 20', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => id(i));
    const { v, asked } = await judge(exemplars(ids), new Set(ids));
    expect(asked.prom.map((r) => r.op)).toEqual(['exemplars']);
    expect(asked.prom[0]).toMatchObject({ query: 'http_request_duration_seconds_bucket{job="backend-api"}' });
    expect(asked.traces).toHaveLength(1);
    const get = asked.traces[0]!;
    expect(get.op === 'get' && get.traces.length).toBe(20);
    expect(v.outcome).toBe('pass');
    expect(v.requirements).toEqual(['TP-4']);
    expect(v.summary).toBe('all 20 sampled exemplar trace IDs (of 30 exemplars) resolve to traces in the trace store');
    expect(v.links[0]).toBe(`${JAEGER}/trace/${ids[0]}`);
  });

  it('fails naming the trace IDs Jaeger does not hold', async () => {
    const ids = Array.from({ length: 4 }, (_, i) => id(i));
    const { v } = await judge(exemplars(ids), new Set(ids.slice(0, 3)));
    expect(v.outcome).toBe('fail');
    expect(v.summary).toBe(`1 of 4 sampled exemplar trace IDs are not in the trace store: ${ids[3]}`);
    expect(v.links).toEqual([`${JAEGER}/trace/${ids[3]}`]);
    expect(v.details).toMatchObject({ sampled: 4, found: 3, missing: [ids[3]] });
  });

  it('is inconclusive with no exemplars in the window, and looks nothing up', async () => {
    const { v, asked } = await judge(exemplars([]), new Set());
    expect(v.outcome).toBe('inconclusive');
    expect(v.summary).toMatch(/^no exemplars in the window/);
    expect(asked.traces).toEqual([]);
  });

  it('is inconclusive when the exemplars query failed: no follow-up is made', async () => {
    const err: Observation = { kind: 'error', backend: 'prometheus', code: 'SOURCE_HTTP', message: 'HTTP 503' };
    const { v, asked } = await judge(err, new Set());
    expect(v.outcome).toBe('inconclusive');
    expect(v.summary).toBe('prometheus: HTTP 503');
    expect(asked.traces).toEqual([]);
  });

  it('is inconclusive when no trace store is configured, saying so', async () => {
    const ids = [id(1)];
    const check = await tp4();
    const c = ctxAt();
    const asked = { prom: [] as PrometheusRequest[], traces: [] as TraceRequest[] };
    const { metrics } = fakes(exemplars(ids), new Set(ids), asked);
    const obs = await collect([check], c, undefined, { metrics });
    const [v] = evaluate([check], obs, undefined, c);
    expect(v!.outcome).toBe('inconclusive');
    expect(v!.summary).toBe('the traces backend is not configured');
  });
});

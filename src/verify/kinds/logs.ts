import type { CheckBase } from '../../model/check.ts';
import type { EvalContext } from '../../model/context.ts';
import type { Ledger, TraceSample } from '../../model/ledger.ts';
import type { Observation } from '../../model/observation.ts';
import type { Verdict } from '../../model/verdict.ts';
import { isoRange, verdict, violated } from '../verdict.ts';
import { defineKind } from './kind.ts';

export interface LogCheck extends CheckBase {
  source: 'logs';
  assertion:
    | { kind: 'fields'; required: string[] }
    | { kind: 'w3c-ids' }
    | { kind: 'message'; message: string; fields: string[]; atLeast: 'ledger.executions.created' | number }
    /** The run's sampled requests (ledger trace IDs) are found in the log store (ARCH-4). */
    | { kind: 'run-traces' };
  /** Only records from these services (record `service`); default all. */
  services?: string[];
}

/** Reads a path like `otel/resource/service.name` (slash-separated: keys contain dots). */
export function pick(rec: unknown, path: string): { found: boolean; value: unknown } {
  let cur: unknown = rec;
  for (const part of path.split('/')) {
    if (cur === null || typeof cur !== 'object' || !(part in cur)) return { found: false, value: undefined };
    cur = (cur as Record<string, unknown>)[part];
  }
  return { found: true, value: cur };
}

const TRACE = /^[0-9a-f]{32}$/;
const SPAN = /^[0-9a-f]{16}$/;

export function evalLogs(
  check: LogCheck,
  obs: Record<string, Observation>,
  ctx: EvalContext,
  ledger: Ledger | undefined,
  win: { start: number },
): Verdict {
  const o = obs.main;
  // The records were read to the aligned window's end (the `requests` below).
  const range = isoRange({ start: win.start, end: Math.max(ctx.evalTime, ctx.window.end) });
  if (check.assertion.kind === 'run-traces') return evalRunTraces(check, o, ctx, ledger, win, range);
  if (o?.kind !== 'logs')
    return verdict(check, 'inconclusive', 'unexpected observation', { range, reason: `expected logs, got ${o?.kind}` });
  const recs = o.records.filter((r) => !check.services || check.services.includes(String(r.service)));
  const files = {
    from: o.from,
    malformedLines: o.malformed ?? 'not measurable in this store (no malformedQuery)',
    recordsInWindow: recs.length,
  };
  if (recs.length === 0)
    return verdict(check, 'inconclusive', 'no log records in the window', {
      range,
      reason: 'no records',
      details: files,
    });
  const a = check.assertion;
  // Past the source's bound the records are a uniform sample of the window: say so.
  const scope = o.sampled
    ? `a uniform sample of ${recs.length} of the ${o.total} records in the window`
    : `${recs.length} records`;
  if (a.kind === 'fields') {
    const missing = new Map<string, number>();
    for (const r of recs) for (const f of a.required) if (!pick(r, f).found) missing.set(f, (missing.get(f) ?? 0) + 1);
    const ok = missing.size === 0 && (o.malformed ?? 0) === 0;
    const miss = [...missing].map(([f, n]) => `${f} (${n})`);
    return verdict(
      check,
      ok ? 'pass' : violated(check),
      ok
        ? `${scope}: every one has all ${a.required.length} fields${o.malformed === undefined ? ' (lines that were not JSON are counted only through the fields they lack: set logs.malformedQuery to count them)' : ''}`
        : `${o.malformed ?? 'uncounted'} malformed lines; missing: ${miss.join(', ') || 'none'} (${scope})`,
      {
        range,
        observed: ok ? `${recs.length} complete records` : `missing ${miss.join(', ')}`,
        expected: `every record has ${a.required.join(', ')}`,
        details: files,
      },
    );
  }
  if (a.kind === 'w3c-ids') {
    const withIds = recs.filter((r) => r.trace_id !== null && r.trace_id !== undefined);
    const bad = withIds.filter((r) => !TRACE.test(String(r.trace_id)) || !SPAN.test(String(r.span_id)));
    if (withIds.length === 0)
      return verdict(check, 'inconclusive', 'no record carries a trace_id', {
        range,
        reason: 'no records with trace context',
        details: files,
      });
    const ok = bad.length === 0;
    return verdict(
      check,
      ok ? 'pass' : violated(check),
      ok
        ? `${withIds.length} records with trace context, all W3C-sized (32/16 hex) (${scope})`
        : `${bad.length}/${withIds.length} records have non-W3C trace_id/span_id, e.g. ${String(bad[0]?.trace_id)}`,
      {
        range,
        observed: `${bad.length} invalid of ${withIds.length}`,
        expected: 'trace_id 32 lowercase hex, span_id 16 lowercase hex',
        details: files,
      },
    );
  }
  const matching = recs.filter((r) => r.message === a.message);
  const incomplete = matching.filter((r) =>
    a.fields.some((f) => {
      const p = pick(r, f);
      return !p.found || p.value === null || p.value === '';
    }),
  );
  const need = a.atLeast === 'ledger.executions.created' ? ledger?.executions.created : a.atLeast;
  if (need === undefined)
    return verdict(check, 'skipped', 'needs the ground-truth ledger of a run', { range, reason: 'no ledger' });
  if (o.sampled && matching.length < need)
    // A sample holding fewer than needed says nothing about the whole window.
    return verdict(check, 'inconclusive', `${matching.length} "${a.message}" records in ${scope} (need ≥ ${need})`, {
      range,
      reason: 'more records in the window than are read: the sample cannot show they are all there',
      details: files,
    });
  const ok = matching.length >= need && incomplete.length === 0;
  return verdict(
    check,
    ok ? 'pass' : violated(check),
    `${matching.length} "${a.message}" records (need ≥ ${need}), ${incomplete.length} lacking ${a.fields.join('/')}`,
    {
      range,
      observed: matching.length,
      expected: `≥ ${need} with ${a.fields.join(', ')}`,
      details: files,
    },
  );
}

/** The ledger's sampled requests a service should have logged: answered, on a logged route, in the window. */
export function loggedSamples(
  ledger: Ledger | undefined,
  unlogged: string[],
  start: number,
  end: number,
): TraceSample[] {
  const skip = new Set(unlogged);
  return (ledger?.traceSamples ?? []).filter((s) => {
    const t = Date.parse(s.time) / 1000;
    return s.status > 0 && !skip.has(s.route) && t >= start && t <= end;
  });
}

/**
 * ARCH-4: every request the client sampled (its trace ID, on a route the service logs,
 * answered by the service) is found as a record's `trace_id` in the log store. A missing
 * request older than one that was found is lost; missing ones all newer than every found
 * one may still be on their way (the store lags): inconclusive, saying so.
 */
function evalRunTraces(
  check: LogCheck,
  o: Observation | undefined,
  ctx: EvalContext,
  ledger: Ledger | undefined,
  win: { start: number },
  range: Verdict['range'],
): Verdict {
  if (!ledger)
    return verdict(check, 'skipped', 'needs the ground-truth ledger of a run', { range, reason: 'no ledger' });
  if (o?.kind === 'log-traces' && o.store === 'files')
    return verdict(check, 'skipped', "the logs here are the services' own files, not a log store", {
      range,
      reason: 'no log store: configure logs: { kind: elasticsearch, … } to follow records into it',
    });
  if (o?.kind !== 'log-traces')
    return verdict(check, 'inconclusive', 'unexpected observation', {
      range,
      reason: `expected log-traces, got ${o?.kind}`,
    });
  const samples = loggedSamples(
    ledger,
    ctx.target.uninstrumentedRoutes,
    win.start,
    Math.max(ctx.evalTime, ctx.window.end),
  );
  if (samples.length === 0)
    return verdict(check, 'inconclusive', 'the ledger sampled no logged request in the window', {
      range,
      reason: 'nothing to look for',
    });
  const found = new Set(o.found);
  const missing = samples.filter((s) => !found.has(s.traceId));
  const expected = `all ${samples.length} sampled requests have a record with their trace_id`;
  const where = o.from.join(', ');
  const details = {
    from: o.from,
    looked: samples.length,
    found: samples.length - missing.length,
    settle: ctx.logSettle,
  };
  if (missing.length === 0)
    return verdict(check, 'pass', `${samples.length}/${samples.length} sampled requests found in ${where}`, {
      range,
      observed: samples.length,
      expected,
      details,
    });
  const newestFound = Math.max(0, ...samples.filter((s) => found.has(s.traceId)).map((s) => Date.parse(s.time)));
  const lost = missing.filter((m) => Date.parse(m.time) < newestFound);
  const eg = (xs: TraceSample[]) =>
    xs
      .slice(0, 3)
      .map((m) => `${m.route} ${m.status} at ${m.time} (trace ${m.traceId})`)
      .join('; ');
  if (lost.length === 0)
    return verdict(
      check,
      'inconclusive',
      `the ${missing.length} newest of ${samples.length} sampled requests are not in ${where} yet, e.g. ${eg(missing)}`,
      {
        range,
        reason: `the log store had not caught up${ctx.logSettle ? ` (${ctx.logSettle.reason})` : ''}`,
        details: { ...details, missing: eg(missing) },
      },
    );
  return verdict(
    check,
    violated(check),
    `${lost.length}/${samples.length} sampled requests have no log record in ${where} though later ones do, e.g. ${eg(lost)}`,
    { range, observed: samples.length - missing.length, expected, details: { ...details, lost: eg(lost) } },
  );
}

const logAssertion = {
  type: 'object',
  required: ['kind'],
  discriminator: { propertyName: 'kind' },
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'required'],
      properties: { kind: { const: 'fields' }, required: { type: 'array', items: { type: 'string' }, minItems: 1 } },
    },
    { type: 'object', additionalProperties: false, required: ['kind'], properties: { kind: { const: 'w3c-ids' } } },
    { type: 'object', additionalProperties: false, required: ['kind'], properties: { kind: { const: 'run-traces' } } },
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'message', 'fields', 'atLeast'],
      properties: {
        kind: { const: 'message' },
        message: { type: 'string' },
        fields: { type: 'array', items: { type: 'string' } },
        atLeast: { oneOf: [{ const: 'ledger.executions.created' }, { type: 'integer', minimum: 0 }] },
      },
    },
  ],
};

export const logs = defineKind<LogCheck>({
  source: 'logs',
  schema: {
    properties: { assertion: logAssertion, services: { type: 'array', items: { type: 'string' } } },
    required: ['assertion'],
  },
  requests(check, ctx, ledger, win) {
    // A service logs a request when it has answered it, which can be a moment after the
    // client's last response closed the ledger's window: read to the aligned window's end.
    const end = Math.max(ctx.evalTime, ctx.window.end);
    if (check.assertion.kind === 'run-traces')
      // Trace IDs are unique: look them up with slack around the window, since a store may
      // stamp records with the time they were shipped rather than written.
      return [
        {
          key: 'main',
          backend: 'logs',
          op: 'traces',
          ids: loggedSamples(ledger, ctx.target.uninstrumentedRoutes, win.start, end).map((s) => s.traceId),
          start: win.start - 60,
          end: end + 600,
        },
      ];
    return [{ key: 'main', backend: 'logs', op: 'records', start: win.start, end }];
  },
  evaluate: (check, obs, ctx, ledger, win) => evalLogs(check, obs, ctx, ledger, win),
});

import type { Ledger } from '../ledger/types.ts';
import { isoRange, verdict, violated } from './verdict.ts';
import type { EvalContext, LogCheck, LogsObs, Observation, Verdict } from './types.ts';

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
  // The records were read to the aligned window's end (plan.ts).
  const range = isoRange({ start: win.start, end: Math.max(ctx.evalTime, ctx.window.end) });
  if (o?.kind !== 'logs')
    return verdict(check, 'inconclusive', 'unexpected observation', { range, reason: `expected logs, got ${o?.kind}` });
  const recs = o.records.filter((r) => !check.services || check.services.includes(String(r.service)));
  const files = {
    from: o.from,
    malformedLines: o.malformed ?? 'not measurable in this store (no malformedQuery)',
    recordsInWindow: recs.length,
  };
  if (check.assertion.kind === 'run-traces' && o.store === 'files')
    return verdict(check, 'skipped', "the logs here are the services' own files, not a log store", {
      range,
      reason: 'no log store: configure logs: { kind: elasticsearch, … } to follow records into it',
      details: files,
    });
  if (recs.length === 0)
    return verdict(check, 'inconclusive', 'no log records in the window', {
      range,
      reason: 'no records',
      details: files,
    });
  const a = check.assertion;
  if (a.kind === 'fields') {
    const missing = new Map<string, number>();
    for (const r of recs) for (const f of a.required) if (!pick(r, f).found) missing.set(f, (missing.get(f) ?? 0) + 1);
    const ok = missing.size === 0 && (o.malformed ?? 0) === 0;
    const miss = [...missing].map(([f, n]) => `${f} (${n})`);
    return verdict(
      check,
      ok ? 'pass' : violated(check),
      ok
        ? o.total > o.records.length
          ? `${recs.length} records checked (the first of ${o.total} in the window), each has all ${a.required.length} fields`
          : `${recs.length} records, every one has all ${a.required.length} fields${o.malformed === undefined ? ' (lines that were not JSON are not measurable here: set logs.malformedQuery)' : ''}`
        : `${o.malformed} malformed lines; missing: ${miss.join(', ') || 'none'}`,
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
        ? `${withIds.length} records with trace context, all W3C-sized (32/16 hex)`
        : `${bad.length}/${withIds.length} records have non-W3C trace_id/span_id, e.g. ${String(bad[0]?.trace_id)}`,
      {
        range,
        observed: `${bad.length} invalid of ${withIds.length}`,
        expected: 'trace_id 32 lowercase hex, span_id 16 lowercase hex',
        details: files,
      },
    );
  }
  if (a.kind === 'run-traces') return evalRunTraces(check, o, recs, ctx, ledger, win, range, files);
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

/**
 * ARCH-4: every request the client sampled (its trace ID, on a route the service logs,
 * answered by the service) is found as a record's `trace_id` in the log store.
 */
function evalRunTraces(
  check: LogCheck,
  o: LogsObs,
  recs: Array<Record<string, unknown>>,
  ctx: EvalContext,
  ledger: Ledger | undefined,
  win: { start: number },
  range: Verdict['range'],
  details: Record<string, unknown>,
): Verdict {
  if (!ledger)
    return verdict(check, 'skipped', 'needs the ground-truth ledger of a run', { range, reason: 'no ledger' });
  const skip = new Set(ctx.target.uninstrumentedRoutes);
  const samples = ledger.traceSamples.filter((s) => {
    const t = Date.parse(s.time) / 1000;
    return s.status > 0 && !skip.has(s.route) && t >= win.start && t <= Math.max(ctx.evalTime, ctx.window.end);
  });
  if (samples.length === 0)
    return verdict(check, 'inconclusive', 'the ledger sampled no logged request in the window', {
      range,
      reason: 'nothing to look for',
      details,
    });
  const seen = new Set(recs.map((r) => r.trace_id).filter((t): t is string => typeof t === 'string'));
  const missing = samples.filter((s) => !seen.has(s.traceId));
  const expected = `all ${samples.length} sampled requests have a record with their trace_id`;
  if (missing.length === 0)
    return verdict(
      check,
      'pass',
      `${samples.length}/${samples.length} sampled requests found in ${o.from.join(', ')}`,
      {
        range,
        observed: samples.length,
        expected,
        details,
      },
    );
  const eg = missing
    .slice(0, 3)
    .map((m) => `${m.route} ${m.status} at ${m.time} (trace ${m.traceId})`)
    .join('; ');
  if (o.total > o.records.length)
    // The missing ones may be among the records beyond the bound: not enough to judge.
    return verdict(
      check,
      'inconclusive',
      `${missing.length} sampled requests not among the first ${o.records.length} of ${o.total} records`,
      {
        range,
        reason: 'more records in the window than are read',
        details: { ...details, missing: eg },
      },
    );
  return verdict(
    check,
    violated(check),
    `${missing.length}/${samples.length} sampled requests have no log record in ${o.from.join(', ')}, e.g. ${eg}`,
    { range, observed: samples.length - missing.length, expected, details: { ...details, missing: eg } },
  );
}

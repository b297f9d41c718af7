import type { Ledger, TraceSample } from '../../model/ledger.ts';
import type { EvalContext } from '../../model/context.ts';
import { naming } from './analyse.ts';
import type { TraceCheck } from './check.ts';
import type { TraceRequest } from '../../model/trace.ts';
import type { Request } from '../../model/request.ts';

/** The window's end as the trace checks read it: spans may end after the client's last response. */
export const traceEnd = (ctx: EvalContext): number => Math.max(ctx.evalTime, ctx.window.end);

/** The sampled requests a check looks up: answered by the service, in the window, filtered. */
export function samplesFor(
  check: TraceCheck,
  ledger: Ledger | undefined,
  win: { start: number },
  ctx: EvalContext,
): TraceSample[] {
  const end = traceEnd(ctx);
  const routes = check.samples?.routes;
  const outcomes = check.samples?.outcomes;
  const seen = new Set<string>();
  return (ledger?.traceSamples ?? []).filter((s) => {
    const t = Date.parse(s.time) / 1000;
    // A request the service never answered (status 0) leaves no trace to look for.
    const keep =
      s.status > 0 &&
      t >= win.start &&
      t <= end &&
      (!routes || routes.includes(s.route)) &&
      (!outcomes || outcomes.includes(s.outcome));
    // One trace per ID: an execution is sampled by its request and again by its outcome.
    if (!keep || seen.has(s.traceId)) return false;
    seen.add(s.traceId);
    return true;
  });
}

export const entryOf = (check: TraceCheck): string => check.entryService ?? 'backend-api';

/** The logical services a complete trace of this route holds. */
export function journeyOf(check: TraceCheck, route: string): string[] {
  return check.journeys?.[route] ?? [entryOf(check)];
}

/** What one trace check needs fetched. Pure. */
export function traceRequests(
  check: TraceCheck,
  ctx: EvalContext,
  ledger: Ledger | undefined,
  win: { start: number; end: number },
): Request[] {
  const names = naming(ctx.target.services);
  if (check.assert.kind === 'services') {
    const reqs: TraceRequest[] = [{ key: 'services', backend: 'traces', op: 'services' }];
    for (const s of check.assert.services)
      reqs.push({
        key: `search:${s}`,
        backend: 'traces',
        op: 'search',
        service: names.telemetry(s),
        start: win.start,
        end: traceEnd(ctx) + 60,
        limit: 20,
      });
    return reqs;
  }
  const samples = samplesFor(check, ledger, win, ctx);
  const traces = samples.map((s) => ({ id: s.traceId, services: journeyOf(check, s.route).map(names.telemetry) }));
  // Whether the store holds any trace of the entry service begun at or after the newest
  // sample: then it is not behind, and a sampled trace it lacks is lost, not lagging.
  const newest = Math.max(...samples.map((s) => Date.parse(s.time) / 1000));
  const probe = { service: names.telemetry(entryOf(check)), start: Math.floor(newest), end: traceEnd(ctx) + 60 };
  const reqs: Request[] = [{ key: 'main', backend: 'traces', op: 'get', traces, ...(samples.length ? { probe } : {}) }];
  // The same records request as the logs checks make (collect fetches it once).
  if (check.assert.kind === 'log-correlation')
    reqs.push({ key: 'logs', backend: 'logs', op: 'records', start: win.start, end: traceEnd(ctx) });
  return reqs;
}

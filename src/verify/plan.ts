import { loggedSamples } from './eval-logs.ts';
import type { Ledger } from '../ledger/types.ts';
import { formatDuration } from '../util/duration.ts';
import type { Check, EvalContext, PromQueryCheck, Request, TargetConfig, TruthCheck } from './types.ts';

/** The time range one check judges: its phase when it names one, else the run window. */
export function checkWindow(
  check: Check,
  ctx: EvalContext,
  ledger: Ledger | undefined,
): { start: number; end: number } {
  if (check.phase && ledger) {
    const p = ledger.phases.find((x) => x.name === check.phase);
    if (p) {
      const s = Date.parse(p.start) / 1000;
      const e = Date.parse(p.end) / 1000;
      return {
        start: alignDown(s, ctx.stepSeconds),
        end: Math.max(alignUp(e, ctx.stepSeconds), alignDown(s, ctx.stepSeconds)),
      };
    }
  }
  return ctx.window;
}

export function alignDown(t: number, step: number): number {
  return Math.floor(t / step) * step;
}
export function alignUp(t: number, step: number): number {
  return Math.ceil(t / step) * step;
}

/**
 * `$range` for instant checks: from one scrape interval before the window start to the
 * evaluation time, whole seconds. The extra interval lets rate()/increase() see the last
 * sample taken before the traffic began; without it, what happened before the window's
 * first in-range scrape is lost (a short run could read as "0 executions/h").
 */
export function rangeOf(win: { start: number }, ctx: EvalContext): string {
  return formatDuration(Math.max(ctx.stepSeconds, Math.ceil(ctx.evalTime - win.start + ctx.scrapeIntervalSeconds)));
}

/** The query exactly as it will be sent. */
export function renderQuery(check: PromQueryCheck, win: { start: number; end: number }, ctx: EvalContext): string {
  let q = check.query;
  if (check.window) q = q.replaceAll('$window', check.window);
  return q.replaceAll('$range', rangeOf(win, ctx));
}

/** Queries of the ground-truth checks, built from the target's metric names. */
export function truthQuery(check: TruthCheck, t: TargetConfig): string {
  const sel = `{job="${t.job}"}`;
  switch (check.truth) {
    case 'request-count':
    case 'availability':
      return `sum by (method, route, code) (${t.metrics.httpRequests}${sel})`;
    case 'latency-p95':
      return `sum by (le) (${t.metrics.httpDuration}_bucket${sel})`;
    case 'executions':
      return `sum by (status) (${t.metrics.executions})`;
  }
}

/** Everything one check needs fetched, keyed by the names its evaluator reads. Pure. */
export function requestsFor(check: Check, ctx: EvalContext, ledger: Ledger | undefined): Request[] {
  const win = checkWindow(check, ctx, ledger);
  switch (check.source) {
    case 'prometheus': {
      const query = renderQuery(check, win, ctx);
      return check.mode === 'range'
        ? [
            {
              key: 'main',
              backend: 'prometheus',
              op: 'range',
              query,
              start: win.start,
              end: win.end,
              step: ctx.stepSeconds,
            },
          ]
        : [{ key: 'main', backend: 'prometheus', op: 'instant', query, time: ctx.evalTime }];
    }
    case 'prometheus-series':
      // count_over_time tells "has samples in the window" without pulling every sample.
      return check.selectors.map((s, i) => ({
        key: `s${i}`,
        backend: 'prometheus',
        op: 'instant',
        query: `count_over_time(${s}[${rangeOf(win, ctx)}])`,
        time: ctx.evalTime,
      }));
    case 'prometheus-buckets':
      return [
        {
          key: 'main',
          backend: 'prometheus',
          op: 'instant',
          query: `count by (le) (last_over_time(${check.selector}[${rangeOf(win, ctx)}]))`,
          time: ctx.evalTime,
        },
      ];
    case 'prometheus-flags':
      return [{ key: 'main', backend: 'prometheus', op: 'flags' }];
    case 'prometheus-rules':
      return [{ key: 'main', backend: 'prometheus', op: 'rules' }];
    case 'prometheus-targets':
      return [{ key: 'main', backend: 'prometheus', op: 'targets' }];
    case 'prometheus-exemplars':
      return [
        {
          key: 'main',
          backend: 'prometheus',
          op: 'exemplars',
          query: check.selector,
          start: win.start,
          end: ctx.evalTime,
        },
      ];
    case 'alertmanager':
      return [
        { key: 'amDiscovery', backend: 'prometheus', op: 'alertmanagers' },
        { key: 'promAlerts', backend: 'prometheus', op: 'alerts' },
        {
          key: 'notifyErrors',
          backend: 'prometheus',
          op: 'instant',
          query: `sum(increase(prometheus_notifications_errors_total[${rangeOf(win, ctx)}])) or vector(0)`,
          time: ctx.evalTime,
        },
        { key: 'amAlerts', backend: 'alertmanager', op: 'alerts' },
      ];
    case 'logs': {
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
    }
    case 'ledger-vs-prometheus': {
      const query = truthQuery(check, ctx.target);
      return [
        { key: 'before', backend: 'prometheus', op: 'instant', query, time: win.start },
        { key: 'after', backend: 'prometheus', op: 'instant', query, time: ctx.evalTime },
      ];
    }
    case 'statement':
      return [];
  }
}

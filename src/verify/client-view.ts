import type { Ledger } from '../model/ledger.ts';

/**
 * The SLIs as the client experienced them, from the ground-truth ledger alone (issue 14):
 * with no telemetry at all, a run whose client saw an SLO broken still fails. Pure.
 */
export type ClientMetric = 'availability' | 'latency-p95' | 'failure-rate' | 'throughput';

export type ClientFigure =
  | { ok: true; value: number; unit: string; basis: string; details: Record<string, number> }
  | { ok: false; reason: string };

export function clientFigure(metric: ClientMetric, ledger: Ledger): ClientFigure {
  const r = ledger.requests;
  const o = ledger.executions.byOutcome;
  switch (metric) {
    case 'availability': {
      const good = (r.byStatusClass['2xx'] ?? 0) + (r.byStatusClass['3xx'] ?? 0);
      if (r.total === 0) return { ok: false, reason: 'the client sent no requests' };
      return {
        ok: true,
        value: (100 * good) / r.total,
        unit: '%',
        basis: `${good} of ${r.total} requests answered 2xx/3xx`,
        details: { good, total: r.total },
      };
    }
    case 'latency-p95':
      if (r.latency.count === 0) return { ok: false, reason: 'the client sent no requests' };
      return {
        ok: true,
        value: r.latency.quantiles.p95,
        unit: 's',
        basis: `P95 of ${r.latency.count} client-measured response times`,
        details: { count: r.latency.count, p95: r.latency.quantiles.p95, p99: r.latency.quantiles.p99 },
      };
    case 'failure-rate': {
      // Failed as the client saw it: failed, error, or not finished within its timeout.
      // `unknown` (its end could not be read) and `cancelled` are judged neither way.
      const failed = (o.failed ?? 0) + (o.error ?? 0) + (o.timeout ?? 0);
      const judged = failed + (o.completed ?? 0);
      if (judged === 0) return { ok: false, reason: 'no execution of the client ended in a status it could read' };
      return {
        ok: true,
        value: (100 * failed) / judged,
        unit: '%',
        basis: `${failed} of ${judged} executions failed, errored or timed out (${o.unknown ?? 0} unknown and ${o.cancelled ?? 0} cancelled not judged)`,
        details: { failed, judged, unknown: o.unknown ?? 0, cancelled: o.cancelled ?? 0 },
      };
    }
    case 'throughput': {
      const hours = (Date.parse(ledger.window.end) - Date.parse(ledger.window.start)) / 3_600_000;
      if (!(hours > 0)) return { ok: false, reason: 'the ledger has no traffic window' };
      const completed = o.completed ?? 0;
      if (ledger.executions.created === 0) return { ok: false, reason: 'the client created no executions' };
      return {
        ok: true,
        value: completed / hours,
        unit: '/h',
        basis: `${completed} executions completed in ${(hours * 60).toFixed(1)} min`,
        details: { completed, minutes: hours * 60 },
      };
    }
  }
}

import type { CheckBase, Comparator } from '../../model/check.ts';
import { clientFigure, type ClientMetric } from '../client-view.ts';
import { compare } from '../compare.ts';
import { fmt, isoRange, verdict, violated } from '../verdict.ts';
import { comparator } from '../schema-parts.ts';
import { defineKind } from './kind.ts';

/**
 * An SLI as the client experienced it, judged from the ground-truth ledger alone: with no
 * telemetry at all, a run whose client saw an SLO broken still fails (issue 14). Shown beside
 * the telemetry's view of the same SLI in every report.
 */
export interface ClientCheck extends CheckBase {
  source: 'client';
  metric: ClientMetric;
  comparator: Comparator;
  target: number;
}

export const client = defineKind<ClientCheck>({
  source: 'client',
  schema: {
    properties: {
      metric: { enum: ['availability', 'latency-p95', 'failure-rate', 'throughput'] },
      comparator,
      target: { type: 'number' },
    },
    required: ['metric', 'comparator', 'target'],
  },
  needsLedger: true,
  requests: () => [],
  evaluate: (check, _obs, _ctx, ledger, win) => {
    const range = isoRange(win);
    if (!ledger) return verdict(check, 'skipped', 'needs the ground-truth ledger of a run', { range });
    const f = clientFigure(check.metric, ledger);
    if (!f.ok) return verdict(check, 'inconclusive', f.reason, { range, reason: f.reason });
    const expected = `${check.comparator} ${fmt(check.target, f.unit)}`;
    const ok = compare(f.value, check.comparator, check.target);
    return verdict(
      check,
      ok ? 'pass' : violated(check),
      `as the client experienced it: ${fmt(f.value, f.unit)} ${ok ? 'meets' : 'violates'} ${expected} (${f.basis})`,
      { observed: fmt(f.value, f.unit), expected, range, details: { view: 'client', ...f.details } },
    );
  },
});

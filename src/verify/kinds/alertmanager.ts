import type { CheckBase } from '../../model/check.ts';
import { verdict, violated } from '../verdict.ts';
import { rangeOf } from '../window.ts';
import { defineKind } from './kind.ts';

export interface AlertPathCheck extends CheckBase {
  source: 'alertmanager';
  /** Alert names whose firing instances must be present in Alertmanager. */
  alertnames: string[];
}

export const alertmanager = defineKind<AlertPathCheck>({
  source: 'alertmanager',
  schema: {
    properties: { alertnames: { type: 'array', items: { type: 'string' }, minItems: 1 } },
    required: ['alertnames'],
  },
  requests: (_check, ctx, _ledger, win) => [
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
  ],
  /**
   * ARCH-5: Prometheus feeds Alertmanager. Judged on the wiring (an active Alertmanager,
   * no notification errors in the window) and, for every listed alert firing in Prometheus,
   * its presence in Alertmanager. With nothing firing, the end-to-end part is stated as not
   * exercised rather than claimed.
   */
  evaluate(check, obs, ctx) {
    const links = [
      ctx.urls.prometheus && `${ctx.urls.prometheus.replace(/\/$/, '')}/alerts`,
      ctx.urls.alertmanager && `${ctx.urls.alertmanager.replace(/\/$/, '')}/#/alerts`,
    ].filter((x): x is string => typeof x === 'string' && x.length > 0);
    const { amDiscovery, promAlerts, notifyErrors, amAlerts } = obs;
    if (
      amDiscovery?.kind !== 'alertmanagers' ||
      promAlerts?.kind !== 'alerts' ||
      notifyErrors?.kind !== 'vector' ||
      amAlerts?.kind !== 'alerts'
    ) {
      return verdict(check, 'inconclusive', 'unexpected observations', { links, reason: 'missing observation' });
    }
    const problems: string[] = [];
    if (amDiscovery.active.length === 0) problems.push('Prometheus has no active Alertmanager');
    const errors = notifyErrors.samples[0]?.value ?? 0;
    if (errors > 0) problems.push(`${errors} notification errors in the window`);
    const firing = promAlerts.alerts.filter(
      (a) => a.state === 'firing' && check.alertnames.includes(a.labels.alertname ?? ''),
    );
    const inAm = new Set(amAlerts.alerts.map((a) => a.labels.alertname ?? ''));
    const lost = firing.filter((a) => !inAm.has(a.labels.alertname ?? ''));
    if (lost.length)
      problems.push(`firing in Prometheus but not in Alertmanager: ${lost.map((a) => a.labels.alertname).join(', ')}`);
    const ok = problems.length === 0;
    const exercised =
      firing.length > 0
        ? `${firing.length} firing alert(s) delivered`
        : 'no SLO alert fired, so delivery was not exercised end to end';
    return verdict(
      check,
      ok ? 'pass' : violated(check),
      ok ? `Prometheus → Alertmanager wired (${amDiscovery.active.join(', ')}); ${exercised}` : problems.join('; '),
      {
        // Wiring alone, unless an alert was seen going through it.
        evidence: firing.length > 0 ? 'behaviour' : 'conformance',
        links,
        queries: ['prometheus_notifications_errors_total'],
        observed: `alertmanagers=${amDiscovery.active.length}, notification errors=${errors}, firing=${firing.length}, in Alertmanager=${firing.length - lost.length}`,
        expected: '≥1 active Alertmanager, 0 notification errors, every firing alert in Alertmanager',
      },
    );
  },
});

import { HarnessError } from '../util/errors.ts';
import type { AlertsObs, Labels } from '../model/observation.ts';
import type { AlertmanagerRequest } from '../model/request.ts';
import { asObservation, type Backend } from './backend.ts';
import { openTransport, type Endpoint } from './http.ts';

export interface AlertmanagerSource {
  alerts(): Promise<AlertsObs | HarnessError>;
}

/** Alertmanager's v2 API (`GET /api/v2/alerts`). */
export function alertmanagerSource(
  ep: Endpoint,
  env: NodeJS.ProcessEnv = process.env,
): AlertmanagerSource | HarnessError {
  const t = openTransport('alertmanager', ep, env);
  if (t instanceof HarnessError) return t;
  return {
    alerts: async () => {
      const r = await t.getJson('api/v2/alerts');
      if (r instanceof HarnessError) return r;
      if (!Array.isArray(r))
        return new HarnessError('SOURCE_BAD_RESPONSE', 'alertmanager /api/v2/alerts did not return a list');
      const alerts = r as Array<{ labels: Labels; status?: { state?: string }; startsAt?: string }>;
      return {
        kind: 'alerts',
        alerts: alerts.map((a) => ({ labels: a.labels, state: a.status?.state ?? 'unknown', activeAt: a.startsAt })),
      };
    },
  };
}

/** Alertmanager as the `alerts` backend. */
export function alertmanagerBackend(source: AlertmanagerSource): Backend<AlertmanagerRequest> {
  return { name: 'alertmanager', fetch: async () => asObservation('alertmanager', await source.alerts()) };
}

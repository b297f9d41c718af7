import type { StackUrls } from '../../stack/lifecycle.ts';
import type { VerifyReport } from '../engine.ts';
import type { Verdict } from '../../model/verdict.ts';

/** Shared by the integration tests that judge the reference system. */
export const outcomes = (r: VerifyReport) => Object.fromEntries(r.verdicts.map((v) => [v.checkId, v.outcome]));

/** What a failed expectation on outcomes prints: each verdict's summary, reason and range. */
export const explain = (r: VerifyReport) =>
  r.verdicts
    .map((v) => `${v.checkId}: ${v.outcome} — ${v.summary} ${v.reason ?? ''} ${JSON.stringify(v.range)}`)
    .join('\n');

export function verdictOf(r: VerifyReport, id: string): Verdict {
  const v = r.verdicts.find((x) => x.checkId === id);
  if (!v) throw new Error(`no verdict for ${id}`);
  return v;
}

/**
 * HTTP 500 on 30 % of the Backend API's GETs for a minute: every GET is most of the driven
 * traffic, so the 5xx share lands far above KM-5's 5 % whatever the mix.
 */
export const GET_500S = {
  kind: 'http_error',
  service: 'backend-api',
  ttl_seconds: 60,
  rate: 0.3,
  status_code: 500,
  match: { method: 'GET' },
};

/** Sets a reference-system fault (docs/reference-system.md), or clears them all with undefined. */
export async function setFault(
  urls: Pick<StackUrls, 'backendApi' | 'adminToken'>,
  body: Record<string, unknown> | undefined,
): Promise<void> {
  const res = await fetch(`${urls.backendApi}/admin/faults`, {
    method: body ? 'POST' : 'DELETE',
    headers: { authorization: `Bearer ${urls.adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (res.status >= 300) throw new Error(`fault ${JSON.stringify(body)}: HTTP ${res.status} ${await res.text()}`);
}

/** ARCH-4 follows records into a log store: with the services' own files it is skipped. */
export const filesOnlyArch4 = (v: { checkId: string; outcome: string }) =>
  v.checkId === 'arch-4-run-in-log-store' && v.outcome === 'skipped';

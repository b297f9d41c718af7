import type { Observation } from '../model/observation.ts';
import type { Request } from '../model/request.ts';
import { HarnessError } from '../util/errors.ts';

/**
 * One opened backend, as the verification engine uses it: it answers the requests that
 * address it by `name` with observations. Never throws for a failed fetch: the failure is
 * an error observation, which the checks judge inconclusive.
 */
export interface Backend<R extends Request = Request> {
  /** The `backend` the requests it answers name (and the error observations carry). */
  readonly name: R['backend'];
  // Method syntax on purpose: a Backend<PrometheusRequest> is listed with the others as a
  // Backend, and the engine hands each one only the requests carrying its name.
  fetch(req: R): Promise<Observation>;
  /** Releases connections, if the backend holds any. */
  close?(): Promise<void>;
}

/** A source's result as an observation: a HarnessError becomes an error observation. */
export function asObservation(backend: string, r: Observation | HarnessError): Observation {
  return r instanceof HarnessError ? { kind: 'error', backend, code: r.code, message: r.message } : r;
}

import type { PromtoolRequest } from '../model/request.ts';
import { promtoolObservation } from '../rules/promtool.ts';
import { asObservation, type Backend } from './backend.ts';

/** The `rules` backend: a local promtool running the spec alerts' generated cases. */
export function promtoolBackend(binary: string): Backend<PromtoolRequest> {
  return {
    name: 'promtool',
    fetch: async (req) =>
      asObservation('promtool', await promtoolObservation(binary, req.specFile, req.rulesFile, req.alert)),
  };
}

import { authed, jsonBody, login, type SetupData } from './api.ts';

/** One weighted choice: route templates, not URLs, so series stay bounded. */
type Action = (data: SetupData) => void;

const pipelineCrud: Action = () => {
  const create = authed(
    'POST',
    '/v1/pipelines/',
    '/v1/pipelines/',
    JSON.stringify({
      name: `slo-harness-tmp-${Date.now()}`,
      description: 'temporary, deleted by the same iteration',
      components: [
        { name: 'resize', component_type: 'resize', parameters: { width: 32, height: 32 }, dependencies: [] },
      ],
    }),
    { json: true },
  ).res;
  if (create.status !== 200 && create.status !== 201) return;
  const id = jsonBody<{ id?: string }>(create)?.id;
  if (!id) return;
  authed('GET', '/v1/pipelines/{id}', `/v1/pipelines/${id}`, null);
  authed(
    'PUT',
    '/v1/pipelines/{id}',
    `/v1/pipelines/${id}`,
    JSON.stringify({
      name: `slo-harness-tmp-${id}`,
      description: 'updated',
      components: [
        { name: 'resize', component_type: 'resize', parameters: { width: 48, height: 48 }, dependencies: [] },
      ],
    }),
    { json: true },
  );
  authed('DELETE', '/v1/pipelines/{id}', `/v1/pipelines/${id}`, null);
};

/** The realistic read-heavy mix of the API: weights sum to 100. */
export const API_MIX: Array<[number, Action]> = [
  [35, () => void authed('GET', '/v1/pipelines/', '/v1/pipelines/', null)],
  [20, () => void authed('GET', '/v1/components/', '/v1/components/', null)],
  [10, (d) => void authed('GET', '/v1/pipelines/{id}', `/v1/pipelines/${d.pipelineId}`, null)],
  [10, () => void authed('GET', '/v1/executions/', '/v1/executions/?limit=20&offset=0', null)],
  [5, () => void authed('GET', '/v1/auth/me', '/v1/auth/me', null)],
  [5, () => void login()],
  [10, () => void authed('GET', '/v1/health', '/v1/health', null)],
  [5, pipelineCrud],
];

export function apiIteration(data: SetupData): void {
  let r = Math.random() * 100;
  for (const [w, act] of API_MIX) {
    if (r < w) return act(data);
    r -= w;
  }
}

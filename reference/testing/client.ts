import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from './wait.ts';

export const FIXTURES = join(import.meta.dirname, '../../scenarios/fixtures/images');

export function fixture(name = 'sample-320x240.jpg'): Buffer {
  return readFileSync(join(FIXTURES, name));
}

export const TRACEPARENT = (traceId: string, spanId = 'b7ad6b7169203331') => `00-${traceId}-${spanId}-01`;

/** A small API client for tests and the bench: the same calls as the curl walk in the docs. */
export class ApiClient {
  token = '';
  constructor(readonly base: string) {}

  async login(username = 'admin', password = 'admin123'): Promise<this> {
    const res = await fetch(`${this.base}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    if (res.status !== 200) throw new Error(`login answered ${res.status}`);
    this.token = ((await res.json()) as { access_token: string }).access_token;
    return this;
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Bearer ${this.token}`, ...extra };
  }

  async createPipeline(components?: unknown[]): Promise<string> {
    const res = await fetch(`${this.base}/v1/pipelines/`, {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/json' }),
      body: JSON.stringify({
        name: 'test pipeline',
        components: components ?? [
          { name: 'resize', component_type: 'resize', parameters: { width: 160, height: 120 } },
          { name: 'detect', component_type: 'ai_detection', parameters: { confidence_threshold: 0.3 } },
          { name: 'blur', component_type: 'filter', parameters: { filter_type: 'gaussian', intensity: 1 } },
        ],
      }),
    });
    if (res.status !== 201) throw new Error(`create pipeline answered ${res.status}`);
    return ((await res.json()) as { id: string }).id;
  }

  createExecutionRaw(
    pipelineId: string,
    opts: { traceparent?: string; parameters?: string; image?: Buffer } = {},
  ): Promise<Response> {
    const form = new FormData();
    form.set('pipeline_id', pipelineId);
    form.set('input_files', new Blob([new Uint8Array(opts.image ?? fixture())], { type: 'image/jpeg' }), 'sample.jpg');
    form.set('parameters', opts.parameters ?? '{}');
    return fetch(`${this.base}/v1/executions/`, {
      method: 'POST',
      headers: this.headers(opts.traceparent ? { traceparent: opts.traceparent } : {}),
      body: form,
    });
  }

  async createExecution(pipelineId: string, opts: { traceparent?: string } = {}): Promise<string> {
    const res = await this.createExecutionRaw(pipelineId, opts);
    if (res.status !== 202) throw new Error(`create execution answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { execution_id: string }).execution_id;
  }

  async execution(id: string): Promise<{ status: string; error_message: string | null; output_files: unknown[] }> {
    const res = await fetch(`${this.base}/v1/executions/${id}`, { headers: this.headers() });
    return (await res.json()) as { status: string; error_message: string | null; output_files: unknown[] };
  }

  /** Polls until a terminal status (the contract: clients poll). */
  async waitTerminal(id: string, timeoutMs = 15_000): Promise<string> {
    const r = await waitFor(
      async () => {
        const e = await this.execution(id);
        return {
          done: ['completed', 'failed', 'cancelled'].includes(e.status),
          value: e.status,
          reason: `status ${e.status}`,
        };
      },
      { timeoutMs, intervalMs: 50 },
    );
    if (!r.ok) throw new Error(`execution ${id} not terminal: ${r.reason}`);
    return r.value as string;
  }
}

/** Admin API helper (faults). */
export async function admin(
  base: string,
  token: string,
  method: 'GET' | 'POST' | 'DELETE',
  path = '/admin/faults',
  body?: unknown,
) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

import { describe, expect, it } from 'vitest';
import { buildRecord, deletePath } from './log-record.ts';

/** The example record of monitoring design 9.2.1, verbatim: the shape to match key for key. */
const DESIGN_EXAMPLE = {
  timestamp: '2025-07-12T10:30:00.123Z',
  level: 'info',
  service: 'backend-api',
  version: '1.2.3',
  trace_id: 'abc123def456789012345678',
  span_id: 'def456ghi789',
  user_id: 'user-123',
  execution_id: 'exec-456',
  message: 'Pipeline execution started',
  metadata: { pipeline_id: 'pipeline-789', input_files: ['file1.jpg', 'file2.jpg'], parameters: { resize_width: 800 } },
  otel: {
    resource: {
      'service.name': 'imageflow-backend-api',
      'service.version': '1.2.3',
      'deployment.environment': 'production',
      'k8s.namespace.name': 'imageflow-backend',
      'k8s.pod.name': 'backend-api-7b8c9d5f6-xyz12',
    },
    attributes: {
      'http.method': 'POST',
      'http.url': '/v1/executions',
      'http.status_code': 202,
      'user.id': 'user-123',
      'pipeline.id': 'pipeline-789',
    },
  },
};

function shape(v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return typeof v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)]));
}

const resource = DESIGN_EXAMPLE.otel.resource;

describe('9.2.1 log record', () => {
  it('has exactly the keys and value types of the design example when everything is known', () => {
    const r = buildRecord({
      now: new Date('2025-07-12T10:30:00.123Z'),
      level: 'info',
      service: 'backend-api',
      version: '1.2.3',
      resource,
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      message: 'Pipeline execution started',
      ctx: {
        user_id: 'user-123',
        execution_id: 'exec-456',
        pipeline_id: 'pipeline-789',
        input_files: ['file1.jpg', 'file2.jpg'],
        parameters: { resize_width: 800 },
        http: { method: 'POST', url: '/v1/executions', status_code: 202 },
      },
    });
    expect(shape(r)).toEqual(shape(DESIGN_EXAMPLE));
    expect(Object.keys(r)).toEqual(Object.keys(DESIGN_EXAMPLE));
    expect(r.timestamp).toBe('2025-07-12T10:30:00.123Z');
    expect(r.otel.attributes['user.id']).toBe('user-123');
    expect(r.otel.attributes['pipeline.id']).toBe('pipeline-789');
  });

  it('keeps every key with null when the context does not know a value', () => {
    const r = buildRecord({
      now: new Date(0),
      level: 'warn',
      service: 'workflows',
      version: '1',
      resource,
      traceId: null,
      spanId: null,
      message: 'm',
      ctx: {},
    });
    expect(r.trace_id).toBeNull();
    expect(r.metadata).toEqual({ pipeline_id: null, input_files: [], parameters: {} });
    expect(Object.keys(r.otel.attributes)).toEqual(Object.keys(DESIGN_EXAMPLE.otel.attributes));
    expect(r.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('deletes dotted paths, including keys that contain dots', () => {
    const r = structuredClone(DESIGN_EXAMPLE) as unknown as Record<string, unknown>;
    expect(deletePath(r, 'trace_id')).toBe(true);
    expect(deletePath(r, 'otel.attributes.http.method')).toBe(true);
    expect(deletePath(r, 'metadata.pipeline_id')).toBe(true);
    expect(deletePath(r, 'nope.nothing')).toBe(false);
    expect(r.trace_id).toBeUndefined();
    const otel = r.otel as { attributes: Record<string, unknown> };
    expect(otel.attributes['http.method']).toBeUndefined();
    expect(otel.attributes['http.url']).toBe('/v1/executions');
  });
});

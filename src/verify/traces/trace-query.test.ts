import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseTraceQuery } from './trace-query.ts';

const RULES = new URL('../../../checks/rules/imageflow-slo-alerts.yml', import.meta.url);

describe('parseTraceQuery()', () => {
  it("parses every trace_query of the spec's alert rules", async () => {
    const doc = parse(await readFile(RULES, 'utf8')) as {
      groups: Array<{ rules: Array<{ alert: string; annotations: { trace_query: string } }> }>;
    };
    const parsed = Object.fromEntries(
      doc.groups[0]!.rules.map((r) => [r.alert, parseTraceQuery(r.annotations.trace_query)]),
    );
    expect(parsed).toEqual({
      APIAvailabilitySLOBreach: { service: 'imageflow-backend-api', operation: 'http_request', tags: {} },
      APILatencySLOBreach: { service: 'imageflow-backend-api', tags: { 'http.status_code': '5xx' } },
      PipelineErrorRateSLOBreach: { service: 'imageflow-processing', tags: { error: 'true' } },
    });
  });

  it('keeps "&" inside a tag value and takes numbers and booleans in their string form', () => {
    expect(parseTraceQuery('jaeger?tags={"a":"x&y","n":500,"b":true}&service=s')).toEqual({
      service: 's',
      tags: { a: 'x&y', n: '500', b: 'true' },
    });
  });

  it.each([
    ['grafana?service=s', 'expected "jaeger?"', 1],
    ['jaeger?service=s&op=x', 'unknown key "op" (service, operation or tags)', 18],
    ['jaeger?service=s&service=t', '"service" given twice', 18],
    ['jaeger?service=', 'empty service', 16],
    ['jaeger?operation=x', 'no service=', 1],
    ['jaeger?service=s&tags={"a":1', 'unterminated JSON object', 23],
    ['jaeger?service=s&tags=a', 'tags must be a JSON object', 23],
    ['jaeger?service=s&tags={"a":[1]}', 'tag "a" must be a string, number or boolean', 23],
    ['jaeger?service=s&tags={"a":1}x', 'expected "&" or the end', 30],
    ['jaeger?service', 'expected key=value', 8],
  ])('%s → %s at col %i', (text, error, col) => {
    expect(parseTraceQuery(text)).toEqual({ error, col });
  });
});

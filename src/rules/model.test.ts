import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { SPEC_RULE_FILE } from '../stack/config.ts';
import { modelsFromRules, parseSelector, parseSli } from './model.ts';

describe('alert SLI model', () => {
  it('extracts series, window, comparator, threshold and for of the three spec alerts', () => {
    const models = modelsFromRules(readFileSync(SPEC_RULE_FILE, 'utf8'));
    expect(models.map((m) => [m.alert, m.sli.kind, m.windowSeconds, m.cmp, m.threshold, m.forSeconds])).toEqual([
      ['APIAvailabilitySLOBreach', 'ratio', 300, '<', 0.999, 120],
      ['APILatencySLOBreach', 'quantile', 300, '>', 2, 300],
      ['PipelineErrorRateSLOBreach', 'ratio', 300, '>', 0.05, 180],
    ]);
    const avail = models[0]!.sli;
    expect(avail.kind === 'ratio' && avail.num.matchers).toEqual([
      { label: 'job', op: '=', value: 'backend-api' },
      { label: 'code', op: '=~', value: '2..|3..' },
    ]);
    const lat = models[1]!.sli;
    expect(lat.kind === 'quantile' && [lat.q, lat.bucket.metric]).toEqual([
      0.95,
      'http_request_duration_seconds_bucket',
    ]);
    expect(models[2]!.labels).toEqual({ severity: 'critical', slo: 'error_rate' });
  });

  it('reads selectors with every matcher operator and escaped quotes', () => {
    expect(parseSelector('m{a="x",b!="y", c=~"1|2", d!~"q\\"r"}').matchers).toEqual([
      { label: 'a', op: '=', value: 'x' },
      { label: 'b', op: '!=', value: 'y' },
      { label: 'c', op: '=~', value: '1|2' },
      { label: 'd', op: '!~', value: 'q"r' },
    ]);
  });

  it('refuses shapes it does not model instead of guessing', () => {
    expect(() => parseSli('X', 'sum(rate(a[5m])) > 1')).toThrow(/expression shape not modelled/);
    expect(() => parseSli('X', '(sum(rate(a[5m])) / sum(rate(a[1m]))) < 0.9')).toThrow(/windows differ/);
  });
});

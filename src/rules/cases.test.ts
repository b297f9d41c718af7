import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { SPEC_RULE_FILE } from '../stack/config.ts';
import { modelsFromRules } from './model.ts';
import { buildCases, promtoolTestFile } from './cases.ts';
import { bucketQuantile } from './sim.ts';

const models = modelsFromRules(readFileSync(SPEC_RULE_FILE, 'utf8'));

describe('generated promtool cases', () => {
  it.each(models.map((m) => [m.alert, m] as const))(
    '%s: fires exactly `for` after onset, not shorter, not at the threshold',
    (_a, m) => {
      const cases = buildCases(m);
      expect(cases.map((c) => c.name)).toEqual(['breach-fires', 'short-breach', 'at-threshold']);
      const [fires, short, at] = cases;
      const onset = fires!.predicted.findIndex((p) => p.condition);
      const f = m.forSeconds / fires!.intervalSeconds;
      expect(fires!.predicted[onset + f - 1]!.state).toBe('pending');
      expect(fires!.predicted[onset + f]!.state).toBe('firing');
      expect(fires!.predicted.at(-1)!.state).toBe('inactive');
      expect(short!.predicted.filter((p) => p.condition)).toHaveLength(f);
      expect(short!.predicted.some((p) => p.state === 'firing')).toBe(false);
      expect(at!.predicted.some((p) => p.state !== 'inactive')).toBe(false);
      // At the threshold the SLI equals it exactly (a strict comparator must not fire).
      expect(at!.predicted.filter((p) => p.value === m.threshold).length).toBeGreaterThan(f);
    },
  );

  it('writes a promtool document asserting every evaluation, firing ones with labels and rendered annotations', () => {
    const m = models[0]!;
    const doc = parse(promtoolTestFile(m, '/x/rules.yml')) as {
      rule_files: string[];
      tests: Array<{
        input_series: Array<{ series: string }>;
        alert_rule_test: Array<{ eval_time: string; exp_alerts: unknown[] }>;
      }>;
    };
    expect(doc.rule_files).toEqual(['/x/rules.yml']);
    expect(doc.tests[0]!.input_series.map((s) => s.series)).toEqual([
      'http_requests_total{job="backend-api",code="200"}',
      'http_requests_total{job="backend-api",code="500"}',
    ]);
    const firing = doc.tests[0]!.alert_rule_test.filter((t) => t.exp_alerts.length > 0);
    expect(firing[0]).toMatchObject({
      eval_time: '600s',
      exp_alerts: [
        {
          exp_labels: { severity: 'critical', slo: 'availability' },
          exp_annotations: {
            summary: 'API availability SLO breach',
            description: 'API availability is 99.8% (below 99.9%)',
            trace_query: 'jaeger?service=imageflow-backend-api&operation=http_request',
          },
        },
      ],
    });
  });

  it('computes histogram_quantile as Prometheus 2.42 does (interpolation, +Inf bucket)', () => {
    expect(bucketQuantile(0.95, [1, 2, 4], [0, 19, 20, 20])).toBe(2);
    expect(bucketQuantile(0.95, [1, 2, 4], [0, 0, 0, 20])).toBe(4);
    expect(bucketQuantile(0.5, [1, 2, 4], [10, 20, 20, 20])).toBe(1);
  });
});

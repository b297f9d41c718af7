import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { Ledger } from '../model/ledger.ts';
import { HarnessError } from '../util/errors.ts';
import { evaluate, overall } from './evaluate.ts';
import { loadChecks } from './load.ts';
import { DEFAULT_TARGET, withDefaults } from '../config/telemetry-names.ts';
import type { EvalContext } from '../model/context.ts';
import type { Observations } from '../model/observation.ts';
import { filesOnlyArch4 } from './testing/report-helpers.ts';

/**
 * Observations recorded from the real embedded stack (Prometheus 2.42, Alertmanager 0.25,
 * the reference system's logs) after 8 s of traffic from src/verify/testing/drive.ts,
 * replayed through the pure core: no servers.
 */
const data = (f: string) => readFile(new URL(`./testdata/${f}`, import.meta.url), 'utf8');

describe('replaying a recorded healthy run', async () => {
  const rec = JSON.parse(await data('healthy-observations.json')) as {
    context: EvalContext;
    observations: Observations;
  };
  // The recording predates later mapping keys: today's defaults fill them in.
  rec.context.target = withDefaults(rec.context.target);
  // ARCH-4 came later; with the services' files as the log source it is skipped.
  rec.observations['arch-4-run-in-log-store'] ??= { main: { kind: 'log-traces', store: 'files', from: [], found: [] } };
  // AL-5's input guards came later: the recording's truth checks read the same three metric
  // families (http_requests_total, http_request_duration_seconds_bucket and
  // pipeline_executions_total, all with samples), so each guard counts them present.
  const al5 = rec.observations['al-5-no-alert-while-healthy']!;
  for (const i of [0, 1, 2]) al5[`input${i}`] ??= { kind: 'vector', samples: [{ labels: {}, value: 1, time: 0 }] };
  // The promtool rule tests came later: promtool's answer for the verbatim rules, as recorded.
  rec.context.backends.promtool ??= true;
  for (const [n, a] of ['APIAvailabilitySLOBreach', 'APILatencySLOBreach', 'PipelineErrorRateSLOBreach'].entries()) {
    rec.observations[`al-${n + 1}-promtool-cases`] ??= {
      main: {
        kind: 'promtool-test',
        command: `promtool test rules ${a}.test.yml`,
        code: 0,
        output: `Unit Testing:  /tmp/slo-harness-rules-test-x/${a}.test.yml\n  SUCCESS`,
      },
    };
  }
  const ledger = JSON.parse(await data('healthy-ledger.json')) as Ledger;
  const loaded = await loadChecks(new URL('../../checks/', import.meta.url).pathname, DEFAULT_TARGET);
  if (loaded instanceof HarnessError) throw loaded;
  // The trace checks came later (no Jaeger in this recording): their replays of the real
  // Jaeger's answers are src/sources/jaeger.test.ts and src/verify/traces/*.test.ts (TP-4's
  // exemplar lookup: src/verify/kinds/exemplar-traces.test.ts).
  const cat = {
    ...loaded,
    checks: loaded.checks.filter((c) => c.source !== 'traces' && c.source !== 'exemplar-traces'),
  };

  it('every gate check passes, the measured findings pass, the statements warn', () => {
    const verdicts = evaluate(cat.checks, rec.observations, ledger, rec.context);
    const notPass = verdicts
      .filter((v) => v.severity === 'gate' && v.outcome !== 'pass' && !filesOnlyArch4(v))
      .map((v) => `${v.checkId}: ${v.summary}`);
    expect(notPass).toEqual([]);
    expect(overall(verdicts)).toBe('warn');
    const truth = verdicts.find((v) => v.checkId === 'truth-request-count');
    expect(truth?.observed).toBe(ledger.requests.total);
    for (const v of verdicts) {
      expect(v.requirements.length).toBeGreaterThan(0);
      if (v.outcome !== 'warn' || v.reason !== 'spec finding (not measurable)')
        expect(v.observed ?? v.reason).toBeDefined();
    }
  });

  it("AL-5 on a Prometheus without the rules' input series is inconclusive (the alerts could not have fired), never a pass", () => {
    const obs = structuredClone(rec.observations);
    obs['al-5-no-alert-while-healthy']!.input2 = { kind: 'vector', samples: [] };
    const v = evaluate(cat.checks, obs, ledger, rec.context).find((x) => x.checkId === 'al-5-no-alert-while-healthy');
    expect(v?.outcome).toBe('inconclusive');
    expect(v?.summary).toMatch(/could not have fired: pipeline_executions_total: no samples/);
  });

  it('the same recording judged with an Alertmanager error is inconclusive, naming the cause', () => {
    const obs = structuredClone(rec.observations);
    obs['arch-5-prometheus-to-alertmanager']!.amAlerts = {
      kind: 'error',
      backend: 'alertmanager',
      code: 'SOURCE_UNREACHABLE',
      message: 'alertmanager unreachable: connect ECONNREFUSED',
    };
    const v = evaluate(cat.checks, obs, ledger, rec.context).find(
      (x) => x.checkId === 'arch-5-prometheus-to-alertmanager',
    );
    expect(v?.outcome).toBe('inconclusive');
    expect(v?.reason).toMatch(/ECONNREFUSED/);
  });

  it('the same recording judged against a ledger with more requests fails the truth check', () => {
    const inflated = structuredClone(ledger);
    const r = inflated.requests.byRoute[0]!;
    r.total += 50;
    r.byStatusClass['2xx'] = (r.byStatusClass['2xx'] ?? 0) + 50;
    inflated.requests.total += 50;
    const v = evaluate(cat.checks, rec.observations, inflated, rec.context).find(
      (x) => x.checkId === 'truth-request-count',
    );
    expect(v?.outcome).toBe('fail');
  });

  it('judged as a run on rules compressed ×20, al-4-rules-match-spec is skipped with the reason (never a pass, never a false fail)', () => {
    const ctx = { ...rec.context, ruleCompression: 20 };
    const v = evaluate(cat.checks, rec.observations, ledger, ctx).find((x) => x.checkId === 'al-4-rules-match-spec');
    expect(v?.outcome).toBe('skipped');
    expect(v?.reason).toMatch(/time-compressed ×20.*the promtool cases judge the spec file/);
    // Without the compression the same observation passes: the mark alone makes the difference.
    const plain = evaluate(cat.checks, rec.observations, ledger, rec.context).find(
      (x) => x.checkId === 'al-4-rules-match-spec',
    );
    expect(plain?.outcome).toBe('pass');
  });
});

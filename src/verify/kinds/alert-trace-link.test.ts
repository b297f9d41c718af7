import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TARGET, withDefaults } from '../../config/telemetry-names.ts';
import type { EvalContext } from '../../model/context.ts';
import type { Ledger } from '../../model/ledger.ts';
import { jaegerBackend, jaegerSource } from '../../sources/jaeger.ts';
import { testServerPerTest } from '../../sources/testing/server.ts';
import { HarnessError } from '../../util/errors.ts';
import { tempDirPerTest } from '../../util/testing/temp-dir.ts';
import { collect } from '../collect.ts';
import { evaluate } from '../evaluate.ts';
import { loadChecks } from '../load.ts';
import { ctxAt } from '../testkit.ts';
import type { Verdict } from '../../model/verdict.ts';

/** Exchanges recorded from a real Jaeger v2.13 by scripts/record-jaeger-links.ts. */
interface Exchange {
  url: string;
  status: number;
  headers: Record<string, string>;
  body: unknown;
}
const testdata = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../sources/testdata/${name}`, import.meta.url), 'utf8')) as unknown;
const LEDGERS = testdata('jaeger-2.13-links-ledgers.json') as { healthy: Ledger; faulty: Ledger };
const NO_TRACES = (testdata('jaeger-2.13-search.json') as Exchange[]).find((e) => e.status === 404)!;
const CHECKS = new URL('../../../checks/', import.meta.url).pathname;

/**
 * The search's time range and size vary with the judged window and the check's limit: the
 * recorded answer of the same service/operation search stands for them.
 */
const shape = (url: string) => url.replace(/&?query\.(start_time_min|start_time_max|num_traces)=[^&]*/g, '');

const serve = testServerPerTest();

async function judge(run: 'healthy' | 'faulty', over: Partial<EvalContext> = {}): Promise<Record<string, Verdict>> {
  const byUrl = new Map((testdata(`jaeger-2.13-links-${run}.json`) as Exchange[]).map((e) => [shape(e.url), e]));
  const server = await serve((req, res) => {
    const url = req.url ?? '';
    // A search for a service Jaeger does not hold: its recorded answer (404 "No traces found").
    const ex = byUrl.get(shape(url)) ?? (url.startsWith('/api/v3/traces?') ? NO_TRACES : undefined);
    if (!ex) return void res.writeHead(599).end();
    res.writeHead(ex.status, ex.headers).end(JSON.stringify(ex.body));
  });
  const ledger = LEDGERS[run];
  const start = Math.floor(Date.parse(ledger.window.start) / 1000);
  const end = Math.ceil(Date.parse(ledger.window.end) / 1000);
  const ctx = ctxAt({
    window: { start, end },
    evalTime: end + 2,
    urls: { jaeger: server.url },
    backends: { prometheus: true, alertmanager: true, logs: true, promtool: true, traces: true },
    ...over,
  });
  const cat = await loadChecks(CHECKS, ctx.target);
  if (cat instanceof HarnessError) throw cat;
  const checks = cat.checks.filter((c) => c.source === 'alert-trace-link');
  const src = jaegerSource({ url: server.url, retries: 0 });
  if (src instanceof HarnessError) throw src;
  const obs = await collect(checks, ctx, ledger, { traces: jaegerBackend(src) });
  return Object.fromEntries(evaluate(checks, obs, ledger, ctx).map((v) => [v.checkId, v]));
}

describe("TP-5: the alerts' trace_query links as Jaeger searches (answers recorded from Jaeger v2.13)", () => {
  it('healthy run: AL-1 names the operations Jaeger has; AL-2 measures that 5xx can never match; AL-3 is not driven', async () => {
    const v = await judge('healthy');
    expect(Object.keys(v)).toEqual(['tp-5-al-1-trace-link', 'tp-5-al-2-trace-link', 'tp-5-al-3-trace-link']);
    const al1 = v['tp-5-al-1-trace-link']!;
    expect(al1.outcome).toBe('warn');
    expect(al1.summary).toMatch(
      /^Jaeger has no operation "http_request" for "imageflow-backend-api"; its operations: .*POST \/v1\/executions\//,
    );
    const al2 = v['tp-5-al-2-trace-link']!;
    expect(al2.outcome).toBe('warn');
    expect(al2.requirements).toContain('FINDING-6');
    expect(al2.summary).toMatch(
      /^APILatencySLOBreach's trace_query can never match: 0 traces match http.status_code=5xx while 0 traces in the window have http.status_code 5xx \(500…599\)$/,
    );
    expect(al2.observed).toMatch(/^0 of \d+ traces match; http.status_code values seen: 200, 202$/);
    const al3 = v['tp-5-al-3-trace-link']!;
    expect(al3.outcome).toBe('inconclusive');
    expect(al3.summary).toMatch(
      /^condition not driven in this run \(no failed execution in the ledger\): 0 of \d+ traces of imageflow-processing match$/,
    );
  });

  it('5xx and failed steps driven: AL-2 still never matches, counting the 5xx traces; AL-3 finds the error traces', async () => {
    const v = await judge('faulty');
    const al2 = v['tp-5-al-2-trace-link']!;
    expect(al2.outcome).toBe('warn');
    const n = /while (\d+) traces in the window have http.status_code 5xx/.exec(al2.summary);
    expect(Number(n?.[1])).toBeGreaterThan(0);
    const al3 = v['tp-5-al-3-trace-link']!;
    expect(al3.outcome, al3.summary).toBe('pass');
    expect(al3.summary).toMatch(
      /^\d+ of \d+ traces of imageflow-processing in the window match PipelineErrorRateSLOBreach's trace_query$/,
    );
    expect(al3.links[0]).toMatch(/\/trace\/[0-9a-f]{32}$/);
  });

  it("maps the link's service through the target's names; one Jaeger does not know fails listing what it has", async () => {
    const target = withDefaults({ services: { processing: 'processing-svc' } });
    const v = await judge('healthy', { target });
    const al3 = v['tp-5-al-3-trace-link']!;
    expect(al3.outcome).toBe('warn');
    expect(al3.summary).toBe(
      'Jaeger knows no service "processing-svc" (the link\'s "imageflow-processing"); it has: imageflow-backend-api, imageflow-processing, imageflow-workflows',
    );
  });

  it('is inconclusive without a trace store, never a pass', async () => {
    const v = await judge('healthy', {
      backends: { prometheus: true, alertmanager: true, logs: true, promtool: true, traces: false },
    });
    for (const x of Object.values(v)) expect(x.outcome).toBe('inconclusive');
  });
});

describe('alert-trace-link at load time', () => {
  let dir = '';
  tempDirPerTest('alert-link-', (d) => (dir = d));

  it('an unparsable trace_query is a load-time error with its column', async () => {
    await writeFile(
      join(dir, 'rules.yml'),
      `groups:
- name: g
  rules:
  - alert: A
    expr: vector(1)
    annotations:
      trace_query: "jaeger?service=s&tag={}"
`,
    );
    await writeFile(
      join(dir, 'c.yaml'),
      `checks:
  - { id: c, title: t, requirements: [TP-5], severity: warning, source: alert-trace-link, rulesFile: rules.yml, group: g, alert: A, driven: traffic }
`,
    );
    const r = await loadChecks(dir, DEFAULT_TARGET);
    expect(r).toBeInstanceOf(HarnessError);
    expect((r as HarnessError).details ?? '').toMatch(
      /\/checks\/0\/alert: A's trace_query col 18: unknown key "tag" \(service, operation or tags\) in "jaeger\?service=s&tag=\{\}"/,
    );
  });
});

import { mkdtemp, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Ledger } from '../model/ledger.ts';
import { waitFor } from '../util/wait.ts';
import { spawnCli } from '../cli/testing/spawn-cli.ts';
import { readPidFiles } from '../stack/state.ts';
import { runHarness } from './run.ts';
import { verifyStageFor } from './tasks/verify.ts';
import { commandOf, descendants, stillAlive } from '../load/testing/proc-tree.ts';
import { filesOnlyArch4 } from '../verify/testing/report-helpers.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const TINY = join(HERE, '..', 'load', 'testdata', 'tiny.yaml');

/** Waits (15 s at most) until none of `pids` is alive; the reason names the ones left. */
const allGone = (pids: number[]) =>
  waitFor(
    async () => {
      const alive = stillAlive(pids);
      return { done: alive.length === 0, reason: alive.map((p) => `${p}: ${commandOf(p)}`).join('; ') };
    },
    { timeoutMs: 15_000, intervalMs: 100 },
  );

describe('run against the embedded default (real stack + reference ImageFlowCanvas)', () => {
  it('runs a short profile end to end; recorded trace IDs resolve in Jaeger', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slo-e2e-'));
    let jaegerFound: { traceId: string; spans: number } | undefined;
    const r = await runHarness({
      profile: TINY,
      reportsDir: join(dir, 'reports'),
      stateDir: join(dir, 'state'),
      // A 1 s scrape: the tiny profile's short window still holds many samples per series.
      stackOptions: { portStrategy: 'ephemeral', scrapeInterval: '1s' },
      progress: 'off',
      write: () => {},
      // The verification seam, used here to look one recorded trace up while the stack runs.
      verify: async (ctx) => {
        const sample = ctx.ledger.traceSamples.find((s) => s.route === 'POST /v1/executions/' && s.outcome === 'ok');
        const jaeger = ctx.target.jaeger?.url;
        if (!sample || !jaeger) return { exitCode: 3 };
        const got = await waitFor(
          async () => {
            const res = await fetch(`${jaeger}/api/v3/traces/${sample.traceId}`);
            if (res.status === 404) return { done: false, reason: 'trace not ingested yet' };
            const body = (await res.json()) as {
              result?: { resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: unknown[] }> }> };
            };
            const spans = (body.result?.resourceSpans ?? [])
              .flatMap((rs) => rs.scopeSpans ?? [])
              .flatMap((ss) => ss.spans ?? []).length;
            return { done: spans > 0, value: spans, reason: `${spans} spans` };
          },
          { timeoutMs: 30_000, intervalMs: 500 },
        );
        if (got.ok) jaegerFound = { traceId: sample.traceId, spans: got.value as number };
        if (!got.ok) return { exitCode: 3 };
        // Then the real verification stage, exactly as `slo-harness run` wires it.
        return verifyStageFor({ write: () => {}, env: {} })(ctx);
      },
    });
    expect(r.target.embedded).toBe(true);
    // KM-1…KM-3 judge this (shared, busy) test machine, not the system under test: they may
    // fail here; every other gate check must pass on the healthy reference system.
    const host = ['km-1-cpu', 'km-2-memory', 'km-3-disk'];
    const saved = JSON.parse(await readFile(join(r.runDir, 'verdicts.json'), 'utf8')) as {
      outcome: string;
      verdicts: Array<{ checkId: string; severity: string; outcome: string; summary: string }>;
    };
    const notPassing = saved.verdicts
      .filter((v) => v.severity === 'gate' && !host.includes(v.checkId) && v.outcome !== 'pass' && !filesOnlyArch4(v))
      .map((v) => `${v.checkId} ${v.outcome}: ${v.summary}`);
    expect(notPassing).toEqual([]);
    // The gate code follows the overall outcome (host checks included).
    expect(r.exitCode).toBe({ fail: 1, inconclusive: 3 }[saved.outcome as string] ?? 0);
    const junit = await readFile(join(r.runDir, 'junit.xml'), 'utf8');
    expect(junit.match(/<testcase /g)).toHaveLength(saved.verdicts.length);
    expect(await readFile(join(r.runDir, 'summary.md'), 'utf8')).toMatch(/### Coverage per requirement/);
    const events = (await readFile(join(r.runDir, 'events.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string });
    expect(events.filter((e) => e.type === 'verdict')).toHaveLength(saved.verdicts.length);
    const ledger = JSON.parse(await readFile(join(r.runDir, 'ledger.json'), 'utf8')) as Ledger;
    expect(ledger.aborted).toBe(false);
    expect(ledger.requests.byStatusClass['2xx']).toBeGreaterThan(20);
    expect(ledger.executions.created).toBeGreaterThan(4);
    expect(ledger.executions.byOutcome.completed).toBeGreaterThan(0);
    expect(ledger.phases.map((p) => p.name)).toEqual(['steady', 'burst']);
    expect(jaegerFound?.spans).toBeGreaterThan(0);
    // Torn down: the state dir no longer records a running stack.
    expect(existsSync(join(dir, 'state', 'state.json'))).toBe(false);
  }, 240_000);

  it('two runs back to back on one state dir (the stack restarted, Prometheus keeping its data) both judge the truth right', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slo-twice-'));
    const runOnce = (runId: string) =>
      runHarness({
        profile: TINY,
        reportsDir: join(dir, 'reports'),
        stateDir: join(dir, 'state'),
        runId,
        stackOptions: { portStrategy: 'ephemeral', scrapeInterval: '1s' },
        progress: 'off',
        write: () => {},
        verify: verifyStageFor({ write: () => {}, env: {} }),
      });
    for (const runId of ['first', 'second']) {
      const r = await runOnce(runId);
      const saved = JSON.parse(await readFile(join(r.runDir, 'verdicts.json'), 'utf8')) as {
        verdicts: Array<{ checkId: string; outcome: string; summary: string; reason?: string }>;
      };
      // The second run's window start must not read the first run's processes (a "counter
      // reset" or "telemetry 0 / client N" there was the defect).
      const truth = saved.verdicts
        .filter((v) => v.checkId.startsWith('truth-'))
        .map((v) => `${v.checkId} ${v.outcome}: ${v.summary} ${v.reason ?? ''}`);
      expect(truth.length, runId).toBe(4);
      expect(
        truth.filter((t) => !/ pass: /.test(t)),
        runId,
      ).toEqual([]);
    }
  }, 300_000);

  it('Ctrl-C during `run` stops k6 and the stack, keeps the ledger so far, exits 130, leaves no process', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slo-sigint-'));
    const reports = join(dir, 'reports');
    // Its own process group, like a shell job: the SIGINT below goes to the whole group,
    // exactly as a terminal's Ctrl-C does.
    const { child, exited, pid, output } = spawnCli([
      'run',
      '--profile',
      TINY,
      '--duration',
      '50s',
      '--reports-dir',
      reports,
      '--state-dir',
      join(dir, 'state'),
      '--run-id',
      'interrupted',
      '--progress',
      'plain',
    ]);

    // Wait until traffic flows: k6 runs and the progress line shows requests recorded.
    const flowing = await waitFor(
      async () => {
        const k6 = descendants(pid).filter((p) => /\bk6\b.* run /.test(commandOf(p)));
        const counts = [...output().matchAll(/ (\d+) requests/g)].map((m) => Number(m[1]));
        const n = counts.length ? (counts[counts.length - 1] as number) : 0;
        return { done: k6.length > 0 && n > 0, reason: `k6 processes ${k6.length}, requests ${n}` };
      },
      {
        timeoutMs: 120_000,
        intervalMs: 200,
        abort: () => (child.exitCode !== null ? `exited early: ${output()}` : undefined),
      },
    );
    expect(flowing.ok, flowing.reason).toBe(true);
    const tree = descendants(pid);
    expect(tree.length).toBeGreaterThan(3); // k6 + the stack's components
    // Processes started detached (k6, stack components) are not in the tree by parentage
    // after a double fork; the stack's pid files name them.
    const state = JSON.parse(await readFile(join(dir, 'state', 'state.json'), 'utf8')) as {
      components: Record<string, { pid: number }>;
    };
    const recorded = [...new Set([...tree, ...Object.values(state.components).map((c) => c.pid)])];

    process.kill(-pid, 'SIGINT');
    const code = await Promise.race([
      exited,
      new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 90_000).unref()),
    ]);
    expect(code, output()).toBe(130);

    const gone = await allGone(recorded);
    expect(gone.ok, `left running: ${gone.reason}`).toBe(true);

    const runDir = join(reports, 'interrupted');
    const ledger = JSON.parse(await readFile(join(runDir, 'ledger.json'), 'utf8')) as Ledger;
    expect(ledger.aborted).toBe(true);
    expect(ledger.requests.total).toBeGreaterThan(0);
    const events = await readFile(join(runDir, 'events.jsonl'), 'utf8');
    expect(events).toContain('"type":"run.aborted"');
    expect(events).toContain('"type":"stack.stopped"');
    expect(events).toMatch(/"type":"run.ended","exitCode":130/);
  }, 300_000);

  it('Ctrl-C while `run` is still starting the stack stops what was started and exits 130', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slo-sigint-up-'));
    const stateDir = join(dir, 'state');
    const { child, exited, pid, output } = spawnCli([
      'run',
      '--profile',
      TINY,
      '--reports-dir',
      join(dir, 'reports'),
      '--state-dir',
      stateDir,
    ]);
    const spawned = await waitFor(
      async () => {
        const pids = await readPidFiles(stateDir);
        return { done: pids.length >= 2, value: pids, reason: `${pids.length} pid files` };
      },
      {
        timeoutMs: 60_000,
        intervalMs: 10,
        abort: () => (child.exitCode !== null ? `exited early: ${output()}` : undefined),
      },
    );
    expect(spawned.ok, spawned.reason).toBe(true);
    const recorded = [...new Set([...descendants(pid), ...(spawned.value ?? []).map((p) => p.pid)])];
    process.kill(-pid, 'SIGINT');
    expect(await exited, output()).toBe(130);
    const gone = await allGone(recorded);
    expect(gone.ok, `left running: ${gone.reason}`).toBe(true);
    expect(output()).not.toContain('traffic:');
  }, 120_000);
});

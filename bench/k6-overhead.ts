/**
 * Requests/s of k6 driven by the harness (NDJSON streamed into the ledger) vs the same k6
 * scenario run bare (no output), in one run against the same local fake API in its own
 * process. Closed model (constant VUs) so the rate is what the machine can do; runs
 * alternate bare/harness to spread drift. Target: ratio >= 0.95.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { ensureTool } from '../src/tools/provision.ts';
import { fixtureImages, harnessScript } from '../src/load/fixtures.ts';
import { runK6, SYSTEM_TAGS } from '../src/load/k6-runner.ts';
import { LedgerBuilder } from '../src/load/ledger.ts';
import type { BenchSize, Figure } from './figures.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

async function startServer(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/load/testing/serve-fake.ts')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`fake server exited (${code})`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

async function reqRate(summaryPath: string): Promise<number> {
  const s = JSON.parse(await readFile(summaryPath, 'utf8')) as { metrics: { http_reqs?: { rate?: number } } };
  return s.metrics.http_reqs?.rate ?? 0;
}

interface Mode {
  name: string;
  scenario: Record<string, unknown>;
}

/**
 * Closed model: 10 VUs as fast as they can — the machine's ceiling, where k6's own
 * per-point JSON serialisation (which the ledger needs) shows. Open model: a high arrival
 * rate like the profiles use — whether streaming into the ledger makes k6 fall behind.
 */
function modes(seconds: number, openRate: number): Mode[] {
  return [
    { name: 'closed', scenario: { executor: 'constant-vus', vus: 10, duration: `${seconds}s` } },
    {
      name: 'open',
      scenario: {
        executor: 'constant-arrival-rate',
        rate: openRate,
        timeUnit: '1s',
        duration: `${seconds}s`,
        preAllocatedVUs: 50,
        maxVUs: 200,
      },
    },
  ];
}

async function bareRun(k6: string, env: Record<string, string>, summary: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const c = spawn(
      k6,
      ['run', '--quiet', '--system-tags', SYSTEM_TAGS, '--summary-export', summary, harnessScript()],
      {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, K6_NO_USAGE_REPORT: 'true', ...env },
        stdio: 'ignore',
      },
    );
    c.once('exit', (code) => (code === 0 || code === 99 ? resolve() : reject(new Error(`bare k6 exited ${code}`))));
  });
  return reqRate(summary);
}

async function harnessRun(
  k6: string,
  env: Record<string, string>,
  runDir: string,
  url: string,
): Promise<{ rate: number; points: number }> {
  const b = new LedgerBuilder({ runId: 'bench', profile: 'bench', apiBaseUrl: url });
  const r = await runK6({ k6Path: k6, script: harnessScript(), runDir, env, onPoint: (l) => b.ingestLine(l) });
  if (!r.exit.trafficOk) throw new Error(`harness k6: ${r.exit.message}`);
  return { rate: await reqRate(r.summaryJson), points: b.live().points };
}

export async function run(size: BenchSize = 'full'): Promise<Figure[]> {
  const [SECONDS, ROUNDS, OPEN_RATE] = size === 'tiny' ? [1, 1, 50] : [10, 2, 1500];
  const { k6 } = await ensureTool('k6');
  const server = await startServer();
  const dir = await mkdtemp(join(tmpdir(), 'slo-bench-k6-'));
  const figures: Figure[] = [];
  try {
    for (const mode of modes(SECONDS, OPEN_RATE)) {
      const env = {
        SLO_PLAN: JSON.stringify({
          scenarios: { bench: { ...mode.scenario, exec: 'apiSteady', tags: { phase: 'bench' } } },
        }),
        BASE_URL: server.url,
        API_USERNAME: 'user',
        API_PASSWORD: 'user123',
        FIXTURE_FILES: fixtureImages().join(','),
      };
      const bare: number[] = [];
      const harnessed: number[] = [];
      let points = 0;
      // Alternating runs spread the machine's drift over both sides.
      for (let i = 0; i < ROUNDS; i++) {
        bare.push(await bareRun(k6 as string, env, join(dir, `bare-${mode.name}-${i}.json`)));
        const h = await harnessRun(k6 as string, env, await mkdtemp(join(dir, 'h-')), server.url);
        harnessed.push(h.rate);
        points += h.points;
      }
      const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
      const note =
        mode.name === 'closed'
          ? `constant-vus 10, ${SECONDS}s × ${ROUNDS}`
          : `${OPEN_RATE} iterations/s, ${SECONDS}s × ${ROUNDS}`;
      figures.push(
        { name: `${mode.name}: bare k6`, value: mean(bare), unit: 'req/s', note },
        {
          name: `${mode.name}: harness-driven k6`,
          value: mean(harnessed),
          unit: 'req/s',
          note: `${points} points streamed into the ledger`,
        },
        {
          name: `${mode.name}: harness / bare`,
          value: mean(harnessed) / mean(bare),
          unit: 'x',
          note: mode.name === 'closed' ? "ceiling: k6's own JSON output costs most of the gap" : 'target >= 0.95',
        },
      );
    }
  } finally {
    server.stop();
    await rm(dir, { recursive: true, force: true });
  }
  return figures;
}

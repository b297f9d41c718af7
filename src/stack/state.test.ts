import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPidFiles, readState, writePidFile, writeState, clearState, type StackState } from './state.ts';
import { DEFAULT_PORTS } from './config.ts';
import { choosePorts, selectComponents } from './lifecycle.ts';
import { createServer, type Server } from 'node:net';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slo-state-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sample = (): StackState => ({
  version: 1,
  stateDir: dir,
  startedAt: '2026-01-01T00:00:00.000Z',
  host: '127.0.0.1',
  scrapeInterval: '5s',
  evaluationInterval: '5s',
  retention: '180d',
  ports: { ...DEFAULT_PORTS },
  adminToken: 'secret',
  components: {
    prometheus: { pid: 42, startTime: '123', command: 'prometheus', logPath: 'x', readyUrl: 'u', url: 'u' },
  },
});

describe('stack state', () => {
  it('round-trips', async () => {
    await writeState(sample());
    const r = await readState(dir);
    expect(r).toEqual({ kind: 'ok', state: sample() });
  });

  it('reports no state when the directory is empty', async () => {
    expect(await readState(dir)).toEqual({ kind: 'none' });
  });

  it('detects a corrupted state file instead of crashing', async () => {
    await writeFile(join(dir, 'state.json'), '{"version":1, "compon');
    const r = await readState(dir);
    expect(r.kind).toBe('corrupt');
    expect(r.kind === 'corrupt' && r.reason).toMatch(/not valid JSON/);
  });

  it('detects a foreign file in place of the state', async () => {
    await writeFile(join(dir, 'state.json'), '{"hello":"world"}');
    expect((await readState(dir)).kind).toBe('corrupt');
  });

  it('keeps pid files as a trail that survives a corrupted state file', async () => {
    await writePidFile(dir, 'jaeger', { pid: 7, startTime: '99', command: 'jaeger' });
    await mkdir(join(dir, 'pids'), { recursive: true });
    await writeFile(join(dir, 'pids', 'garbage.pid'), 'not a pid');
    expect(await readPidFiles(dir)).toEqual([{ name: 'jaeger', pid: 7, startTime: '99' }]);
    await clearState(dir);
    expect(await readPidFiles(dir)).toEqual([]);
  });
});

describe('port choice', () => {
  let blocker: Server;
  afterEach(() => new Promise<void>((r) => (blocker ? blocker.close(() => r()) : r())));

  const occupy = async (): Promise<number> => {
    blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    return (blocker.address() as { port: number }).port;
  };

  it('replaces a taken default port by a free one and says so', async () => {
    const taken = await occupy();
    const lines: string[] = [];
    const ports = await choosePorts(new Set(['prometheus']), {}, (l) => lines.push(l), {
      ...DEFAULT_PORTS,
      prometheus: taken,
    });
    expect(ports.prometheus).not.toBe(taken);
    expect(ports.prometheus).toBeGreaterThan(0);
    expect(lines).toEqual([`port ${taken} (prometheus) is taken; using ${ports.prometheus} instead`]);
  });

  it('refuses a taken port the user pinned, naming it and how to fix it', async () => {
    const taken = await occupy();
    await expect(choosePorts(new Set(['prometheus']), { prometheus: taken }, () => {})).rejects.toThrow(
      new RegExp(`port ${taken} \\(prometheus\\) is already in use`),
    );
  });

  it('rejects unknown component names', () => {
    expect(() => selectComponents(['prometheus', 'grafana'])).toThrow(/unknown stack component\(s\): grafana/);
  });
});

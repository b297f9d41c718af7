import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:net';
import { stackDown, stackUp, type StackState } from './lifecycle.ts';
import { readPidFiles, readState } from './state.ts';
import { processStartTime } from '../util/proc.ts';
import { ensureTool } from '../tools/provision.ts';
import type { ComponentName } from './config.ts';

const SMALL: ComponentName[] = ['alert-sink', 'node-exporter', 'prometheus'];
const aliveOf = (st: StackState) =>
  Object.values(st.components).filter((r) => r && processStartTime(r.pid) === r.startTime);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slo-fail-'));
});
afterEach(async () => {
  await stackDown({ stateDir: dir });
  await rm(dir, { recursive: true, force: true });
});

describe('stack failure modes: clear errors, no orphaned process', () => {
  it('refuses a pinned port that is already taken, before starting anything', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(stackUp({ stateDir: dir, components: SMALL, ports: { prometheus: port } })).rejects.toMatchObject({
        code: 'PORT_IN_USE',
        message: expect.stringContaining(`port ${port} (prometheus) is already in use`),
        hint: expect.stringContaining('--port prometheus='),
      });
      expect(await readPidFiles(dir)).toEqual([]);
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });

  it('names the component whose child dies during up, shows its log, and stops the others', async () => {
    const lines: string[] = [];
    // An invalid retention makes Prometheus exit at once, after its siblings have started.
    const err = await stackUp({
      stateDir: dir,
      components: SMALL,
      retention: 'forever',
      log: (l) => lines.push(l),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'COMPONENT_FAILED',
      message: expect.stringMatching(/^prometheus failed to start: exited with code \d+/),
    });
    expect((err as { where: string }).where).toMatch(/logs\/prometheus\.log$/);
    // The tail of the component's own log says why.
    expect((err as { details: string }).details).toMatch(
      /error lines in .*prometheus\.log:\nError parsing commandline arguments: not a valid duration string: "forever"/,
    );
    expect(lines).toContain('start-up failed: stopping what was started');
    expect(await readPidFiles(dir)).toEqual([]);
    expect((await readState(dir)).kind).toBe('none');
  });

  it('rejects a broken alert rule file with promtool’s message', async () => {
    const bad = join(dir, 'bad-rules.yml');
    await writeFile(bad, 'groups:\n- name: x\n  rules:\n  - alert: Broken\n    expr: sum(rate(foo[5m]) >\n');
    await expect(stackUp({ stateDir: dir, components: SMALL, ruleFiles: [bad] })).rejects.toMatchObject({
      code: 'RULES_INVALID',
      details: expect.stringMatching(/parse error/i),
    });
    expect(await readPidFiles(dir)).toEqual([]);
  });

  it('recovers from a corrupted state file: stops the recorded processes and starts afresh', async () => {
    const first = (await stackUp({ stateDir: dir, components: SMALL })).state;
    await writeFile(join(dir, 'state.json'), '{ this is not json');
    const lines: string[] = [];
    const second = await stackUp({ stateDir: dir, components: SMALL, log: (l) => lines.push(l) });
    expect(lines.some((l) => /not valid JSON/.test(l))).toBe(true);
    expect(second.started).toBe(true);
    expect(aliveOf(first)).toEqual([]);
    expect(aliveOf(second.state)).toHaveLength(SMALL.length);
    await stackDown({ stateDir: dir });
    expect(aliveOf(second.state)).toEqual([]);
  });

  it('detects a crashed component left in the state and cleans up before starting again', async () => {
    const first = (await stackUp({ stateDir: dir, components: SMALL })).state;
    process.kill(first.components['node-exporter']!.pid, 'SIGKILL');
    const lines: string[] = [];
    const second = await stackUp({ stateDir: dir, components: SMALL, log: (l) => lines.push(l) });
    expect(second.started).toBe(true);
    expect(lines.some((l) => /not fully running or healthy/.test(l))).toBe(true);
    expect(aliveOf(first)).toEqual([]);
    await stackDown({ stateDir: dir });
    expect(aliveOf(second.state)).toEqual([]);
    expect(await readdir(dir)).not.toContain('state.json');
  });

  it('names the Debian package to install when a tool is missing and installing is not allowed', async () => {
    await expect(
      ensureTool('prometheus', { env: { ...process.env, PATH: '/nonexistent' }, allowInstall: false }),
    ).rejects.toMatchObject({
      code: 'TOOL_MISSING',
      hint: expect.stringContaining('apt-get install -y prometheus'),
    });
  });
});

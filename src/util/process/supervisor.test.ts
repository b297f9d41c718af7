import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { processStartTime } from '../proc.ts';
import { freePorts } from '../ports.ts';
import { waitFor } from '../wait.ts';
import { tempDirPerTest } from '../testing/temp-dir.ts';
import { isOurs, LogTail, stopByRecord, supervise, tailFile, waitReady } from './supervisor.ts';

let dir = '';
tempDirPerTest('slo-supervisor-', (d) => (dir = d));

const node = process.execPath;
/** A node process that prints a line, optionally ignores SIGTERM, and stays up. */
const sleeper = (opts: { ignoreTerm?: boolean; grandchild?: boolean } = {}) => [
  '-e',
  [
    opts.ignoreTerm ? "process.on('SIGTERM', () => console.log('ignoring SIGTERM'));" : '',
    opts.grandchild
      ? "const c = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }); console.log('grandchild ' + c.pid);"
      : '',
    "console.log('up');",
    'setInterval(() => {}, 1000);',
  ].join('\n'),
];

const gone = (pid: number) =>
  waitFor(async () => ({ done: processStartTime(pid) === undefined, reason: `${pid} runs` }), {
    timeoutMs: 5000,
    intervalMs: 20,
  });

describe('supervise', () => {
  it('appends a start line to the log file, records the pid start time, and stops the whole group', async () => {
    const file = join(dir, 'p.log');
    await writeFile(file, 'earlier run\n');
    const p = await supervise({
      command: node,
      args: sleeper({ grandchild: true }),
      env: {},
      output: { file },
      label: 'sleeper',
    });
    expect(p.startTime).toBe(processStartTime(p.pid));
    expect(isOurs(p)).toBe(true);
    const ready = await waitReady(
      p,
      async () => {
        const text = await readFile(file, 'utf8');
        return { done: /grandchild \d+/.test(text), value: text, reason: 'not up yet' };
      },
      { timeoutMs: 5000 },
    );
    expect(ready.ok, ready.reason).toBe(true);
    expect(p.logFrom).toBeGreaterThan('earlier run\n'.length);
    expect(ready.value).toMatch(/^earlier run\n\n# \S+ starting sleeper: \S*node -e/);
    const grandchild = Number(/grandchild (\d+)/.exec(ready.value!)![1]);
    await p.stop({ graceMs: 2000 });
    expect(p.exited).toBe('killed by SIGTERM');
    expect(p.running).toBe(false);
    expect((await gone(grandchild)).ok).toBe(true); // the group went, not only the child
  });

  it('SIGKILLs after the grace period a process that ignores the stop signal; stop() is idempotent', async () => {
    const p = await supervise({ command: node, args: sleeper({ ignoreTerm: true }), env: {}, output: 'pipe' });
    const tail = new LogTail(2);
    p.stdout!.on('data', (c: Buffer) =>
      c
        .toString()
        .trimEnd()
        .split('\n')
        .forEach((l) => tail.push(l)),
    );
    const up = await waitReady(p, async () => ({ done: tail.lines.includes('up'), reason: 'no output' }), {
      timeoutMs: 5000,
    });
    expect(up.ok).toBe(true);
    const [a, b] = [p.stop({ graceMs: 300 }), p.stop({ graceMs: 60_000 })];
    await Promise.all([a, b]);
    expect(p.exited).toBe('killed by SIGKILL');
    expect(tail.lines).toEqual(['up', 'ignoring SIGTERM']);
  });

  it('a command that cannot start is SPAWN_FAILED; the readiness wait gives up when the process exits', async () => {
    await expect(supervise({ command: join(dir, 'missing'), args: [], env: {}, output: 'pipe' })).rejects.toMatchObject(
      {
        code: 'SPAWN_FAILED',
      },
    );
    const p = await supervise({ command: node, args: ['-e', 'process.exit(3)'], env: {}, output: 'pipe' });
    const r = await waitReady(p, async () => ({ done: false, reason: 'never ready' }), { timeoutMs: 10_000 });
    expect(r.ok).toBe(false);
    expect(r.reason).toBe('the process exited with code 3');
    const ctl = new AbortController();
    ctl.abort();
    const q = await supervise({ command: node, args: sleeper(), env: {}, output: 'pipe' });
    expect(
      (await waitReady(q, async () => ({ done: false, reason: 'x' }), { timeoutMs: 10_000, signal: ctl.signal }))
        .reason,
    ).toBe('interrupted');
    await q.kill();
    expect(q.exited).toBe('killed by SIGKILL');
  });

  it('dieWithUs: the process dies with a parent that is SIGKILLed (setpriv), or that exits', async () => {
    const mod = fileURLToPath(new URL('./supervisor.ts', import.meta.url));
    const tsx = fileURLToPath(import.meta.resolve('tsx'));
    for (const how of ['SIGKILL', 'exit'] as const) {
      const script = `
        import { supervise } from ${JSON.stringify(mod)};
        const p = await supervise({ command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'],
          env: {}, output: 'pipe', dieWithUs: true });
        console.log(JSON.stringify({ pid: p.pid, argv: p.argv }));
        ${how === 'exit' ? "process.stdin.once('data', () => process.exit(0));" : 'setInterval(() => {}, 1000);'}
      `;
      const parent = spawn(node, ['--import', tsx, '--input-type=module', '-e', script], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      let out = '';
      parent.stdout.on('data', (c: Buffer) => (out += c.toString()));
      const started = await waitFor(async () => ({ done: out.includes('\n'), reason: out }), {
        timeoutMs: 20_000,
        intervalMs: 20,
      });
      expect(started.ok).toBe(true);
      const { pid, argv } = JSON.parse(out) as { pid: number; argv: string[] };
      if (how === 'SIGKILL') {
        // Only the kernel can kill it now: setpriv --pdeathsig must be in front.
        expect(argv).toContain('--pdeathsig');
        parent.kill('SIGKILL');
      } else parent.stdin.write('go\n');
      expect((await gone(pid)).ok, `${how}: pid ${pid} outlived its parent`).toBe(true);
    }
  }, 60_000);
});

describe('stopByRecord', () => {
  it('stops a recorded process, and never signals a pid whose start time differs (recycled)', async () => {
    const p = await supervise({ command: node, args: sleeper(), env: {}, output: 'pipe', unref: true });
    await stopByRecord({ pid: p.pid, startTime: 'not-its-start-time' }, { graceMs: 200 });
    expect(p.running).toBe(true);
    await stopByRecord(p, { graceMs: 2000 });
    await p.exit;
    expect(p.exited).toBe('killed by SIGTERM');
  });
});

describe('tailFile and ports', () => {
  it('reads the last lines after an offset, even beyond the first window; undefined when missing', async () => {
    const file = join(dir, 'big.log');
    const lines = Array.from({ length: 3000 }, (_, i) => `line ${i} ${'x'.repeat(60)}`);
    await writeFile(file, lines.join('\n') + '\n');
    expect((await tailFile(file, 2000))!.split('\n')).toEqual(lines.slice(-2000));
    const from = Buffer.byteLength(lines.slice(0, 2999).join('\n') + '\n');
    expect(await tailFile(file, 5, from)).toBe(lines[2999]);
    expect(await tailFile(join(dir, 'none.log'))).toBeUndefined();
  });

  it('freePorts gives distinct ports, none of those to avoid', async () => {
    const [a] = await freePorts(1);
    const ports = await freePorts(5, new Set([a!]));
    expect(new Set(ports).size).toBe(5);
    expect(ports).not.toContain(a);
  });
});

import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureGoTool, ensureTool, goToolDir } from './provision.ts';
import { MANIFEST } from './manifest.ts';
import { runCommand } from '../util/proc.ts';
import { tempDirPerTest } from '../util/testing/temp-dir.ts';

let dir: string;
tempDirPerTest('slo-tools-', (d) => (dir = d));

describe('tool provisioning', () => {
  it('pins k6 v2.2.0 and Jaeger v1.76.0 in the one manifest', () => {
    expect(MANIFEST.k6).toMatchObject({ kind: 'go', version: 'v2.2.0', module: 'go.k6.io/k6/v2' });
    expect(MANIFEST.jaeger).toMatchObject({
      kind: 'go',
      version: 'v1.76.0',
      package: 'github.com/jaegertracing/jaeger/cmd/jaeger',
    });
  });

  it('returns the cached k6 of the pinned version, and it runs', async () => {
    const { k6 } = await ensureTool('k6');
    expect(k6).toBeDefined();
    const r = await runCommand(k6!, ['version']);
    expect(r.stdout).toContain('k6 v2.2.0');
  });

  it('a failed Go build names the tool, the command and the path of its full log', async () => {
    const env = { ...process.env, SLO_HARNESS_TOOLS_DIR: dir, GOPROXY: 'off', GOFLAGS: '' };
    const spec = {
      kind: 'go' as const,
      version: 'v0.0.1',
      module: 'example.invalid/nope',
      package: 'example.invalid/nope',
      binary: 'nope',
      versionArgs: ['version'],
    };
    const lines: string[] = [];
    const err = await ensureGoTool('k6', spec, { env, log: (l) => lines.push(l) }).catch((e: unknown) => e);
    const logPath = join(goToolDir('k6', spec, env), 'build.log');
    expect(err).toMatchObject({
      code: 'TOOL_BUILD_FAILED',
      message: expect.stringMatching(/^building k6 v0\.0\.1 failed at `go get -tool example\.invalid\/nope@v0\.0\.1`/),
      hint: expect.stringContaining(logPath),
    });
    expect(await readFile(logPath, 'utf8')).toContain('$ go get -tool example.invalid/nope@v0.0.1');
    expect(lines[0]).toMatch(/building k6 v0\.0\.1 with Go/);
  });
});

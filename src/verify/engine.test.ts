import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { HarnessError } from '../util/errors.ts';
import { verify } from './engine.ts';

describe('verify()', () => {
  it('refuses an --only selection that matches no check instead of passing on nothing', async () => {
    const r = await verify({
      only: ['SLI-l'],
      window: { start: new Date(Date.now() - 60_000), end: new Date() },
      settle: false,
    });
    expect(r).toBeInstanceOf(HarnessError);
    expect(r).toMatchObject({ code: 'CONFIG_ONLY_NO_MATCH', hint: expect.stringContaining('checks list') });
  });

  it('judges nothing as inconclusive when no backend is configured', async () => {
    const r = await verify({ window: { start: new Date(Date.now() - 60_000), end: new Date() }, settle: false });
    expect(r).not.toBeInstanceOf(HarnessError);
    if (r instanceof HarnessError) return;
    expect(r.outcome).toBe('inconclusive');
    expect(r.verdicts.filter((v) => v.outcome === 'pass')).toEqual([]);
  });
});

describe('verify() under one overall deadline', () => {
  it('a backend that never answers cannot keep verification going: what was not fetched is inconclusive (VERIFY_DEADLINE)', async () => {
    // Accepts every connection and never answers.
    const hung = createServer(() => {});
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    const { port } = hung.address() as AddressInfo;
    try {
      const r = await verify({
        window: { start: new Date(Date.now() - 7_200_000), end: new Date(Date.now() - 3_600_000) },
        prometheus: { url: `http://127.0.0.1:${port}`, timeoutMs: 300, retries: 0 },
        settle: false,
        deadlineMs: 500,
      });
      if (r instanceof HarnessError) throw r;
      expect(r.verdicts.filter((v) => v.outcome === 'pass').map((v) => v.checkId)).not.toContain('arch-3-targets-up');
      const reasons = r.verdicts.map((v) => v.reason ?? '');
      expect(reasons.filter((x) => /VERIFY_DEADLINE/.test(x)).length).toBeGreaterThan(10);
      expect(reasons.some((x) => /SOURCE_TIMEOUT/.test(x))).toBe(true);
      expect(r.outcome).toBe('inconclusive');
    } finally {
      hung.closeAllConnections();
      await new Promise((res) => hung.close(res));
    }
  });
});

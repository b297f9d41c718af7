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

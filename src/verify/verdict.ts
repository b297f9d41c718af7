import type { CheckBase } from '../model/check.ts';
import type { EvalContext } from '../model/context.ts';
import type { Observation, SourceErrorObs } from '../model/observation.ts';
import type { Outcome, Verdict } from '../model/verdict.ts';

/** The verdict skeleton every evaluator fills in. */
export function verdict(
  check: CheckBase,
  outcome: Outcome,
  summary: string,
  extra: Partial<Omit<Verdict, 'checkId' | 'title' | 'requirements' | 'severity' | 'outcome' | 'summary'>> = {},
): Verdict {
  return {
    checkId: check.id,
    title: check.title,
    requirements: check.requirements,
    severity: check.severity,
    outcome,
    summary,
    queries: [],
    links: [],
    ...extra,
  };
}

/** A violated check fails a gate, or warns when it is a warning-level check. */
export function violated(check: CheckBase): Outcome {
  return check.severity === 'gate' ? 'fail' : 'warn';
}

export function isoRange(win: { start: number; end: number }, step?: number): Verdict['range'] {
  const r: NonNullable<Verdict['range']> = {
    start: new Date(win.start * 1000).toISOString(),
    end: new Date(win.end * 1000).toISOString(),
  };
  if (step !== undefined) r.stepSeconds = step;
  return r;
}

/** A link that opens the query in Prometheus' graph UI over the judged range. */
export function promLink(ctx: EvalContext, query: string, win: { start: number; end: number }): string[] {
  if (!ctx.urls.prometheus) return [];
  const base = ctx.urls.prometheus.replace(/\/$/, '');
  const range = Math.max(60, Math.ceil(win.end - win.start));
  const end = new Date(win.end * 1000)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, '');
  const p = new URLSearchParams({
    'g0.expr': query,
    'g0.tab': '0',
    'g0.range_input': `${range}s`,
    'g0.end_input': end,
  });
  return [`${base}/graph?${p.toString()}`];
}

/** Returns the first source error among a check's observations (a cause to name). */
export function firstError(obs: Record<string, Observation> | undefined): SourceErrorObs | undefined {
  for (const o of Object.values(obs ?? {})) if (o.kind === 'error') return o;
  return undefined;
}

export function fmt(n: number, unit = ''): string {
  if (!Number.isFinite(n)) return `${n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN'}${unit ? ` ${unit}` : ''}`;
  const r = Math.abs(n) >= 100 ? n.toFixed(1) : Math.abs(n) >= 1 ? n.toFixed(3) : n.toPrecision(4);
  return `${Number(r)}${unit ? ` ${unit}` : ''}`;
}

/** Why an evaluator cannot read what it was given (a wrong observation kind). */
export function unexpected(o: Observation | undefined, want: string): string {
  return `expected a ${want} observation, got ${o ? o.kind : 'nothing'}`;
}

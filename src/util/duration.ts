import { HarnessError } from './errors.ts';

/**
 * Durations as Prometheus and k6 write them ("500ms", "5s", "1h30m", "1.5m", "180d") ⇄
 * seconds. One parser for the whole harness: profiles, target configs, stack flags, windows.
 */
const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/g;
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w|y))+$/;

/** Seconds, or undefined when `text` is not a duration. */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (!WHOLE.test(s)) return undefined;
  let total = 0;
  for (const m of s.matchAll(PART)) total += Number(m[1]) * (UNITS[m[2] ?? 's'] ?? 1);
  return total;
}

/** Milliseconds of a positive duration, or a HarnessError naming where the bad value came from. */
export function requireDurationMs(value: string, where: string): number {
  const seconds = parseDuration(value);
  if (seconds === undefined || seconds <= 0) {
    throw new HarnessError('CONFIG_BAD_DURATION', `invalid duration "${value}"`, {
      where,
      hint: 'use a positive number with a unit: 500ms, 5s, 1m, 2h, 7d',
    });
  }
  return seconds * 1000;
}

/** The shortest whole-unit rendering PromQL accepts (`300` → `5m`, `90` → `90s`). */
export function formatDuration(seconds: number): string {
  const s = Math.max(1, Math.round(seconds));
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (s % size === 0) return `${s / size}${unit}`;
  }
  return `${s}s`;
}

/** Seconds as a k6 duration string; whole seconds are enough for scheduling. */
export function k6Duration(seconds: number): string {
  return `${Math.max(0, Math.round(seconds))}s`;
}

/** For people: `1h05m`, `2m30s`, `45s`. */
export function humanDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m) return `${m}m${String(r).padStart(2, '0')}s`;
  return `${r}s`;
}

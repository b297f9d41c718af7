/** Prometheus durations (`5m`, `1h30m`, `180d`) ⇄ seconds. */
const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/g;

/** Seconds, or undefined when `text` is not a Prometheus duration. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^(\d+(?:\.\d+)?(ms|s|m|h|d|w|y))+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const m of trimmed.matchAll(PART)) total += Number(m[1]) * (UNITS[m[2] ?? 's'] ?? 1);
  return total;
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

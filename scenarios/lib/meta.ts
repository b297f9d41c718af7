import exec from 'k6/execution';

/** Runs `fn` with extra sample metadata set on this VU, and removes it afterwards. */
export function withMetadata<T>(meta: Record<string, string>, fn: () => T): T {
  const m = exec.vu.metrics.metadata;
  for (const [k, v] of Object.entries(meta)) m[k] = v;
  try {
    return fn();
  } finally {
    for (const k of Object.keys(meta)) delete m[k];
  }
}

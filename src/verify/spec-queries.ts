/**
 * Reads the spec's PromQL extract (`slo-queries.promql`): blocks separated by blank lines,
 * each introduced by `# heading`. The text is returned byte for byte; the only
 * parametrisation is the evaluation window, and it is done where the check is planned.
 */
export function specQueries(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const block of text.split(/\n\s*\n/)) {
    const lines = block.split('\n');
    const head = lines[0]?.match(/^#\s*(.+?)\s*$/);
    if (!head?.[1]) continue;
    const body = lines.slice(1).join('\n').replace(/\n+$/, '');
    if (body.trim()) out.set(head[1], body);
  }
  return out;
}

/** Every `[5m]`-style range selector becomes `[$window]` (the evaluation window). */
export function parametriseWindow(query: string): string {
  return query.replace(/\[(\d+(?:ms|s|m|h|d|w|y))+\]/g, '[$window]');
}

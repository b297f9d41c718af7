import type { TelemetryNames } from '../model/context.ts';

const PLACEHOLDER = /\{\{\s*metrics\.([A-Za-z0-9_]+)\s*\}\}/g;

/** Replaces `{{metrics.X}}` with the target's metric names; unknown names are reported. */
export function substituteMetrics(text: string, target: TelemetryNames, problems: string[], where: string): string {
  return text.replace(PLACEHOLDER, (_m, name: string) => {
    const v = target.metrics[name];
    if (v === undefined) {
      problems.push(
        `${where}: unknown metric mapping "{{metrics.${name}}}" (known: ${Object.keys(target.metrics).join(', ')})`,
      );
      return `{{metrics.${name}}}`;
    }
    return v;
  });
}

import { Option } from 'commander';
import { REPORTER_NAMES } from '../report/registry.ts';

/** A repeatable, comma-separated flag (`--only a,b --only c`) as one list. */
export const commaList = (v: string, acc: string[]): string[] => [
  ...acc,
  ...v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];

/** `--reporter`, the same for `run` and `verify`: which report formats to write (default all). */
export function reporterOption(where: string): Option {
  return new Option(
    '--reporter <names>',
    `report formats ${where}: ${REPORTER_NAMES.join(', ')} (comma-separated, repeatable; default all)`,
  )
    .argParser(commaList)
    .default([]);
}

import { HarnessError } from '../util/errors.ts';

/** A value an earlier task must have set: its absence is a bug in the task list, said plainly. */
export function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new HarnessError('INTERNAL', `the run has no ${what} yet (task order)`);
  return value;
}

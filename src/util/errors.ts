import { redactUrl } from './redact.ts';

/**
 * Errors are values: what went wrong, where, and what to do next. `code` is stable so tests
 * and callers can branch on it without parsing messages.
 */
export class HarnessError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly where: string | undefined;
  readonly details: string | undefined;

  constructor(
    code: string,
    message: string,
    opts: { hint?: string; where?: string; cause?: unknown; details?: string } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'HarnessError';
    this.code = code;
    this.hint = opts.hint;
    this.where = opts.where;
    this.details = opts.details;
  }
}

/** Formats any thrown value for a terminal: message, where, details, cause chain and hint. */
export function formatError(err: unknown): string {
  const lines: string[] = [];
  if (err instanceof HarnessError) {
    lines.push(`error[${err.code}]: ${err.message}`);
    if (err.where) lines.push(`  where: ${err.where}`);
    if (err.details) lines.push(...err.details.split('\n').map((l) => `  | ${l}`));
  } else if (err instanceof Error) {
    lines.push(`error: ${err.message}`);
  } else {
    lines.push(`error: ${String(err)}`);
  }
  let cause = err instanceof Error ? err.cause : undefined;
  while (cause !== undefined) {
    lines.push(`  caused by: ${cause instanceof Error ? cause.message : String(cause)}`);
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  if (err instanceof HarnessError && err.hint) lines.push(`  hint: ${err.hint}`);
  // Whatever an error quotes (a cause, a URL), a `user:secret@` never reaches the terminal.
  return redactUrl(lines.join('\n'));
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

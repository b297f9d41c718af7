/**
 * The reference services' errors: a stable code, a message, and what to do next. The
 * reference system is a separate system under test, so it has its own (it shares no code
 * with the harness that tests it).
 */
export class ServiceError extends Error {
  override readonly name = 'ServiceError';
  readonly hint?: string;
  readonly details?: string;

  constructor(
    readonly code: string,
    message: string,
    opts: { hint?: string; cause?: unknown; details?: string } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    if (opts.hint !== undefined) this.hint = opts.hint;
    if (opts.details !== undefined) this.details = opts.details;
  }
}

/** One error for a service's stderr: `error[CODE]: message`, details, causes and hint. */
export function formatError(err: unknown): string {
  const own = err instanceof ServiceError ? err : undefined;
  const lines = [own ? `error[${own.code}]: ${own.message}` : `error: ${messageOf(err)}`];
  if (own?.details) lines.push(...own.details.split('\n').map((l) => `  | ${l}`));
  for (
    let c = err instanceof Error ? err.cause : undefined;
    c !== undefined;
    c = c instanceof Error ? c.cause : undefined
  ) {
    lines.push(`  caused by: ${messageOf(c)}`);
  }
  if (own?.hint) lines.push(`  hint: ${own.hint}`);
  return lines.join('\n');
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The reference services' errors: a stable code, a message, and where to look next. The
 * reference system is a separate system under test, so it has its own (it shares no code
 * with the harness that tests it).
 */
export class ServiceError extends Error {
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
    this.name = 'ServiceError';
    this.code = code;
    this.hint = opts.hint;
    this.where = opts.where;
    this.details = opts.details;
  }
}

/** One error for a service's stderr: `error[CODE]: message`, where, causes and hint. */
export function formatError(err: unknown): string {
  const lines = [err instanceof ServiceError ? `error[${err.code}]: ${err.message}` : `error: ${messageOf(err)}`];
  if (err instanceof ServiceError && err.where) lines.push(`  where: ${err.where}`);
  if (err instanceof ServiceError && err.details) lines.push(...err.details.split('\n').map((l) => `  | ${l}`));
  for (
    let c = err instanceof Error ? err.cause : undefined;
    c !== undefined;
    c = c instanceof Error ? c.cause : undefined
  ) {
    lines.push(`  caused by: ${messageOf(c)}`);
  }
  if (err instanceof ServiceError && err.hint) lines.push(`  hint: ${err.hint}`);
  return lines.join('\n');
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

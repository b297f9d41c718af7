import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import { buildRecord, deletePath, type LogContext, type LogLevel, type LogResource } from './log-record.ts';

export interface LoggerOptions {
  service: string;
  version: string;
  resource: LogResource;
  file: string | undefined;
  stdout: boolean;
  /** Fields the drop_log_fields fault currently removes (read on every record). */
  droppedFields?: () => string[];
}

/** Structured JSON-lines logger: one 9.2.1 record per line to stdout and the log file. */
export class Logger {
  private readonly stream: WriteStream | undefined;

  constructor(private readonly opts: LoggerOptions) {
    if (opts.file) {
      mkdirSync(dirname(opts.file), { recursive: true });
      this.stream = createWriteStream(opts.file, { flags: 'a' });
    }
  }

  debug(message: string, ctx: LogContext = {}): void {
    this.write('debug', message, ctx);
  }
  info(message: string, ctx: LogContext = {}): void {
    this.write('info', message, ctx);
  }
  warn(message: string, ctx: LogContext = {}): void {
    this.write('warn', message, ctx);
  }
  error(message: string, ctx: LogContext = {}): void {
    this.write('error', message, ctx);
  }

  private write(level: LogLevel, message: string, ctx: LogContext): void {
    // LOG-2: the ids of the span active *now*, so the record joins its trace.
    const sc = trace.getSpan(context.active())?.spanContext();
    const valid = sc !== undefined && isSpanContextValid(sc);
    const record = buildRecord({
      now: new Date(),
      level,
      service: this.opts.service,
      version: this.opts.version,
      resource: this.opts.resource,
      traceId: valid ? sc.traceId : null,
      spanId: valid ? sc.spanId : null,
      message,
      ctx,
    });
    const dropped = this.opts.droppedFields?.() ?? [];
    for (const path of dropped) deletePath(record as unknown as Record<string, unknown>, path);
    const line = `${JSON.stringify(record)}\n`;
    if (this.opts.stdout) process.stdout.write(line);
    this.stream?.write(line);
  }

  /** Flushes and closes the file (shutdown). */
  close(): Promise<void> {
    const s = this.stream;
    if (!s) return Promise.resolve();
    return new Promise((resolve) => s.end(resolve));
  }
}

import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { HarnessError } from '../util/errors.ts';
import type { LogsObs } from '../verify/types.ts';

export interface LogSource {
  /** The services' own files, or a store the records were shipped to (which lags behind). */
  readonly store: 'files' | 'elasticsearch';
  records(start: number, end: number): Promise<LogsObs | HarnessError>;
  /** Releases connections, if the source holds any. */
  close?(): Promise<void>;
}

/**
 * JSON-lines log files (one record per line, design 9.2.1). `paths` are files or
 * directories (every `*.log`/`*.jsonl` inside). Files are streamed; records outside the
 * window (by `timestamp`) are skipped, and at most `limit` are kept.
 */
export function fileLogSource(paths: string[], opts: { limit?: number } = {}): LogSource {
  const limit = opts.limit ?? 50_000;
  return {
    store: 'files',
    records: async (start, end) => {
      const files: string[] = [];
      for (const p of paths) {
        try {
          const s = await stat(p);
          if (s.isDirectory()) {
            for (const n of (await readdir(p)).sort()) if (/\.(log|jsonl|ndjson)$/.test(n)) files.push(join(p, n));
          } else files.push(p);
        } catch (err) {
          return new HarnessError('SOURCE_UNREACHABLE', `log path ${p} is not readable`, {
            cause: err,
            hint: 'check --logs',
          });
        }
      }
      if (files.length === 0) return new HarnessError('SOURCE_UNREACHABLE', `no log files under ${paths.join(', ')}`);
      const obs: LogsObs = { kind: 'logs', store: 'files', from: files, records: [], malformed: 0, total: 0 };
      let malformed = 0;
      for (const f of files) {
        const lines = createInterface({ input: createReadStream(f, 'utf8'), crlfDelay: Infinity });
        // A malformed line has no timestamp: it is charged to the window when the record
        // before it was in the window (so older runs' garbage in the same file is not).
        let inWindow = false;
        for await (const line of lines) {
          if (!line.trim()) continue;
          let rec: unknown;
          try {
            rec = JSON.parse(line);
          } catch {
            // Lines that are not JSON are exactly what LOG-1 forbids: count them.
            if (inWindow) malformed++;
            continue;
          }
          if (typeof rec !== 'object' || rec === null || Array.isArray(rec)) {
            if (inWindow) malformed++;
            continue;
          }
          const t = Date.parse(String((rec as { timestamp?: unknown }).timestamp)) / 1000;
          inWindow = Number.isNaN(t) || (t >= start && t <= end);
          if (!inWindow) continue;
          obs.total++;
          if (obs.records.length < limit) obs.records.push(rec as Record<string, unknown>);
        }
      }
      obs.malformed = malformed;
      return obs;
    },
  };
}

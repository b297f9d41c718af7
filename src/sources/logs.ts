import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { HarnessError } from '../util/errors.ts';
import type { LogsObs } from '../model/observation.ts';
import type { LogRequest } from '../model/request.ts';
import { asObservation, type Backend } from './backend.ts';

/** Which of these trace IDs have a record in the window: exact, however many records there are. */
export type TraceLookup = (
  ids: string[],
  start: number,
  end: number,
) => Promise<{ found: string[]; from: string[] } | HarnessError>;

export interface LogSource {
  /** The services' own files, or a store the records were shipped to (which lags behind). */
  readonly store: 'files' | 'elasticsearch';
  /** The window's records: all of them up to a bound, else a uniform sample (`sampled`). */
  records(start: number, end: number): Promise<LogsObs | HarnessError>;
  /** A store's exact lookup (ARCH-4). The services' own files have none: there is nothing to follow. */
  findTraces?: TraceLookup;
  /** Releases connections, if the source holds any. */
  close?(): Promise<void>;
}

/** A log store: a source that can also look trace IDs up exactly. */
export type LogStore = LogSource & { findTraces: TraceLookup };

/**
 * JSON-lines log files (one record per line, design 9.2.1). `paths` are files or
 * directories (every `*.log`/`*.jsonl` inside). Files are streamed; records outside the
 * window (by `timestamp`) are skipped; past `limit` records, a uniform sample of `limit` is
 * kept (reservoir sampling, seeded: the same files give the same sample).
 */
export function fileLogSource(paths: string[], opts: { limit?: number } = {}): LogSource {
  const limit = opts.limit ?? 50_000;
  const records = async (start: number, end: number): Promise<LogsObs | HarnessError> => {
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
    const random = seeded(Math.floor(start));
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
        else {
          // Reservoir sampling: every record of the window is kept with equal chance.
          const j = Math.floor(random() * obs.total);
          if (j < limit) obs.records[j] = rec as Record<string, unknown>;
        }
      }
    }
    obs.malformed = malformed;
    obs.sampled = obs.total > limit;
    return obs;
  };
  return { store: 'files', records };
}

/** A small seeded PRNG (mulberry32): samples are reproducible run to run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A log source (the services' files or a log store) as the `logs` backend. */
export interface LogBackend extends Backend<LogRequest> {
  readonly source: LogSource;
}

export function logBackend(source: LogSource): LogBackend {
  return {
    name: 'logs',
    source,
    async fetch(req) {
      if (req.op === 'records') return asObservation('logs', await source.records(req.start, req.end));
      // The services' own files are no store to follow (ARCH-4 is skipped): nothing to look up.
      if (!source.findTraces) return { kind: 'log-traces', store: source.store, from: [], found: [] };
      const r = await source.findTraces(req.ids, req.start, req.end);
      return r instanceof HarnessError ? asObservation('logs', r) : { kind: 'log-traces', store: source.store, ...r };
    },
    close: source.close && (() => source.close!()),
  };
}

import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { redactUrl } from '../util/redact.ts';

/**
 * The run's event stream, saved as JSONL next to the run's artifacts so reporters can
 * re-render a past run. Appended synchronously: events are few, and an abort or crash must
 * not lose the ones already emitted.
 */
export type RunEvent =
  | { type: 'run.started'; runId: string; profile: string; target: string; embedded: boolean; plannedSeconds: number }
  | { type: 'stack.starting' }
  | { type: 'stack.ready'; started: boolean; urls: Record<string, string> }
  | { type: 'stack.stopped'; processes: number }
  | { type: 'traffic.started'; phases: Array<{ name: string; startSeconds: number; durationSeconds: number }> }
  | { type: 'phase.started'; phase: string; plannedSeconds: number }
  | { type: 'phase.ended'; phase: string }
  | { type: 'progress'; requests: number; errors: number; inFlight: number; executionsDone: number }
  | { type: 'traffic.ended'; k6ExitCode: number | null; message: string; stopped: boolean }
  | { type: 'ledger.saved'; path: string; requests: number; executions: number; aborted: boolean }
  | { type: 'verify.skipped'; reason: string }
  | { type: 'verify.started'; checks: number }
  | {
      type: 'verdict';
      checkId: string;
      requirements: string[];
      outcome: string;
      summary: string;
      observed?: number | string;
      expected?: string;
      reason?: string;
    }
  | { type: 'verify.ended'; outcome: string; counts: Record<string, number>; path: string; durationMs: number }
  | { type: 'report.failed'; reporter: string; message: string }
  | { type: 'run.aborted'; signal: string }
  | { type: 'run.error'; code: string; message: string }
  | { type: 'run.ended'; exitCode: number; aborted: boolean };

export type Emitted = RunEvent & { ts: string };

export class EventLog {
  private listeners: Array<(e: Emitted) => void> = [];
  private readonly warned = new Set<string>();

  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    process.stderr.write(`slo-harness: warning: ${message}\n`);
  }

  constructor(private readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
  }

  on(listener: (e: Emitted) => void): void {
    this.listeners.push(listener);
  }

  emit(event: RunEvent): void {
    const e: Emitted = { ts: new Date().toISOString(), ...event };
    try {
      // No URL credentials in a file CI uploads (the config refuses them; this is the backstop).
      appendFileSync(this.path, redactUrl(JSON.stringify(e)) + '\n');
    } catch (err) {
      // A full disk must not stop the traffic (or crash a progress tick): say so once.
      this.warnOnce('write', `cannot write ${this.path}: ${(err as Error).message}; events are no longer saved`);
    }
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        // A listener (reporter) failing must not stop the run; the event is already on disk.
        this.warnOnce('listener', `an event listener failed: ${(err as Error).message}`);
      }
    }
  }
}

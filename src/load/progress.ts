import type { LiveStats } from './ledger.ts';
import type { Plan } from './plan.ts';
import { humanDuration } from '../util/duration.ts';

export type ProgressMode = 'tty' | 'plain' | 'off';

export interface ProgressOptions {
  plan: Plan;
  stats: () => LiveStats;
  write: (text: string) => void;
  mode: ProgressMode;
  /** Plain mode prints one line per this many ms (CI logs stay short). */
  plainEveryMs?: number;
  now?: () => number;
  /** Called when the planned phase changes (for phase events). */
  onPhase?: (phase: string, previous: string | undefined) => void;
}

/** The planned phase at `elapsed` seconds, or undefined after the last one. */
export function phaseAt(plan: Plan, elapsed: number): string | undefined {
  for (const p of plan.phases)
    if (elapsed >= p.startSeconds && elapsed < p.startSeconds + p.durationSeconds) return p.name;
  return undefined;
}

export function formatProgress(plan: Plan, elapsedS: number, s: LiveStats, ratePerS: number): string {
  const phase = phaseAt(plan, elapsedS) ?? 'finishing';
  const remaining = Math.max(0, plan.totalSeconds - elapsedS);
  const errPct = s.requests ? (100 * s.errors) / s.requests : 0;
  return (
    `[${phase}] ${humanDuration(elapsedS)} elapsed, ${humanDuration(remaining)} left · ` +
    `${ratePerS.toFixed(1)} req/s · ${s.requests} requests · errors ${errPct.toFixed(2)}% · ` +
    `executions in flight ${s.inFlight}, done ${s.executionsDone}`
  );
}

/**
 * Progress on the terminal: one rewritten line on a TTY, a plain line every
 * `plainEveryMs` otherwise (CI). Phase changes are reported in both modes.
 */
export class ProgressReporter {
  private timer: NodeJS.Timeout | undefined;
  private started = 0;
  private lastPlain = 0;
  private lastRequests = 0;
  private lastTick = 0;
  private phase: string | undefined;
  private wroteTty = false;
  private printedPlain = false;

  constructor(private readonly o: ProgressOptions) {}

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  start(): void {
    this.started = this.now();
    this.lastTick = this.started;
    this.lastPlain = this.started;
    this.tick();
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
  }

  tick(): void {
    const now = this.now();
    const elapsed = (now - this.started) / 1000;
    const phase = phaseAt(this.o.plan, elapsed);
    if (phase !== this.phase) {
      this.o.onPhase?.(phase ?? '', this.phase);
      this.phase = phase;
    }
    if (this.o.mode === 'off') return;
    const s = this.o.stats();
    const dt = (now - this.lastTick) / 1000;
    const rate = dt > 0 ? (s.requests - this.lastRequests) / dt : 0;
    if (this.o.mode === 'tty') {
      this.lastTick = now;
      this.lastRequests = s.requests;
      this.o.write(`\r\x1b[2K${formatProgress(this.o.plan, elapsed, s, rate)}`);
      this.wroteTty = true;
    } else if (!this.printedPlain || now - this.lastPlain >= (this.o.plainEveryMs ?? 10_000)) {
      this.printedPlain = true;
      this.lastTick = now;
      this.lastRequests = s.requests;
      this.lastPlain = now;
      this.o.write(formatProgress(this.o.plan, elapsed, s, rate) + '\n');
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.phase !== undefined) this.o.onPhase?.('', this.phase);
    this.phase = undefined;
    if (this.wroteTty) this.o.write('\n');
  }
}

import type { Logger } from '@obshub/core';
import type { AlertEngine } from './engine.ts';

/**
 * Runs every group on its interval, at times aligned to multiples of the
 * interval (epoch based, no jitter: a 1m group runs at :00 of each minute and
 * is evaluated "at" that instant whatever the timer's delay), each group on
 * its own timer chain: a group's evaluation never overlaps itself (the next
 * slot is planned once it is done, skipping slots it overran), and a slow
 * group never delays another. stop() cancels the timers and waits for the
 * evaluations under way.
 */

export interface Clock {
  now(): number;
  /** Calls fn after ms; returns a cancel function. */
  schedule(fn: () => void, ms: number): () => void;
}

export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  schedule: (fn, ms) => {
    const timer = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(timer);
  },
};

/** The first slot strictly after `afterMs` for an interval. */
export function nextSlot(intervalMs: number, afterMs: number): number {
  return Math.floor(afterMs / intervalMs) * intervalMs + intervalMs;
}

interface Entry {
  intervalMs: number;
  cancel: () => void;
  running: Promise<unknown> | null;
}

export class AlertScheduler {
  private readonly entries = new Map<string, Entry>();
  private stopped = false;

  constructor(
    private readonly engine: AlertEngine,
    private readonly clock: Clock = SYSTEM_CLOCK,
    private readonly logger?: Logger,
  ) {}

  /** Starts or updates the timers to match the engine's groups (call after every reload). */
  sync(): void {
    if (this.stopped) return;
    const groups = new Map(this.engine.groups().map((g) => [g.name, g.intervalMs]));
    for (const [name, entry] of this.entries) {
      if (groups.get(name) !== entry.intervalMs) {
        entry.cancel();
        this.entries.delete(name);
      }
    }
    for (const [name, intervalMs] of groups) {
      if (!this.entries.has(name)) {
        const entry: Entry = { intervalMs, cancel: () => undefined, running: null };
        this.entries.set(name, entry);
        this.plan(name, entry);
      }
    }
  }

  private plan(name: string, entry: Entry): void {
    const slot = nextSlot(entry.intervalMs, this.clock.now());
    entry.cancel = this.clock.schedule(() => {
      if (this.stopped || this.entries.get(name) !== entry) return;
      entry.running = this.engine
        .evaluateGroup(name, slot)
        .catch((err: unknown) =>
          this.logger?.error({ err: (err as Error).message, group: name }, 'alert evaluation failed'),
        )
        .finally(() => {
          entry.running = null;
          if (!this.stopped && this.entries.get(name) === entry) this.plan(name, entry);
        });
    }, slot - this.clock.now());
  }

  /** Groups with a timer, and their intervals. */
  scheduled(): ReadonlyMap<string, number> {
    return new Map([...this.entries].map(([name, e]) => [name, e.intervalMs]));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const running: Array<Promise<unknown>> = [];
    for (const e of this.entries.values()) {
      e.cancel();
      if (e.running) running.push(e.running);
    }
    this.entries.clear();
    await Promise.allSettled(running);
    await this.engine.idle();
  }
}

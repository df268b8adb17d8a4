import type { AlertsClock } from '../../src/alerts/start.ts';

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

/**
 * One hand-moved clock for the evaluator's scheduler (schedule) and the
 * notifier (now, sleep). advanceTo() fires the scheduler's timers that fall
 * due on the way, in time order, each at its own instant, and waits for what
 * each started (`settle`) before the next: evaluations are explicit and
 * deterministic, nothing waits for wall-clock minutes.
 */
export class ManualAlertsClock implements AlertsClock {
  private timers: Timer[] = [];
  private seq = 0;

  constructor(private t: number) {}

  now(): number {
    return this.t;
  }

  schedule(fn: () => void, ms: number): () => void {
    const timer: Timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((x) => x !== timer);
    };
  }

  /** Retry waits move the clock. */
  async sleep(ms: number): Promise<void> {
    this.t += ms;
    await Promise.resolve();
  }

  /** Timers planned and not yet fired (stopping a scheduler cancels its own). */
  pending(): number {
    return this.timers.length;
  }

  async advanceTo(to: number, settle: () => Promise<void>): Promise<void> {
    for (;;) {
      const due = this.timers.filter((x) => x.at <= to).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = Math.max(this.t, due.at);
      due.fn();
      await settle();
    }
    this.t = Math.max(this.t, to);
  }
}

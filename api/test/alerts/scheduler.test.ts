import { describe, expect, it } from 'vitest';
import { AlertScheduler, nextSlot, type Clock } from '../../src/alerts/eval/scheduler.ts';
import type { AlertEngine, GroupEvaluation } from '../../src/alerts/eval/engine.ts';

/** The scheduler with an explicit clock: aligned slots, no overlap, a slow group does not delay another, stop waits. */
class ManualClock implements Clock {
  t = 0;
  private timers: Array<{ at: number; fn: () => void; live: boolean }> = [];
  now = () => this.t;
  schedule = (fn: () => void, ms: number) => {
    const timer = { at: this.t + ms, fn, live: true };
    this.timers.push(timer);
    return () => void (timer.live = false);
  };
  /** Advances to `to`, firing due timers in time order. */
  async advance(to: number): Promise<void> {
    for (;;) {
      const due = this.timers.filter((x) => x.live && x.at <= to).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.t = due.at;
      due.live = false;
      due.fn();
      await new Promise((r) => setImmediate(r));
    }
    this.t = to;
  }
}

function fakeEngine(groups: Array<{ name: string; intervalMs: number }>, slow: Set<string>) {
  const calls: Array<{ group: string; at: number }> = [];
  const releases: Array<() => void> = [];
  const engine = {
    groups: () => groups,
    idle: async () => undefined,
    evaluateGroup: (group: string, at: number): Promise<GroupEvaluation> => {
      calls.push({ group, at });
      const result = { group, at, durationMs: 0, ran: true };
      if (!slow.has(group)) return Promise.resolve(result);
      return new Promise((resolve) => releases.push(() => resolve(result)));
    },
  };
  return { engine: engine as unknown as AlertEngine, calls, releases };
}

describe('alert scheduler', () => {
  it('aligns slots to multiples of the interval', () => {
    expect(nextSlot(60_000, 0)).toBe(60_000);
    expect(nextSlot(60_000, 60_000)).toBe(120_000);
    expect(nextSlot(30_000, 61_000)).toBe(90_000);
  });

  it('runs each group at its aligned times; a slow group skips the slots it overran without delaying others', async () => {
    const clock = new ManualClock();
    clock.t = 5_000;
    const { engine, calls, releases } = fakeEngine(
      [
        { name: 'fast', intervalMs: 10_000 },
        { name: 'slow', intervalMs: 20_000 },
      ],
      new Set(['slow']),
    );
    const scheduler = new AlertScheduler(engine, clock);
    scheduler.sync();
    await clock.advance(65_000);
    expect(calls.filter((c) => c.group === 'fast').map((c) => c.at)).toEqual([
      10_000, 20_000, 30_000, 40_000, 50_000, 60_000,
    ]);
    // The slow group's first evaluation (at 20 s) is still running: no second one meanwhile.
    expect(calls.filter((c) => c.group === 'slow').map((c) => c.at)).toEqual([20_000]);
    releases.shift()?.();
    await new Promise((r) => setImmediate(r));
    await clock.advance(85_000);
    expect(calls.filter((c) => c.group === 'slow').map((c) => c.at)).toEqual([20_000, 80_000]);
    const stopping = scheduler.stop();
    let stopped = false;
    void stopping.then(() => (stopped = true));
    await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(false);
    releases.shift()?.();
    await stopping;
    expect(stopped).toBe(true);
  });
});

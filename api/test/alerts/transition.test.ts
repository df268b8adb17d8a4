import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inactiveInstance, step } from '../../src/alerts/eval/transition.ts';
import type { InstanceState, Observation, StatePolicy } from '../../src/alerts/eval/state.ts';

/**
 * The state machine, time-controlled: every case steps explicit observations
 * at explicit times (one evaluation a minute). Then properties over random
 * observation sequences.
 */
const MIN = 60_000;
const base = inactiveInstance({
  ruleId: 'r',
  ruleHash: 'h',
  instanceId: 'i',
  group: 'g',
  alert: 'A',
  kind: 'log',
  labels: { alertname: 'A' },
});
const policy = (p: Partial<StatePolicy> = {}): StatePolicy => ({
  condition: { op: '>', threshold: 10 },
  recovery: null,
  forMs: 3 * MIN,
  keepFiringForMs: 0,
  noData: 'ok',
  onError: 'keep',
  ...p,
});
const v = (value: number): Observation => ({ kind: 'value', value });
const NO_DATA: Observation = { kind: 'no_data' };
const ERROR: Observation = { kind: 'error', message: 'ClickHouse is unavailable' };

/** States after each observation, one a minute starting at minute 1. */
function run(obs: readonly Observation[], p: StatePolicy, start: InstanceState = base): InstanceState[] {
  const out: InstanceState[] = [];
  let s = start;
  obs.forEach((o, i) => {
    s = step(s, o, p, (i + 1) * MIN).next;
    out.push(s);
  });
  return out;
}
const names = (states: InstanceState[]) => states.map((s) => s.state);

describe('alert state machine', () => {
  it('pending, then firing once the condition held for `for`', () => {
    const states = run([v(11), v(12), v(13), v(14)], policy());
    expect(names(states)).toEqual(['pending', 'pending', 'pending', 'firing']);
    expect(states[3]).toMatchObject({ activeAt: MIN, firedAt: 4 * MIN, value: 14, reason: 'threshold' });
  });

  it('a blip shorter than `for` never fires (so nothing is notified)', () => {
    expect(names(run([v(11), v(12), v(5), v(11), v(5)], policy()))).toEqual([
      'pending',
      'pending',
      'inactive',
      'pending',
      'inactive',
    ]);
  });

  it('for: 0 fires at once; resolves as soon as the condition clears without keep_firing_for', () => {
    expect(names(run([v(11), v(5), v(5)], policy({ forMs: 0 })))).toEqual(['firing', 'resolved', 'resolved']);
  });

  it('keep_firing_for holds firing after the condition clears, and a new breach keeps it going', () => {
    const p = policy({ forMs: 0, keepFiringForMs: 2 * MIN });
    const states = run([v(11), v(5), v(5), v(11), v(5), v(5), v(5)], p);
    expect(names(states)).toEqual(['firing', 'firing', 'firing', 'firing', 'firing', 'firing', 'resolved']);
    expect(states[1]?.clearedAt).toBe(2 * MIN);
    expect(states[3]?.clearedAt).toBe(0);
    expect(states[6]?.resolvedAt).toBe(7 * MIN);
  });

  it('hysteresis: once firing, resolves only past the recovery threshold', () => {
    const p = policy({ forMs: 0, recovery: 5 });
    expect(names(run([v(11), v(9), v(6), v(5), v(4.9)], p))).toEqual([
      'firing',
      'firing',
      'firing',
      'firing',
      'resolved',
    ]);
    // `<` conditions recover upwards.
    const low = policy({ forMs: 0, condition: { op: '<', threshold: 1 }, recovery: 2 });
    expect(names(run([v(0.5), v(1.5), v(2), v(2.1)], low))).toEqual([
      'firing',
      'firing',
      'firing',
      'resolved',
    ]);
  });

  it('no data: alert (fires with reason no_data after for), keep (nothing changes), ok (resolves)', () => {
    const alert = run([NO_DATA, NO_DATA, NO_DATA, NO_DATA], policy({ noData: 'alert' }));
    expect(names(alert)).toEqual(['pending', 'pending', 'pending', 'firing']);
    expect(alert[3]).toMatchObject({ reason: 'no_data', value: null });
    const firing = run([v(11)], policy({ forMs: 0 }))[0] as InstanceState;
    expect(run([NO_DATA, NO_DATA], policy({ forMs: 0, noData: 'keep' }), firing).map((s) => s.state)).toEqual(
      ['firing', 'firing'],
    );
    expect(names(run([NO_DATA], policy({ noData: 'ok' }), firing))).toEqual(['resolved']);
    // keep does not promote a pending instance either.
    const pending = run([v(11)], policy())[0] as InstanceState;
    expect(names(run([NO_DATA, NO_DATA, NO_DATA, NO_DATA], policy({ noData: 'keep' }), pending))).toEqual([
      'pending',
      'pending',
      'pending',
      'pending',
    ]);
  });

  it('errors: alert (reason error, message kept), keep, ok', () => {
    const states = run([ERROR], policy({ forMs: 0, onError: 'alert' }));
    expect(states[0]).toMatchObject({ state: 'firing', reason: 'error', error: 'ClickHouse is unavailable' });
    const firing = run([v(11)], policy({ forMs: 0 }))[0] as InstanceState;
    expect(step(firing, ERROR, policy({ onError: 'keep' }), 5 * MIN)).toMatchObject({
      next: { state: 'firing' },
      transition: null,
      changed: false,
    });
    expect(step(firing, ERROR, policy({ onError: 'ok' }), 5 * MIN).next.state).toBe('resolved');
  });

  it('reports transitions and changes for persistence', () => {
    const r1 = step(base, v(11), policy(), MIN);
    expect(r1.transition).toEqual({ from: 'inactive', to: 'pending', at: MIN });
    expect(r1.changed).toBe(true);
    const r2 = step(r1.next, v(12), policy(), 2 * MIN);
    expect(r2).toMatchObject({ transition: null, changed: false });
  });

  const observation = fc.oneof(
    { weight: 6, arbitrary: fc.double({ min: -50, max: 50, noNaN: true }).map(v) },
    { weight: 1, arbitrary: fc.constant(NO_DATA) },
    { weight: 1, arbitrary: fc.constant(ERROR) },
  );
  const anyPolicy = fc.record({
    forMin: fc.integer({ min: 0, max: 5 }),
    keepMin: fc.integer({ min: 0, max: 5 }),
    recovery: fc.option(fc.double({ min: -50, max: 9.9, noNaN: true })),
    noData: fc.constantFrom('alert', 'keep', 'ok' as const),
    onError: fc.constantFrom('alert', 'keep', 'ok' as const),
  });

  it('property: never fires before the condition (or no_data / error alerting) held for `for`', () => {
    fc.assert(
      fc.property(fc.array(observation, { maxLength: 40 }), anyPolicy, (obs, pp) => {
        const p = policy({
          forMs: pp.forMin * MIN,
          keepFiringForMs: pp.keepMin * MIN,
          recovery: pp.recovery,
          noData: pp.noData,
          onError: pp.onError,
        });
        let s = base;
        obs.forEach((o, i) => {
          const now = (i + 1) * MIN;
          const r = step(s, o, p, now);
          if (r.transition?.to === 'firing') {
            expect(now - r.next.activeAt).toBeGreaterThanOrEqual(p.forMs);
            expect(r.next.activeAt).toBeGreaterThan(0);
          }
          if (r.next.state === 'firing')
            expect(r.next.firedAt - r.next.activeAt).toBeGreaterThanOrEqual(p.forMs);
          s = r.next;
        });
      }),
    );
  });

  it('property: while firing, never resolves as long as the value stays on the bad side of recovery', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 5, max: 100, noNaN: true }), { maxLength: 40 }),
        fc.integer({ min: 0, max: 5 }),
        (values, keepMin) => {
          const p = policy({ forMs: 0, recovery: 5, keepFiringForMs: keepMin * MIN });
          let s = step(base, v(11), p, 0).next;
          values.forEach((x, i) => {
            s = step(s, v(x), p, (i + 1) * MIN).next;
            expect(s.state).toBe('firing');
          });
        },
      ),
    );
  });

  it('property: keep_firing_for: firing lasts at least keep_firing_for after the condition last held', () => {
    fc.assert(
      fc.property(
        fc.array(observation, { maxLength: 40 }),
        fc.integer({ min: 1, max: 5 }),
        (obs, keepMin) => {
          const p = policy({ forMs: 0, keepFiringForMs: keepMin * MIN });
          let s = base;
          let lastBadWhileFiring = -Infinity;
          obs.forEach((o, i) => {
            const now = (i + 1) * MIN;
            const r = step(s, o, p, now);
            if (r.transition?.to === 'resolved')
              expect(now - lastBadWhileFiring).toBeGreaterThanOrEqual(p.keepFiringForMs);
            if (r.next.state === 'firing' && r.next.clearedAt === 0) lastBadWhileFiring = now;
            s = r.next;
          });
        },
      ),
    );
  });
});

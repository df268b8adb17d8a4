import type { Condition } from '../rules/schema.ts';
import type { InstanceState, Observation, StatePolicy, StepResult } from './state.ts';

/**
 * The alert state machine, as pure functions (docs/alerting.md):
 *
 *   inactive ──bad──► pending ──bad for `for`──► firing ──not bad for keep_firing_for──► resolved
 *      ▲                 │ not bad                  ▲                                         │
 *      └─────────────────┘                          └──────────── bad (again) ────────────────┘
 *                                                   (via pending unless for: 0)
 *
 * "bad" is the condition holding; once firing with a `recovery` threshold,
 * "bad" means "not yet past recovery" (hysteresis). No data and errors follow
 * the rule's no_data / on_error: alert (bad, with that reason), keep (nothing
 * changes), ok (not bad). Invariants (property-tested): an instance never
 * fires before its condition held for `for`; while firing with recovery, it
 * never resolves while the value stays on the bad side of recovery.
 */

export function holds(condition: Condition, value: number): boolean {
  switch (condition.op) {
    case '>':
      return value > condition.threshold;
    case '>=':
      return value >= condition.threshold;
    case '<':
      return value < condition.threshold;
    case '<=':
      return value <= condition.threshold;
  }
}

/** The value is back past the recovery threshold, on the healthy side. */
export function recovered(condition: Condition, recovery: number, value: number): boolean {
  return condition.op === '>' || condition.op === '>=' ? value < recovery : value > recovery;
}

function isBad(prev: InstanceState, policy: StatePolicy, value: number): boolean {
  if (prev.state === 'firing' && policy.recovery !== null) {
    return !recovered(policy.condition, policy.recovery, value);
  }
  return holds(policy.condition, value);
}

/** A new instance that has never been active. */
export function inactiveInstance(
  base: Pick<InstanceState, 'ruleId' | 'ruleHash' | 'instanceId' | 'group' | 'alert' | 'kind' | 'labels'>,
): InstanceState {
  return {
    ...base,
    state: 'inactive',
    reason: 'threshold',
    value: null,
    error: null,
    activeAt: 0,
    firedAt: 0,
    resolvedAt: 0,
    clearedAt: 0,
  };
}

/** One evaluation of one instance at `now`. */
export function step(prev: InstanceState, obs: Observation, policy: StatePolicy, now: number): StepResult {
  let bad: boolean;
  let reason = prev.reason;
  const value = obs.kind === 'value' ? obs.value : null;
  const error = obs.kind === 'error' ? obs.message : null;
  if (obs.kind === 'value') {
    bad = isBad(prev, policy, obs.value);
    if (bad) reason = 'threshold';
  } else {
    const handling = obs.kind === 'no_data' ? policy.noData : policy.onError;
    if (handling === 'keep') {
      // Keep the last state as it is: no promotion, no resolution; only the observation is noted.
      return { next: { ...prev, value, error }, transition: null, changed: false };
    }
    bad = handling === 'alert';
    if (bad) reason = obs.kind === 'no_data' ? 'no_data' : 'error';
  }

  let next: InstanceState = { ...prev, value, error, reason };
  if (bad) {
    switch (prev.state) {
      case 'inactive':
      case 'resolved':
        next =
          policy.forMs === 0
            ? { ...next, state: 'firing', activeAt: now, firedAt: now, resolvedAt: 0, clearedAt: 0 }
            : { ...next, state: 'pending', activeAt: now, firedAt: 0, resolvedAt: 0, clearedAt: 0 };
        break;
      case 'pending':
        if (now - prev.activeAt >= policy.forMs) next = { ...next, state: 'firing', firedAt: now };
        break;
      case 'firing':
        next = { ...next, clearedAt: 0 };
        break;
    }
  } else {
    switch (prev.state) {
      case 'pending':
        next = { ...next, state: 'inactive', activeAt: 0 };
        break;
      case 'firing': {
        const clearedAt = prev.clearedAt === 0 ? now : prev.clearedAt;
        next =
          now - clearedAt >= policy.keepFiringForMs
            ? { ...next, state: 'resolved', resolvedAt: now, clearedAt: 0 }
            : { ...next, clearedAt };
        break;
      }
      default:
        // inactive and resolved stay as they are; the reason of the last activity is kept.
        next = { ...next, reason: prev.reason };
    }
  }
  const transition = next.state !== prev.state ? { from: prev.state, to: next.state, at: now } : null;
  const changed =
    transition !== null ||
    next.reason !== prev.reason ||
    next.activeAt !== prev.activeAt ||
    next.clearedAt !== prev.clearedAt;
  return { next, transition, changed };
}

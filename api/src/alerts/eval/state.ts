import type { Handling } from '../rules/model.ts';
import type { Condition, RuleKind } from '../rules/schema.ts';
import type { NoticeReason } from '../notice.ts';

/**
 * The state of one alert instance (a rule and one set of labels), as the
 * state machine (transition.ts) moves it and the store (store.ts) persists it.
 * Times are epoch milliseconds; 0 means "not set".
 */
export type InstanceStateName = 'inactive' | 'pending' | 'firing' | 'resolved';

export interface InstanceState {
  readonly ruleId: string;
  readonly ruleHash: string;
  readonly instanceId: string;
  readonly group: string;
  readonly alert: string;
  readonly kind: RuleKind;
  readonly labels: Readonly<Record<string, string>>;
  readonly state: InstanceStateName;
  readonly reason: NoticeReason;
  /** The last value compared; null for no data and errors. */
  readonly value: number | null;
  readonly error: string | null;
  /** When the condition started holding (pending, or firing with for: 0). */
  readonly activeAt: number;
  readonly firedAt: number;
  readonly resolvedAt: number;
  /** While firing: when the condition stopped holding (keep_firing_for counts from here). */
  readonly clearedAt: number;
}

/** What one evaluation found for an instance. */
export type Observation =
  | { readonly kind: 'value'; readonly value: number }
  | { readonly kind: 'no_data' }
  | { readonly kind: 'error'; readonly message: string };

/** The parts of a rule the state machine needs. Absence rules: `value >= for` with no pending time. */
export interface StatePolicy {
  readonly condition: Condition;
  readonly recovery: number | null;
  /** Pending time before firing. */
  readonly forMs: number;
  readonly keepFiringForMs: number;
  readonly noData: Handling;
  readonly onError: Handling;
}

export interface Transition {
  readonly from: InstanceStateName;
  readonly to: InstanceStateName;
  readonly at: number;
}

export interface StepResult {
  readonly next: InstanceState;
  /** Set when the state name changed: a history row. */
  readonly transition: Transition | null;
  /** Whether the persisted fields changed (state, reason, activeAt, clearedAt...): a state row. */
  readonly changed: boolean;
}

/** How long a resolved instance is still published (and kept in memory and on restart). */
export const RESOLVED_RETENTION_MS = 15 * 60_000;

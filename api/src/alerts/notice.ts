import type { RuleKind } from './rules/schema.ts';

/**
 * What the evaluator hands the notifier after every evaluation of a group, as
 * Prometheus hands alerts to Alertmanager: every instance that is firing now,
 * and every instance that resolved recently (the evaluator repeats a resolved
 * instance for a while, so a notifier that missed one evaluation still sees it).
 * Pending and inactive instances are not notified.
 *
 * The notifier owns grouping, silences, repeat intervals, deduplication and
 * delivery; it must be idempotent: the same notice published twice (two
 * evaluations, or a restart) sends nothing new.
 */
export type NoticeState = 'firing' | 'resolved';

/** Why the instance is firing: its condition, no data (no_data: alert), or an evaluation error (on_error: alert). */
export type NoticeReason = 'threshold' | 'no_data' | 'error';

export interface AlertNotice {
  readonly ruleId: string;
  readonly ruleHash: string;
  readonly group: string;
  readonly alert: string;
  readonly kind: RuleKind;
  /** Stable identity of the instance: a hash of ruleId and its labels. */
  readonly instanceId: string;
  /** alertname, the group's and rule's labels, and the group_by labels of this instance. */
  readonly labels: Readonly<Record<string, string>>;
  /** Rendered from the rule's templates with this instance's value and labels. */
  readonly annotations: {
    readonly summary: string;
    readonly description: string;
    readonly runbookUrl: string | null;
  };
  readonly state: NoticeState;
  readonly reason: NoticeReason;
  /** The value that made it fire (or the last value), null for no data and errors. */
  readonly value: number | null;
  /** The condition's threshold, null for absence rules. */
  readonly threshold: number | null;
  /** e.g. '>' from the rule's condition, null for absence rules. */
  readonly op: string | null;
  readonly error: string | null;
  /** Epoch ms: when the instance became pending (firing with for: 0). */
  readonly activeAt: number;
  /** Epoch ms: when it started firing. */
  readonly firedAt: number;
  /** Epoch ms, set when state is resolved. */
  readonly resolvedAt: number | null;
  /** From the labels (service) and the rule's query (environment), when known. */
  readonly service: string | null;
  readonly environment: string | null;
  /** The rule's own receivers, in addition to the routing file's. */
  readonly routing: { readonly slack: readonly string[]; readonly email: readonly string[] };
  /** Deploys of the service at most this long before activeAt are linked; 0: none. */
  readonly deployWindowMs: number;
  /** The rule's window in ms (log and metric rules), for the chart and logs links; null for absence. */
  readonly windowMs: number | null;
  /** The log query of a log rule (for the logs link), null otherwise. */
  readonly logQuery: string | null;
  /** The metric of a metric or absence rule (for the chart link), null otherwise. */
  readonly metric: string | null;
}

/** Implemented by the notifier; called by the evaluator after it has persisted the group's state. */
export interface AlertPublisher {
  publish(group: string, notices: readonly AlertNotice[], evaluatedAt: number): Promise<void>;
}

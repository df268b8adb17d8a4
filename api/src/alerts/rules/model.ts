import type { Aggregation, Matcher } from '../../metrics/schemas.ts';
import type { Condition, RuleKind } from './schema.ts';

/**
 * Rules as the loader hands them to the rest of the hub: validated, defaults
 * filled in, durations in milliseconds, group settings folded into each rule.
 * This is what the evaluator (next part) will run.
 */

export type Handling = 'alert' | 'keep' | 'ok';
export type Reducer = 'avg' | 'max' | 'min' | 'last' | 'sum';

/** Where a rule is written, for messages and links; not part of its identity or hash. */
export interface RuleSource {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** A group_by entry and the label its value gets on the alert (service.name → service). */
export interface GroupByLabel {
  readonly field: string;
  readonly label: string;
}

export interface AlertRuleBase {
  /** Stable identity: a hash of group and alert name; the same rule keeps it across edits. */
  readonly id: string;
  /** Hash of everything the rule says (not where it is written): changes when the rule changes. */
  readonly hash: string;
  readonly kind: RuleKind;
  readonly group: string;
  readonly alert: string;
  readonly intervalMs: number;
  /** log, metric: pending time; absence: how long without data. */
  readonly forMs: number;
  readonly keepFiringForMs: number;
  readonly onError: Handling;
  /** Group labels overlaid by the rule's labels. */
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: {
    readonly summary: string | null;
    readonly description: string | null;
    readonly runbookUrl: string | null;
  };
  readonly routing: { readonly slack: readonly string[]; readonly email: readonly string[] };
  readonly deployWindowMs: number;
  readonly source: RuleSource;
}

export interface ThresholdFields {
  readonly windowMs: number;
  readonly groupBy: readonly GroupByLabel[];
  readonly condition: Condition;
  readonly recovery: number | null;
  readonly noData: Handling;
}

export interface LogAlertRule extends AlertRuleBase, ThresholdFields {
  readonly kind: 'log';
  readonly query: string;
  readonly ratioOf: string | null;
}

export interface MetricQuerySpec {
  readonly metric: string;
  readonly service: string | null;
  readonly environment: string | null;
  readonly matchers: readonly Matcher[];
  readonly aggregation: Aggregation | null;
}

export interface MetricAlertRule extends AlertRuleBase, ThresholdFields {
  readonly kind: 'metric';
  readonly query: MetricQuerySpec;
  readonly ratioOf: MetricQuerySpec | null;
  readonly reduce: Reducer;
}

export interface AbsenceAlertRule extends AlertRuleBase {
  readonly kind: 'absence';
  readonly service: string;
  readonly environment: string | null;
  readonly metric: string | null;
  readonly matchers: readonly Matcher[];
  readonly query: string | null;
}

export type AlertRule = LogAlertRule | MetricAlertRule | AbsenceAlertRule;

/** A group as loaded, with the rules in file order. */
export interface LoadedGroup {
  readonly name: string;
  readonly file: string;
  readonly intervalMs: number;
  readonly rules: readonly AlertRule[];
}

/** Every valid rule of a load: what the evaluator runs. */
export interface RuleSet {
  readonly files: readonly string[];
  readonly groups: readonly LoadedGroup[];
  readonly rules: readonly AlertRule[];
}

export const EMPTY_RULE_SET: RuleSet = Object.freeze({ files: [], groups: [], rules: [] });

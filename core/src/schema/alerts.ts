import type { ColumnSpec } from './columns.ts';
import type { TableSpec } from './tables.ts';

/**
 * Tables of alert evaluation (docs/alerting.md), created by migration 4:
 *
 * - alert_state: the current state of every alert instance (rule id + labels),
 *   one row per change; ReplacingMergeTree keeps the newest (updated_at_ms) per
 *   (rule_id, instance_id), and reads take argMax anyway since merges are
 *   eventual. A restart loads it and continues: a firing alert stays firing
 *   with the same activeAt, so nothing is notified again.
 * - alert_history: every state transition, for the timeline; partitioned by
 *   day so retention drops whole days (ALERT_HISTORY_DAYS).
 * - alert_rule_status: the outcome of each rule's last evaluation (ok, no
 *   data, error with its message, duration); newest evaluated_at_ms wins.
 *
 * Labels are parallel key/value arrays (no Map on ClickHouse 18.16); a null
 * value is has_value = 0 (no Nullable needed).
 */
export const ALERT_HISTORY_DAYS = 90;

export const ALERT_STATE_COLUMNS = [
  { name: 'rule_id', type: 'String' },
  { name: 'instance_id', type: 'String' },
  { name: 'rule_hash', type: 'String' },
  { name: 'group_name', type: 'String' },
  { name: 'alert', type: 'String' },
  { name: 'kind', type: 'String' },
  { name: 'label_keys', type: 'Array(String)' },
  { name: 'label_values', type: 'Array(String)' },
  { name: 'state', type: 'String' },
  { name: 'reason', type: 'String' },
  { name: 'value', type: 'Float64' },
  { name: 'has_value', type: 'UInt8' },
  { name: 'error', type: 'String' },
  { name: 'active_at_ms', type: 'UInt64' },
  { name: 'fired_at_ms', type: 'UInt64' },
  { name: 'resolved_at_ms', type: 'UInt64' },
  { name: 'cleared_at_ms', type: 'UInt64' },
  { name: 'updated_at_ms', type: 'UInt64' },
] as const satisfies readonly ColumnSpec[];

export const ALERT_HISTORY_COLUMNS = [
  { name: 'at', type: 'DateTime' },
  { name: 'at_ms', type: 'UInt64' },
  { name: 'rule_id', type: 'String' },
  { name: 'instance_id', type: 'String' },
  { name: 'group_name', type: 'String' },
  { name: 'alert', type: 'String' },
  { name: 'label_keys', type: 'Array(String)' },
  { name: 'label_values', type: 'Array(String)' },
  { name: 'from_state', type: 'String' },
  { name: 'to_state', type: 'String' },
  { name: 'reason', type: 'String' },
  { name: 'value', type: 'Float64' },
  { name: 'has_value', type: 'UInt8' },
  { name: 'error', type: 'String' },
] as const satisfies readonly ColumnSpec[];

export const ALERT_RULE_STATUS_COLUMNS = [
  { name: 'rule_id', type: 'String' },
  { name: 'group_name', type: 'String' },
  { name: 'alert', type: 'String' },
  { name: 'rule_hash', type: 'String' },
  { name: 'evaluated_at_ms', type: 'UInt64' },
  { name: 'duration_ms', type: 'Float64' },
  { name: 'outcome', type: 'String' },
  { name: 'error', type: 'String' },
  { name: 'instances', type: 'UInt32' },
] as const satisfies readonly ColumnSpec[];

export const ALERT_STATE_TABLE: TableSpec = {
  name: 'alert_state',
  columns: ALERT_STATE_COLUMNS,
  engine: { replacing: 'updated_at_ms' },
  partitionBy: 'tuple()',
  orderBy: '(rule_id, instance_id)',
  shardBy: 'cityHash64(rule_id)',
};

export const ALERT_HISTORY_TABLE: TableSpec = {
  name: 'alert_history',
  columns: ALERT_HISTORY_COLUMNS,
  engine: 'MergeTree',
  partitionBy: 'toDate(at)',
  orderBy: '(rule_id, at_ms)',
  ttl: { column: 'at', days: () => ALERT_HISTORY_DAYS },
  shardBy: 'cityHash64(rule_id)',
};

export const ALERT_RULE_STATUS_TABLE: TableSpec = {
  name: 'alert_rule_status',
  columns: ALERT_RULE_STATUS_COLUMNS,
  engine: { replacing: 'evaluated_at_ms' },
  partitionBy: 'tuple()',
  orderBy: 'rule_id',
  shardBy: 'cityHash64(rule_id)',
};

import type { ColumnSpec } from './columns.ts';
import type { TableSpec } from './tables.ts';

/**
 * Tables of alert notifications (docs/notifications.md): what was sent to whom
 * (the notification log, so a restart neither loses nor repeats a message),
 * silences, and every delivery attempt. All small; plain DDL that 18.16 runs.
 */

/**
 * One row per alert group and target (a Slack channel or an email address),
 * rewritten after each notification; ReplacingMergeTree keeps the latest, and
 * reads take argMax(…, updated_at_ms) since merges are eventual.
 */
export const NOTIFICATION_LOG_COLUMNS = [
  { name: 'group_key', type: 'String' },
  { name: 'target', type: 'String' },
  { name: 'receiver', type: 'String' },
  /** The episode: from the first firing notification until everything resolved. */
  { name: 'episode_id', type: 'String' },
  { name: 'episode_open', type: 'UInt8' },
  /** Instance ids notified as firing / resolved by the last notification. */
  { name: 'firing_ids', type: 'Array(String)' },
  { name: 'resolved_ids', type: 'Array(String)' },
  { name: 'sent_at_ms', type: 'UInt64' },
  /** The episode's first Slack message (chat.update and thread replies go to it). */
  { name: 'slack_channel', type: 'String' },
  { name: 'slack_ts', type: 'String' },
  /** The episode's first mail (In-Reply-To / References of later ones). */
  { name: 'email_message_id', type: 'String' },
  { name: 'updated_at_ms', type: 'UInt64' },
] as const satisfies readonly ColumnSpec[];

export const NOTIFICATION_LOG_TABLE: TableSpec = {
  name: 'alert_notification_log',
  columns: NOTIFICATION_LOG_COLUMNS,
  engine: { replacing: 'updated_at_ms' },
  partitionBy: 'tuple()',
  orderBy: '(group_key, target)',
  shardBy: 'cityHash64(group_key)',
};

/** Silences; expiring one writes its row again with an earlier ends_at_ms. */
export const SILENCE_COLUMNS = [
  { name: 'id', type: 'String' },
  { name: 'matcher_names', type: 'Array(String)' },
  { name: 'matcher_ops', type: 'Array(String)' },
  { name: 'matcher_values', type: 'Array(String)' },
  { name: 'reason', type: 'String' },
  { name: 'created_by', type: 'String' },
  /** The service of its `service="..."` matcher (team scoping), empty when it has none. */
  { name: 'service_name', type: 'String' },
  { name: 'environment', type: 'String' },
  { name: 'starts_at_ms', type: 'UInt64' },
  { name: 'ends_at_ms', type: 'UInt64' },
  { name: 'created_at_ms', type: 'UInt64' },
  { name: 'updated_at_ms', type: 'UInt64' },
] as const satisfies readonly ColumnSpec[];

export const SILENCES_TABLE: TableSpec = {
  name: 'alert_silences',
  columns: SILENCE_COLUMNS,
  engine: { replacing: 'updated_at_ms' },
  partitionBy: 'tuple()',
  orderBy: 'id',
  shardBy: 'cityHash64(id)',
};

/** Every delivery attempt, one row each (append only), partitioned by month. */
export const DELIVERY_COLUMNS = [
  { name: 'id', type: 'String' },
  { name: 'at', type: 'DateTime' },
  { name: 'at_ms', type: 'UInt64' },
  { name: 'group_key', type: 'String' },
  { name: 'receiver', type: 'String' },
  /** slack or email. */
  { name: 'channel', type: 'String' },
  /** The Slack channel or the email address. */
  { name: 'target', type: 'String' },
  /** firing or resolved. */
  { name: 'kind', type: 'String' },
  /** sent, retrying (failed, will be retried) or failed (failed for good). */
  { name: 'status', type: 'String' },
  { name: 'error', type: 'String' },
  { name: 'attempt', type: 'UInt32' },
  { name: 'alert_names', type: 'Array(String)' },
  { name: 'service_name', type: 'String' },
  { name: 'environment', type: 'String' },
] as const satisfies readonly ColumnSpec[];

export const DELIVERIES_TABLE: TableSpec = {
  name: 'alert_deliveries',
  columns: DELIVERY_COLUMNS,
  engine: 'MergeTree',
  partitionBy: 'toYYYYMM(at)',
  orderBy: '(at, id)',
  shardBy: 'cityHash64(group_key)',
};

export const NOTIFICATION_TABLES: readonly TableSpec[] = [
  NOTIFICATION_LOG_TABLE,
  SILENCES_TABLE,
  DELIVERIES_TABLE,
];

import type { ColumnSpec } from './columns.ts';
import type { TableSpec } from './tables.ts';

/**
 * Tables of deploy verdict threads (docs/notifications.md#deploy-verdict-threads):
 * where each deploy's verification verdict was posted, per target, so a
 * repeated verification and later alerts about the deploy reply in that
 * thread, across restarts. Small; plain DDL that 18.16 runs.
 */

/**
 * One row per deploy and target (a Slack channel or an email address),
 * rewritten when a later verdict of the deploy is posted; ReplacingMergeTree
 * keeps the latest, and reads take argMax(…, updated_at_ms) since merges are
 * eventual. The thread's parent (Slack ts, mail Message-ID) never changes.
 */
export const VERDICT_THREAD_COLUMNS = [
  /** The deploy id, or `version:<service>/<environment>/<version>` for a verification without a deploy. */
  { name: 'deploy_key', type: 'String' },
  /** `slack:<channel>` or `email:<address>`. */
  { name: 'target', type: 'String' },
  { name: 'receiver', type: 'String' },
  { name: 'service_name', type: 'String' },
  { name: 'environment', type: 'String' },
  { name: 'version', type: 'String' },
  /** The parent message: Slack channel id and ts, or the first mail's Message-ID. */
  { name: 'slack_channel', type: 'String' },
  { name: 'slack_ts', type: 'String' },
  { name: 'email_message_id', type: 'String' },
  /** The subject of the first mail (replies are "Re: " it). */
  { name: 'email_subject', type: 'String' },
  /** The verification last posted to this target (the same one is not posted twice). */
  { name: 'verification_id', type: 'String' },
  { name: 'created_at_ms', type: 'UInt64' },
  { name: 'updated_at_ms', type: 'UInt64' },
] as const satisfies readonly ColumnSpec[];

export const VERDICT_THREADS_TABLE: TableSpec = {
  name: 'deploy_verdict_threads',
  columns: VERDICT_THREAD_COLUMNS,
  engine: { replacing: 'updated_at_ms' },
  partitionBy: 'tuple()',
  orderBy: '(deploy_key, target)',
  shardBy: 'cityHash64(deploy_key)',
};

/**
 * Alert episodes already told in a deploy's verdict thread, per target: one
 * reply per alert episode (instance id and firing start), never per repeat.
 */
export const VERDICT_THREAD_REPLY_COLUMNS = [
  { name: 'deploy_key', type: 'String' },
  { name: 'target', type: 'String' },
  /** `<instance id>@<firedAt ms>`: one firing episode of one alert instance. */
  { name: 'episode_key', type: 'String' },
  { name: 'alert_name', type: 'String' },
  { name: 'replied_at_ms', type: 'UInt64' },
] as const satisfies readonly ColumnSpec[];

export const VERDICT_THREAD_REPLIES_TABLE: TableSpec = {
  name: 'deploy_verdict_thread_replies',
  columns: VERDICT_THREAD_REPLY_COLUMNS,
  engine: { replacing: 'replied_at_ms' },
  partitionBy: 'tuple()',
  orderBy: '(deploy_key, target, episode_key)',
  shardBy: 'cityHash64(deploy_key)',
};

export const VERDICT_THREAD_TABLES: readonly TableSpec[] = [
  VERDICT_THREADS_TABLE,
  VERDICT_THREAD_REPLIES_TABLE,
];

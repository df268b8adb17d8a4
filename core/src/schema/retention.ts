import type { Db } from '../clickhouse/client.ts';
import { ident, qualified, sql, trusted } from '../sql/escape.ts';
import {
  LOGS_TABLE,
  METRIC_SAMPLES_TABLE,
  METRIC_SERIES_TABLE,
  storageTableName,
  type TableSpec,
} from './tables.ts';
import { schemaContextFor } from './migrations.ts';
import { METRIC_ROLLUP_1H_TABLE, METRIC_ROLLUP_1M_TABLE } from './rollups.ts';
import { METRIC_INCREASE_1H_TABLE, METRIC_INCREASE_1M_TABLE } from './increases.ts';
import { ALERT_HISTORY_DAYS, ALERT_HISTORY_TABLE } from './alerts.ts';
import { LOG_RESOURCES_TABLE } from './log-resources.ts';

/**
 * Retention by dropping whole partitions: ClickHouse 18.16 has no TTL, and a
 * partition drop is a metadata operation on every version. Partitions are by day
 * (logs, samples) or by month (series); a partition is dropped once its newest
 * possible row is older than the retention.
 */
export interface RetentionPolicy {
  logsDays: number;
  metricsDays: number;
}

export interface DroppedPartition {
  table: string;
  partition: string;
}

const RULES: ReadonlyArray<{
  spec: TableSpec;
  days: (p: RetentionPolicy) => number;
  granularity: 'day' | 'month';
}> = [
  { spec: LOGS_TABLE, days: (p) => p.logsDays, granularity: 'day' },
  // A resource row is refreshed hourly while its logs arrive: a day more than the
  // logs covers the last hour of a month, whose logs fall in the next day's partition.
  { spec: LOG_RESOURCES_TABLE, days: (p) => p.logsDays + 1, granularity: 'month' },
  { spec: METRIC_SAMPLES_TABLE, days: (p) => p.metricsDays, granularity: 'day' },
  { spec: METRIC_SERIES_TABLE, days: (p) => p.metricsDays, granularity: 'month' },
  // Rollups keep the samples' retention: a query falls back to raw samples only inside it.
  { spec: METRIC_ROLLUP_1M_TABLE, days: (p) => p.metricsDays, granularity: 'day' },
  { spec: METRIC_ROLLUP_1H_TABLE, days: (p) => p.metricsDays, granularity: 'month' },
  // Metric increases (docs/schema.md): the samples' retention, as the rollups.
  { spec: METRIC_INCREASE_1M_TABLE, days: (p) => p.metricsDays, granularity: 'day' },
  { spec: METRIC_INCREASE_1H_TABLE, days: (p) => p.metricsDays, granularity: 'month' },
  // Alert transitions: a fixed 90 days (docs/alerting.md), whatever the telemetry retention.
  { spec: ALERT_HISTORY_TABLE, days: () => ALERT_HISTORY_DAYS, granularity: 'day' },
];

/** The last UTC day covered by a partition value ('2026-11-20' or '202611'), or undefined. */
export function partitionEnd(partition: string, granularity: 'day' | 'month'): Date | undefined {
  const text = partition.replace(/^'|'$/g, '');
  if (granularity === 'day') {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
    return m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  }
  const m = /^(\d{4})(\d{2})$/.exec(text);
  // The month's last day: day 0 of the next month.
  return m ? new Date(Date.UTC(Number(m[1]), Number(m[2]), 0)) : undefined;
}

export async function enforceRetention(
  db: Db,
  policy: RetentionPolicy,
  now = new Date(),
): Promise<DroppedPartition[]> {
  const ctx = schemaContextFor(db, policy);
  const dropped: DroppedPartition[] = [];
  const onCluster = db.cluster ? sql` ON CLUSTER ${ident(db.cluster)}` : trusted('');
  for (const rule of RULES) {
    const table = storageTableName(rule.spec, ctx);
    const parts = await db.query<{ partition: string; partition_id: string }>(
      sql`SELECT DISTINCT partition, partition_id FROM system.parts WHERE database = ${db.database} AND table = ${table} AND active`,
    );
    const cutoffDay =
      Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - rule.days(policy) * 86_400_000;
    for (const part of parts) {
      const end = partitionEnd(part.partition, rule.granularity);
      if (end && end.getTime() < cutoffDay) {
        await db.command(
          sql`ALTER TABLE ${qualified(db.database, table)}${onCluster} DROP PARTITION ID ${part.partition_id}`,
        );
        dropped.push({ table, partition: part.partition });
      }
    }
  }
  return dropped;
}

/** Runs enforceRetention now and then every intervalMs; returns a stop function. */
export function scheduleRetention(
  db: Db,
  policy: RetentionPolicy,
  intervalMs: number,
  onError: (err: unknown) => void,
): () => void {
  let stopped = false;
  const run = (): void => {
    if (stopped) return;
    enforceRetention(db, policy).catch(onError);
  };
  run();
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

import { sql, trusted, type SqlFragment } from '../sql/escape.ts';
import { LOG_RESOURCE_COLUMNS, LOG_RESOURCE_FINGERPRINT_COLUMN } from './columns.ts';
import {
  LOGS_TABLE,
  createTableStatements,
  storageTableName,
  type SchemaContext,
  type TableSpec,
} from './tables.ts';

/**
 * log_resources: the attributes of each log resource (a service instance with
 * its host, process, Kubernetes and cloud attributes), stored once per
 * fingerprint instead of in every log row (docs/schema.md#log-resources). The
 * collector writes a resource's row when it first sees it and refreshes it
 * hourly (last_seen); ReplacingMergeTree keeps one row per refresh partition,
 * and readers take argMax(…, last_seen) per fingerprint. Partitioned by month
 * of last_seen, so retention drops a month once every log that can point to
 * it is gone.
 */
export const LOG_RESOURCES_TABLE: TableSpec = {
  name: 'log_resources',
  columns: LOG_RESOURCE_COLUMNS,
  engine: { replacing: 'last_seen' },
  partitionBy: 'toYYYYMM(last_seen)',
  orderBy: '(fingerprint)',
  ttl: { column: 'last_seen', days: (ctx) => ctx.logsRetentionDays },
  shardBy: 'fingerprint',
};

/** A statement skipped when `skipWhen` (a query) returns a non-zero first value: for DDL without IF NOT EXISTS. */
export interface GuardedStatement {
  readonly statement: SqlFragment;
  readonly skipWhen: SqlFragment;
}

/**
 * Migration 9: the log_resources table, the logs.resource_fingerprint column
 * (for rows already stored, computed from their resource arrays), and a copy of
 * every stored resource into log_resources under that fingerprint.
 */
export function logResourceMigrationSteps(ctx: SchemaContext): Array<SqlFragment | GuardedStatement> {
  const onCluster = ctx.cluster ? ` ON CLUSTER \`${ctx.cluster}\`` : '';
  const col = LOG_RESOURCE_FINGERPRINT_COLUMN;
  // 18.16 has no ADD COLUMN IF NOT EXISTS: look the column up first. In the
  // cluster variant the local table is altered before the Distributed one.
  const tables = ctx.cluster ? [storageTableName(LOGS_TABLE, ctx), LOGS_TABLE.name] : [LOGS_TABLE.name];
  const addColumn = tables.map((table) => ({
    statement: trusted(
      `ALTER TABLE \`${ctx.database}\`.\`${table}\`${onCluster} ADD COLUMN \`${col.name}\` ${col.type} DEFAULT ${col.defaultExpression}`,
    ),
    skipWhen: sql`SELECT count() FROM system.columns WHERE database = ${ctx.database} AND table = ${table} AND name = ${col.name}`,
  }));
  const columns = LOG_RESOURCE_COLUMNS.map((c) => c.name).join(', ');
  const backfill = trusted(
    `INSERT INTO \`${ctx.database}\`.\`${LOG_RESOURCES_TABLE.name}\` (${columns})\n` +
      `SELECT ${col.defaultExpression}, any(service_name), any(environment), resource_keys, resource_values, min(timestamp), max(timestamp)\n` +
      `FROM \`${ctx.database}\`.\`${LOGS_TABLE.name}\` WHERE notEmpty(resource_keys) GROUP BY resource_keys, resource_values`,
  );
  return [...createTableStatements(LOG_RESOURCES_TABLE, ctx), ...addColumn, backfill];
}

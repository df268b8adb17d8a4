import { sql, trusted, type SqlFragment } from '../sql/escape.ts';
import { LOG_RESOURCE_COLUMNS, LOG_RESOURCE_FINGERPRINT_COLUMN } from './columns.ts';
import type { MigrationStep, PerValueStatement } from './migration-steps.ts';
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

/**
 * Migration 9: the log_resources table, the logs.resource_fingerprint column
 * (for rows already stored, computed from their resource arrays), and a copy of
 * every stored resource into log_resources under that fingerprint.
 */
export function logResourceMigrationSteps(ctx: SchemaContext): MigrationStep[] {
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
  // The copy goes a day partition at a time (a resource seen on several days gets
  // a row per day; readers take the newest). In the cluster variant the days are
  // those of the node that runs the migration.
  const backfill: PerValueStatement = {
    values: sql`SELECT DISTINCT partition FROM system.parts
                WHERE database = ${ctx.database} AND table = ${storageTableName(LOGS_TABLE, ctx)} AND active
                ORDER BY partition`,
    // A day partition's value is its date, quoted ('2026-11-20').
    statement: (partition) =>
      copyLogResourcesStatement(
        ctx.database,
        sql`toDate(timestamp) = toDate(${partition.replace(/^'|'$/g, '')})`,
      ),
  };
  return [...createTableStatements(LOG_RESOURCES_TABLE, ctx), ...addColumn, backfill];
}

/**
 * Copies the resources of the logs rows matching `where` that still carry
 * their resource arrays (the layout before migration 9) into log_resources,
 * under the fingerprint their DEFAULT gives them: migration 9 for stored rows,
 * and the collector for rows replayed from an old WAL file.
 */
export function copyLogResourcesStatement(database: string, where: SqlFragment): SqlFragment {
  const columns = LOG_RESOURCE_COLUMNS.map((c) => c.name).join(', ');
  return sql`INSERT INTO ${trusted(`\`${database}\`.\`${LOG_RESOURCES_TABLE.name}\` (${columns})`)}
    SELECT ${trusted(LOG_RESOURCE_FINGERPRINT_COLUMN.defaultExpression)}, any(service_name), any(environment),
           resource_keys, resource_values, min(timestamp), max(timestamp)
    FROM ${trusted(`\`${database}\`.\`${LOGS_TABLE.name}\``)}
    WHERE ${where} AND notEmpty(resource_keys)
    GROUP BY resource_keys, resource_values`;
}

import { CoreErrors } from '../errors.ts';
import type { Db } from '../clickhouse/client.ts';
import { ident, qualified, sql, trusted } from '../sql/escape.ts';
import {
  DEPLOYS_TABLE,
  LOGS_TABLE,
  METRIC_SAMPLES_TABLE,
  METRIC_SERIES_TABLE,
  SERVICE_VERSIONS_TABLE,
  createTableStatements,
  type SchemaContext,
} from './tables.ts';
import {
  METRIC_ROLLUP_1H_TABLE,
  METRIC_ROLLUP_1M_TABLE,
  METRIC_ROLLUP_COVERAGE_TABLE,
  ROLLUP_VIEWS,
  createMaterializedViewStatements,
  recordCoverageStatement,
} from './rollups.ts';
import { ALERT_HISTORY_TABLE, ALERT_RULE_STATUS_TABLE, ALERT_STATE_TABLE } from './alerts.ts';
import { VERIFICATIONS_TABLE } from './verifications.ts';
import { NOTIFICATION_TABLES } from './notifications.ts';
import { INCREASE_TABLES, narrowRollupViewStatements } from './increases.ts';
import { VERDICT_THREAD_TABLES } from './verdict-threads.ts';
import { logResourceMigrationSteps } from './log-resources.ts';
import { runStep, type MigrationStep } from './migration-steps.ts';

/**
 * Versioned migrations. Each is idempotent (IF NOT EXISTS), is recorded in
 * schema_migrations when applied, and renders its DDL for the connected server.
 * Append new migrations; never edit an applied one.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  statements(ctx: SchemaContext): MigrationStep[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'logs and metrics tables',
    statements: (ctx) => [
      ...createTableStatements(LOGS_TABLE, ctx),
      ...createTableStatements(METRIC_SERIES_TABLE, ctx),
      ...createTableStatements(METRIC_SAMPLES_TABLE, ctx),
    ],
  },
  {
    version: 2,
    name: 'deploys and service versions',
    statements: (ctx) => [
      ...createTableStatements(DEPLOYS_TABLE, ctx),
      ...createTableStatements(SERVICE_VERSIONS_TABLE, ctx),
    ],
  },
  {
    version: 3,
    name: 'metric rollups (1 minute, 1 hour)',
    statements: (ctx) => [
      ...createTableStatements(METRIC_ROLLUP_1M_TABLE, ctx),
      ...createTableStatements(METRIC_ROLLUP_1H_TABLE, ctx),
      ...createTableStatements(METRIC_ROLLUP_COVERAGE_TABLE, ctx),
      ...ROLLUP_VIEWS.flatMap((view) => createMaterializedViewStatements(view, ctx)),
      ...ROLLUP_VIEWS.map((view) => recordCoverageStatement(view, ctx)),
    ],
  },
  {
    version: 4,
    name: 'alert state, history and rule evaluation status',
    statements: (ctx) => [
      ...createTableStatements(ALERT_STATE_TABLE, ctx),
      ...createTableStatements(ALERT_HISTORY_TABLE, ctx),
      ...createTableStatements(ALERT_RULE_STATUS_TABLE, ctx),
    ],
  },
  {
    version: 5,
    name: 'alert notifications: notification log, silences, deliveries',
    statements: (ctx) => NOTIFICATION_TABLES.flatMap((spec) => createTableStatements(spec, ctx)),
  },
  {
    version: 6,
    name: 'post-deploy verifications',
    statements: (ctx) => createTableStatements(VERIFICATIONS_TABLE, ctx),
  },
  {
    version: 7,
    name: 'metric increases (1 minute, 1 hour) and rollup views without explicit histograms',
    statements: (ctx) => [
      ...INCREASE_TABLES.flatMap((spec) => createTableStatements(spec, ctx)),
      ...narrowRollupViewStatements(ctx),
    ],
  },
  {
    version: 8,
    name: 'deploy verdict threads (Slack ts, mail Message-ID per deploy) and their alert replies',
    statements: (ctx) => VERDICT_THREAD_TABLES.flatMap((spec) => createTableStatements(spec, ctx)),
  },
  {
    version: 9,
    name: 'log resources stored once per fingerprint (log_resources, logs.resource_fingerprint)',
    statements: logResourceMigrationSteps,
  },
];

export function schemaContextFor(
  db: Db,
  retention: { logsDays: number; metricsDays: number },
): SchemaContext {
  return {
    database: db.database,
    capabilities: db.capabilities,
    cluster: db.cluster,
    logsRetentionDays: retention.logsDays,
    metricsRetentionDays: retention.metricsDays,
  };
}

export interface MigrationResult {
  applied: number[];
  alreadyApplied: number[];
}

/** Applies every migration not yet recorded, in order. Safe to run concurrently and repeatedly. */
export async function migrate(
  db: Db,
  retention: { logsDays: number; metricsDays: number },
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<MigrationResult> {
  const ctx = schemaContextFor(db, retention);
  const onCluster = db.cluster ? sql` ON CLUSTER ${ident(db.cluster)}` : trusted('');
  const table = qualified(db.database, 'schema_migrations');
  await db.command(
    sql`CREATE TABLE IF NOT EXISTS ${table}${onCluster} (version UInt32, name String, applied_at DateTime) ENGINE = MergeTree() ORDER BY version`,
  );
  const rows = await db.query<{ version: number }>(sql`SELECT DISTINCT version FROM ${table}`);
  const done = new Set(rows.map((r) => Number(r.version)));
  const result: MigrationResult = { applied: [], alreadyApplied: [] };
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(m.version)) {
      result.alreadyApplied.push(m.version);
      continue;
    }
    for (const step of m.statements(ctx)) {
      try {
        await runStep(db, step);
      } catch (err) {
        throw new CoreErrors.MIGRATION_FAILED(`${m.version} (${m.name})`, (err as Error).message);
      }
    }
    await db.command(
      sql`INSERT INTO ${table} (version, name, applied_at) VALUES (${m.version}, ${m.name}, now())`,
    );
    result.applied.push(m.version);
  }
  return result;
}

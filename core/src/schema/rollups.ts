import { trusted, type SqlFragment } from '../sql/escape.ts';
import { METRIC_ROLLUP_COLUMNS, METRIC_ROLLUP_STATES } from './columns.ts';
import { METRIC_SAMPLES_TABLE, storageTableName, type SchemaContext, type TableSpec } from './tables.ts';

/**
 * metric_rollup_1m / metric_rollup_1h: partial aggregation states per (metric,
 * series, minute or hour), written by materialized views on every insert into
 * metric_samples, so a week-long query reads one row per series and hour instead
 * of 360 samples (docs/schema.md#metric_rollup_1m-metric_rollup_1h-rollups). Same sort key as the samples.
 */
export const METRIC_ROLLUP_1M_TABLE: TableSpec = {
  name: 'metric_rollup_1m',
  columns: METRIC_ROLLUP_COLUMNS,
  engine: 'AggregatingMergeTree',
  partitionBy: 'toDate(bucket)',
  orderBy: '(metric_name, fingerprint, bucket)',
  ttl: { column: 'bucket', days: (ctx) => ctx.metricsRetentionDays },
  shardBy: 'fingerprint',
};

export const METRIC_ROLLUP_1H_TABLE: TableSpec = {
  name: 'metric_rollup_1h',
  columns: METRIC_ROLLUP_COLUMNS,
  engine: 'AggregatingMergeTree',
  partitionBy: 'toYYYYMM(bucket)',
  orderBy: '(metric_name, fingerprint, bucket)',
  ttl: { column: 'bucket', days: (ctx) => ctx.metricsRetentionDays },
  shardBy: 'fingerprint',
};

/** A materialized view that aggregates every insert into one table into another (TO). */
export interface MaterializedViewSpec {
  readonly name: string;
  readonly source: TableSpec;
  readonly target: TableSpec;
  /** SELECT … FROM {source}: `{source}` becomes the (local) source table. Trusted text. */
  readonly select: string;
}

const NOT_FLAGGED = 'WHERE bitAnd(flags, 1) = 0';

function rollupSelect(bucketExpression: string): string {
  const states = Object.entries(METRIC_ROLLUP_STATES).map(([column, state]) => `${state} AS ${column}`);
  return [
    `SELECT metric_name, fingerprint, ${bucketExpression} AS bucket,`,
    `  ${states.join(',\n  ')}`,
    'FROM {source}',
    NOT_FLAGGED,
    'GROUP BY metric_name, fingerprint, bucket',
  ].join('\n');
}

export const METRIC_ROLLUP_1M_VIEW: MaterializedViewSpec = {
  name: 'metric_rollup_1m_mv',
  source: METRIC_SAMPLES_TABLE,
  target: METRIC_ROLLUP_1M_TABLE,
  select: rollupSelect('toStartOfMinute(timestamp)'),
};

export const METRIC_ROLLUP_1H_VIEW: MaterializedViewSpec = {
  name: 'metric_rollup_1h_mv',
  source: METRIC_SAMPLES_TABLE,
  target: METRIC_ROLLUP_1H_TABLE,
  select: rollupSelect('toStartOfHour(timestamp)'),
};

export const ROLLUP_VIEWS: readonly MaterializedViewSpec[] = [METRIC_ROLLUP_1M_VIEW, METRIC_ROLLUP_1H_VIEW];

/**
 * CREATE MATERIALIZED VIEW … TO: in a cluster the view sits on each shard's
 * local samples table and writes that shard's local rollup table (both are
 * sharded by fingerprint, so a series' samples and rollup rows share a shard).
 */
export function createMaterializedViewStatements(
  spec: MaterializedViewSpec,
  ctx: SchemaContext,
): SqlFragment[] {
  const onCluster = ctx.cluster ? ` ON CLUSTER \`${ctx.cluster}\`` : '';
  const source = `\`${ctx.database}\`.\`${storageTableName(spec.source, ctx)}\``;
  const target = `\`${ctx.database}\`.\`${storageTableName(spec.target, ctx)}\``;
  return [
    trusted(
      `CREATE MATERIALIZED VIEW IF NOT EXISTS \`${ctx.database}\`.\`${spec.name}\`${onCluster} TO ${target}\n` +
        `AS ${spec.select.replace('{source}', source)}`,
    ),
  ];
}

/**
 * metric_rollup_coverage: one row per rollup view and migration run, written
 * right after the view was created: when, and how many samples were already
 * stored then. Those samples never went through the view, so when there were
 * any, the query planner reads raw samples for ranges that start before the
 * view existed (no backfill: two processes migrating at once would count the
 * same samples twice into the rollup's sums).
 */
export const METRIC_ROLLUP_COVERAGE_TABLE: TableSpec = {
  name: 'metric_rollup_coverage',
  columns: [
    { name: 'view', type: 'String' },
    { name: 'created', type: 'DateTime' },
    { name: 'samples_before', type: 'UInt64' },
  ],
  engine: 'MergeTree',
  partitionBy: 'tuple()',
  orderBy: '(view, created)',
  shardBy: 'rand()',
};

/** Records when a rollup view started and whether samples predate it. */
export function recordCoverageStatement(spec: MaterializedViewSpec, ctx: SchemaContext): SqlFragment {
  const coverage = `\`${ctx.database}\`.\`${METRIC_ROLLUP_COVERAGE_TABLE.name}\``;
  const samples = `\`${ctx.database}\`.\`${spec.source.name}\``;
  return trusted(
    `INSERT INTO ${coverage} (view, created, samples_before) SELECT '${spec.name}', now(), (SELECT count() FROM ${samples})`,
  );
}

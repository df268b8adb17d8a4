import { trusted, type SqlFragment } from '../sql/escape.ts';
import type { ColumnSpec } from './columns.ts';
import { METRIC_ROLLUP_STATES } from './columns.ts';
import { ROLLUP_VIEWS, createMaterializedViewStatements, type MaterializedViewSpec } from './rollups.ts';
import type { SchemaContext, TableSpec } from './tables.ts';

/**
 * metric_increase_1m / metric_increase_1h: reset-aware increases of counters
 * (monotonic sums) and explicit-bucket histograms per (metric, series, bucket),
 * written by the API's increase job from raw samples (docs/schema.md,
 * docs/metrics.md#increases), so that a rate or a histogram quantile over a
 * week is a plain sum of rows. The job recomputes recent buckets on every run:
 * ReplacingMergeTree(version) keeps the latest computation of a row, and
 * readers use FINAL, so a bucket computed twice (two runs, two API replicas)
 * is never counted twice.
 */
export const METRIC_INCREASE_COLUMNS = [
  { name: 'metric_name', type: 'String', lowCardinality: true },
  { name: 'fingerprint', type: 'UInt64' },
  { name: 'bucket', type: 'DateTime' },
  // cityHash64(bounds): a series whose bucket bounds change inside a bucket gets one row per layout.
  { name: 'layout', type: 'UInt64' },
  // Samples in the bucket (flags & 1 excluded), and those whose increase is known (not a bare baseline).
  { name: 'samples', type: 'UInt32' },
  { name: 'known', type: 'UInt32' },
  // Counter increase, or a histogram's count increase.
  { name: 'inc', type: 'Float64' },
  // Histogram sum increase (0 for counters).
  { name: 'inc_sum', type: 'Float64' },
  // Histogram bucket bounds and per-bucket count increases (empty for counters).
  { name: 'bounds', type: 'Array(Float64)' },
  { name: 'inc_buckets', type: 'Array(Float64)' },
  // When the row was computed (epoch ms): the latest computation wins.
  { name: 'version', type: 'UInt64' },
] as const satisfies readonly ColumnSpec[];

export const METRIC_INCREASE_1M_TABLE: TableSpec = {
  name: 'metric_increase_1m',
  columns: METRIC_INCREASE_COLUMNS,
  engine: { replacing: 'version' },
  partitionBy: 'toDate(bucket)',
  orderBy: '(metric_name, fingerprint, bucket, layout)',
  ttl: { column: 'bucket', days: (ctx) => ctx.metricsRetentionDays },
  shardBy: 'fingerprint',
  // A query reads a run of rows per series (the last hour's minutes, a day's): with 8192-row
  // marks it would read a whole mark per series, bucket arrays included.
  indexGranularity: 128,
};

export const METRIC_INCREASE_1H_TABLE: TableSpec = {
  name: 'metric_increase_1h',
  columns: METRIC_INCREASE_COLUMNS,
  engine: { replacing: 'version' },
  partitionBy: 'toYYYYMM(bucket)',
  orderBy: '(metric_name, fingerprint, bucket, layout)',
  ttl: { column: 'bucket', days: (ctx) => ctx.metricsRetentionDays },
  shardBy: 'fingerprint',
  // A query reads a run of rows per series (the last hour's minutes, a day's): with 8192-row
  // marks it would read a whole mark per series, bucket arrays included.
  indexGranularity: 1024,
};

/**
 * metric_increase_watermark: how far the increase job got. Every bucket
 * before `watermark` has been computed at least once; readers take
 * max(watermark) (rows only move forward; several API replicas may write).
 */
export const METRIC_INCREASE_WATERMARK_TABLE: TableSpec = {
  name: 'metric_increase_watermark',
  columns: [
    { name: 'job', type: 'String' },
    { name: 'watermark', type: 'DateTime' },
    { name: 'updated_at', type: 'DateTime' },
  ],
  engine: { replacing: 'watermark' },
  partitionBy: 'tuple()',
  orderBy: 'job',
  shardBy: 'rand()',
};

export const INCREASE_TABLES: readonly TableSpec[] = [
  METRIC_INCREASE_1M_TABLE,
  METRIC_INCREASE_1H_TABLE,
  METRIC_INCREASE_WATERMARK_TABLE,
];

/**
 * The rollup views restricted to points that are not explicit-bucket
 * histograms: those are answered from the increase tables now, and their
 * states (the bucket arrays) were the dearest part of the views. A sample
 * row does not carry its kind, so counters still pass (indistinguishable
 * from gauges here); gauges, summaries and exponential histograms still need
 * the rollups.
 */
function withoutExplicitHistograms(view: MaterializedViewSpec): MaterializedViewSpec {
  const states = Object.entries(METRIC_ROLLUP_STATES).map(([column, state]) => `${state} AS ${column}`);
  const bucket =
    view.name === 'metric_rollup_1h_mv' ? 'toStartOfHour(timestamp)' : 'toStartOfMinute(timestamp)';
  return {
    ...view,
    select: [
      `SELECT metric_name, fingerprint, ${bucket} AS bucket,`,
      `  ${states.join(',\n  ')}`,
      'FROM {source}',
      'WHERE bitAnd(flags, 1) = 0 AND empty(bucket_counts)',
      'GROUP BY metric_name, fingerprint, bucket',
    ].join('\n'),
  };
}

export const NARROWED_ROLLUP_VIEWS: readonly MaterializedViewSpec[] =
  ROLLUP_VIEWS.map(withoutExplicitHistograms);

/**
 * Drops and re-creates each rollup view with the narrower filter. Samples
 * inserted between the DROP and the CREATE (milliseconds) miss the gauge
 * rollups; safe to repeat.
 */
export function narrowRollupViewStatements(ctx: SchemaContext): SqlFragment[] {
  const onCluster = ctx.cluster ? ` ON CLUSTER \`${ctx.cluster}\`` : '';
  return NARROWED_ROLLUP_VIEWS.flatMap((view) => [
    trusted(`DROP TABLE IF EXISTS \`${ctx.database}\`.\`${view.name}\`${onCluster}`),
    ...createMaterializedViewStatements(view, ctx),
  ]);
}

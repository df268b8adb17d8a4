import type { Capabilities } from '../clickhouse/capabilities.ts';
import { trusted, type SqlFragment } from '../sql/escape.ts';
import {
  DEPLOY_COLUMNS,
  LOG_COLUMNS,
  METRIC_SAMPLE_COLUMNS,
  METRIC_SERIES_COLUMNS,
  SERVICE_VERSION_COLUMNS,
  type ColumnSpec,
} from './columns.ts';

/**
 * DDL for the hub's tables. One table spec, rendered for the server at hand:
 * newer extras (LowCardinality, codecs, TTL, skip indexes) only where the
 * capabilities say so, and the cluster variant (ReplicatedMergeTree local tables
 * plus a Distributed table under the public name) when a cluster is configured.
 */
export interface SchemaContext {
  readonly database: string;
  readonly capabilities: Capabilities;
  /** Empty: single node. */
  readonly cluster: string;
  readonly logsRetentionDays: number;
  readonly metricsRetentionDays: number;
}

export interface TableSpec {
  readonly name: string;
  readonly columns: readonly ColumnSpec[];
  readonly engine: 'MergeTree' | 'AggregatingMergeTree' | { replacing: string };
  readonly partitionBy: string;
  readonly orderBy: string;
  /** Column (DateTime) and retention days for TTL on capable servers. */
  readonly ttl?: { column: string; days: (ctx: SchemaContext) => number };
  readonly skipIndexes?: readonly string[];
  /** Sharding expression of the Distributed table in the cluster variant. */
  readonly shardBy: string;
  /** Rows per index mark (default 8192): smaller for tables read in short runs per series. */
  readonly indexGranularity?: number;
}

/**
 * logs: partitioned by day (retention drops whole days) and sorted by
 * (service_name, timestamp): the common question is "one service, a time range,
 * newest first", which this key answers by reading a few granules; queries across
 * services still prune by partition and by the timestamp inside each service.
 */
export const LOGS_TABLE: TableSpec = {
  name: 'logs',
  columns: LOG_COLUMNS,
  engine: 'MergeTree',
  partitionBy: 'toDate(timestamp)',
  orderBy: '(service_name, timestamp)',
  ttl: { column: 'timestamp', days: (ctx) => ctx.logsRetentionDays },
  skipIndexes: [
    'INDEX idx_body lower(body) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 1',
    'INDEX idx_trace trace_id TYPE bloom_filter(0.01) GRANULARITY 1',
    'INDEX idx_severity severity_number TYPE minmax GRANULARITY 1',
  ],
  shardBy: 'cityHash64(service_name)',
};

/**
 * metric_series: one row per series fingerprint (metric name + type + resource
 * and point attributes) and refresh; label filters resolve to fingerprints here
 * before the samples table is read. ReplacingMergeTree keeps the latest refresh.
 */
export const METRIC_SERIES_TABLE: TableSpec = {
  name: 'metric_series',
  columns: METRIC_SERIES_COLUMNS,
  engine: { replacing: 'last_seen' },
  partitionBy: 'toYYYYMM(last_seen)',
  orderBy: '(service_name, metric_name, fingerprint)',
  ttl: { column: 'last_seen', days: (ctx) => ctx.metricsRetentionDays },
  shardBy: 'fingerprint',
};

/**
 * metric_samples: every point kind in one wide table (unused kind columns are
 * empty and compress to nothing), sorted by (metric_name, fingerprint, timestamp)
 * so a query for a few series reads only their ranges.
 */
export const METRIC_SAMPLES_TABLE: TableSpec = {
  name: 'metric_samples',
  columns: METRIC_SAMPLE_COLUMNS,
  engine: 'MergeTree',
  partitionBy: 'toDate(timestamp)',
  orderBy: '(metric_name, fingerprint, timestamp)',
  ttl: { column: 'timestamp', days: (ctx) => ctx.metricsRetentionDays },
  shardBy: 'fingerprint',
};

/**
 * deploys: reported deploys, a few per service and day, kept without retention
 * (one unpartitioned table). Sorted by (service_name, environment, id), so the
 * ReplacingMergeTree collapses the writes of one id (an id never changes
 * service or environment); reads still take argMax(…, updated_at_ms) per id,
 * because merges are eventual.
 */
export const DEPLOYS_TABLE: TableSpec = {
  name: 'deploys',
  columns: DEPLOY_COLUMNS,
  engine: { replacing: 'updated_at_ms' },
  partitionBy: 'tuple()',
  orderBy: '(service_name, environment, id)',
  shardBy: 'cityHash64(service_name)',
};

/**
 * service_versions: first sightings of (service, environment, version) in
 * telemetry, from which deploys are inferred. Tiny (a row per triple and
 * collector process) and kept without retention.
 */
export const SERVICE_VERSIONS_TABLE: TableSpec = {
  name: 'service_versions',
  columns: SERVICE_VERSION_COLUMNS,
  engine: 'MergeTree',
  partitionBy: 'tuple()',
  orderBy: '(service_name, environment, service_version)',
  shardBy: 'cityHash64(service_name)',
};

export const TABLES: readonly TableSpec[] = [
  LOGS_TABLE,
  METRIC_SERIES_TABLE,
  METRIC_SAMPLES_TABLE,
  DEPLOYS_TABLE,
  SERVICE_VERSIONS_TABLE,
];

function columnDdl(col: ColumnSpec, caps: Capabilities): string {
  const type = col.lowCardinality && caps.lowCardinality ? `LowCardinality(${col.type})` : col.type;
  const codec = col.codec && caps.codecs ? ` CODEC(${col.codec})` : '';
  return `\`${col.name}\` ${type}${codec}`;
}

/** Name of the table that holds the data (the local table in a cluster). */
export function storageTableName(spec: TableSpec, ctx: SchemaContext): string {
  return ctx.cluster ? `${spec.name}_local` : spec.name;
}

function engineDdl(spec: TableSpec, ctx: SchemaContext): string {
  const base = typeof spec.engine === 'string' ? spec.engine : 'ReplacingMergeTree';
  const version = typeof spec.engine === 'string' ? '' : spec.engine.replacing;
  if (!ctx.cluster) return `${base}(${version})`;
  const zkPath = `'/clickhouse/tables/{shard}/${ctx.database}/${storageTableName(spec, ctx)}', '{replica}'`;
  return `Replicated${base}(${zkPath}${version ? `, ${version}` : ''})`;
}

/** CREATE TABLE statements for one table spec (two in the cluster variant). */
export function createTableStatements(spec: TableSpec, ctx: SchemaContext): SqlFragment[] {
  const caps = ctx.capabilities;
  const onCluster = ctx.cluster ? ` ON CLUSTER \`${ctx.cluster}\`` : '';
  const local = storageTableName(spec, ctx);
  const defs = spec.columns.map((c) => columnDdl(c, caps));
  if (caps.skipIndexes && spec.skipIndexes) defs.push(...spec.skipIndexes);
  const lines = [
    `CREATE TABLE IF NOT EXISTS \`${ctx.database}\`.\`${local}\`${onCluster}`,
    `(\n  ${defs.join(',\n  ')}\n)`,
    `ENGINE = ${engineDdl(spec, ctx)}`,
    `PARTITION BY ${spec.partitionBy}`,
    `ORDER BY ${spec.orderBy}`,
  ];
  if (caps.ttl && spec.ttl) {
    lines.push(`TTL ${spec.ttl.column} + INTERVAL ${spec.ttl.days(ctx)} DAY`);
    lines.push(`SETTINGS index_granularity = ${spec.indexGranularity ?? 8192}, ttl_only_drop_parts = 1`);
  } else {
    lines.push(`SETTINGS index_granularity = ${spec.indexGranularity ?? 8192}`);
  }
  const statements = [trusted(lines.join('\n'))];
  if (ctx.cluster) {
    statements.push(
      trusted(
        `CREATE TABLE IF NOT EXISTS \`${ctx.database}\`.\`${spec.name}\`${onCluster} AS \`${ctx.database}\`.\`${local}\`\n` +
          `ENGINE = Distributed(\`${ctx.cluster}\`, \`${ctx.database}\`, \`${local}\`, ${spec.shardBy})`,
      ),
    );
  }
  return statements;
}

/**
 * Column lists of the hub's tables, in the order the collector encodes RowBinary
 * rows. The DDL (tables.ts) and the encoders both read these lists, so a column
 * added here reaches both or the type check fails.
 */
export type ColumnType =
  | 'UInt8'
  | 'UInt16'
  | 'UInt32'
  | 'UInt64'
  | 'Int32'
  | 'Float64'
  | 'DateTime'
  | 'String'
  | 'Array(String)'
  | 'Array(Float64)'
  | 'Array(UInt64)'
  /** Partial aggregation states of the rollup tables (AggregatingMergeTree). */
  | `AggregateFunction(${string})`;

export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  /** Few distinct values: LowCardinality where the server supports it. */
  readonly lowCardinality?: boolean;
  /** Codec used where codecs exist. */
  readonly codec?: string;
}

export const LOG_COLUMNS = [
  // Per record.
  { name: 'id', type: 'UInt64' },
  { name: 'timestamp', type: 'DateTime', codec: 'DoubleDelta, ZSTD(1)' },
  { name: 'time_unix_nano', type: 'UInt64', codec: 'DoubleDelta, ZSTD(1)' },
  { name: 'observed_time_unix_nano', type: 'UInt64', codec: 'DoubleDelta, ZSTD(1)' },
  { name: 'severity_number', type: 'UInt8' },
  { name: 'severity_text', type: 'String', lowCardinality: true },
  { name: 'body', type: 'String', codec: 'ZSTD(1)' },
  { name: 'trace_id', type: 'String', codec: 'ZSTD(1)' },
  { name: 'span_id', type: 'String', codec: 'ZSTD(1)' },
  { name: 'flags', type: 'UInt32' },
  { name: 'event_name', type: 'String', lowCardinality: true },
  { name: 'http_status', type: 'UInt16' },
  { name: 'attr_keys', type: 'Array(String)', codec: 'ZSTD(1)' },
  { name: 'attr_values', type: 'Array(String)', codec: 'ZSTD(1)' },
  { name: 'attr_num_keys', type: 'Array(String)', codec: 'ZSTD(1)' },
  { name: 'attr_num_values', type: 'Array(Float64)', codec: 'ZSTD(1)' },
  // Per resource and scope: the collector encodes these once and copies them to each record.
  { name: 'service_name', type: 'String', lowCardinality: true },
  { name: 'service_version', type: 'String', lowCardinality: true },
  { name: 'service_namespace', type: 'String', lowCardinality: true },
  { name: 'service_instance_id', type: 'String', lowCardinality: true },
  { name: 'environment', type: 'String', lowCardinality: true },
  { name: 'host_name', type: 'String', lowCardinality: true },
  { name: 'scope_name', type: 'String', lowCardinality: true },
  { name: 'scope_version', type: 'String', lowCardinality: true },
  // Legacy (migration 1): rows written since migration 9 leave these empty and
  // point to log_resources by resource_fingerprint instead.
  { name: 'resource_keys', type: 'Array(String)', codec: 'ZSTD(1)' },
  { name: 'resource_values', type: 'Array(String)', codec: 'ZSTD(1)' },
] as const satisfies readonly ColumnSpec[];

/**
 * The logs column added by migration 9: the fingerprint of the record's resource
 * in log_resources. Rows written before it compute it from their own resource
 * arrays (a DEFAULT expression), which migration 9 also copied to log_resources.
 */
export const LOG_RESOURCE_FINGERPRINT_COLUMN = {
  name: 'resource_fingerprint',
  type: 'UInt64',
  defaultExpression: 'sipHash64(resource_keys, resource_values)',
} as const;

/**
 * The log columns the collector writes, in RowBinary order: the record's, then
 * the resource-and-scope prefix, which ends with the resource fingerprint
 * instead of the resource's attributes (those are written once per resource,
 * to log_resources).
 */
export const LOG_INSERT_COLUMN_SPECS: readonly ColumnSpec[] = [
  ...LOG_COLUMNS.filter((c) => c.name !== 'resource_keys' && c.name !== 'resource_values'),
  { name: LOG_RESOURCE_FINGERPRINT_COLUMN.name, type: LOG_RESOURCE_FINGERPRINT_COLUMN.type },
];

export const LOG_INSERT_COLUMNS: readonly string[] = LOG_INSERT_COLUMN_SPECS.map((c) => c.name);

/** log_resources: a log resource's attributes, once per fingerprint and refresh. */
export const LOG_RESOURCE_COLUMNS = [
  { name: 'fingerprint', type: 'UInt64' },
  { name: 'service_name', type: 'String', lowCardinality: true },
  { name: 'environment', type: 'String', lowCardinality: true },
  { name: 'resource_keys', type: 'Array(String)' },
  { name: 'resource_values', type: 'Array(String)' },
  { name: 'first_seen', type: 'DateTime' },
  { name: 'last_seen', type: 'DateTime' },
] as const satisfies readonly ColumnSpec[];

export const METRIC_SERIES_COLUMNS = [
  { name: 'fingerprint', type: 'UInt64' },
  { name: 'metric_name', type: 'String', lowCardinality: true },
  { name: 'metric_type', type: 'String', lowCardinality: true },
  { name: 'unit', type: 'String', lowCardinality: true },
  { name: 'description', type: 'String', codec: 'ZSTD(1)' },
  { name: 'temporality', type: 'UInt8' },
  { name: 'is_monotonic', type: 'UInt8' },
  { name: 'service_name', type: 'String', lowCardinality: true },
  { name: 'service_version', type: 'String', lowCardinality: true },
  { name: 'environment', type: 'String', lowCardinality: true },
  { name: 'scope_name', type: 'String', lowCardinality: true },
  { name: 'attr_keys', type: 'Array(String)' },
  { name: 'attr_values', type: 'Array(String)' },
  { name: 'resource_keys', type: 'Array(String)' },
  { name: 'resource_values', type: 'Array(String)' },
  { name: 'first_seen', type: 'DateTime' },
  { name: 'last_seen', type: 'DateTime' },
] as const satisfies readonly ColumnSpec[];

export const METRIC_SAMPLE_COLUMNS = [
  { name: 'id', type: 'UInt64' },
  { name: 'metric_name', type: 'String', lowCardinality: true },
  { name: 'fingerprint', type: 'UInt64' },
  { name: 'timestamp', type: 'DateTime', codec: 'DoubleDelta, ZSTD(1)' },
  { name: 'time_unix_nano', type: 'UInt64', codec: 'DoubleDelta, ZSTD(1)' },
  { name: 'start_time_unix_nano', type: 'UInt64', codec: 'DoubleDelta, ZSTD(1)' },
  { name: 'flags', type: 'UInt32' },
  { name: 'value', type: 'Float64', codec: 'Gorilla, ZSTD(1)' },
  { name: 'count', type: 'UInt64', codec: 'ZSTD(1)' },
  { name: 'sum', type: 'Float64', codec: 'ZSTD(1)' },
  { name: 'min', type: 'Float64', codec: 'ZSTD(1)' },
  { name: 'max', type: 'Float64', codec: 'ZSTD(1)' },
  { name: 'bucket_bounds', type: 'Array(Float64)', codec: 'ZSTD(1)' },
  { name: 'bucket_counts', type: 'Array(UInt64)', codec: 'ZSTD(1)' },
  { name: 'exp_scale', type: 'Int32' },
  { name: 'exp_zero_count', type: 'UInt64' },
  { name: 'exp_positive_offset', type: 'Int32' },
  { name: 'exp_positive_counts', type: 'Array(UInt64)', codec: 'ZSTD(1)' },
  { name: 'exp_negative_offset', type: 'Int32' },
  { name: 'exp_negative_counts', type: 'Array(UInt64)', codec: 'ZSTD(1)' },
  { name: 'quantiles', type: 'Array(Float64)', codec: 'ZSTD(1)' },
  { name: 'quantile_values', type: 'Array(Float64)', codec: 'ZSTD(1)' },
] as const satisfies readonly ColumnSpec[];

/**
 * deploys: one row per write of a reported deploy (POST /api/deploys); the
 * latest write of an id (updated_at_ms, the ReplacingMergeTree version) wins.
 * Times in epoch milliseconds; finished_at_ms 0 = not finished.
 */
export const DEPLOY_COLUMNS = [
  { name: 'id', type: 'String' },
  { name: 'service_name', type: 'String', lowCardinality: true },
  { name: 'environment', type: 'String', lowCardinality: true },
  { name: 'version', type: 'String' },
  { name: 'commit_sha', type: 'String' },
  { name: 'author', type: 'String' },
  { name: 'description', type: 'String' },
  { name: 'link_names', type: 'Array(String)' },
  { name: 'link_urls', type: 'Array(String)' },
  { name: 'started_at_ms', type: 'UInt64' },
  { name: 'finished_at_ms', type: 'UInt64' },
  { name: 'status', type: 'String', lowCardinality: true },
  { name: 'updated_at_ms', type: 'UInt64' },
] as const satisfies readonly ColumnSpec[];

/**
 * service_versions: when a collector first saw a (service, environment,
 * version) triple in telemetry. Each collector process writes a triple about
 * once; the first sighting is min(first_seen_ms) over its rows.
 */
export const SERVICE_VERSION_COLUMNS = [
  { name: 'service_name', type: 'String', lowCardinality: true },
  { name: 'environment', type: 'String', lowCardinality: true },
  { name: 'service_version', type: 'String' },
  { name: 'first_seen_ms', type: 'UInt64' },
] as const satisfies readonly ColumnSpec[];

/**
 * Rollup state columns. ClickHouse 18.16 keeps argMin/argMax states of tuples
 * as generic values, several times slower per inserted row than states of
 * numbers or arrays, so every state here is of a number or of one packed
 * Float64 array (counts are exact up to 2^53), and the states of one kind of
 * point (bucket arrays, exponential buckets, quantiles) are -If states the
 * other kinds skip.
 */
const FIRST = (t: string) => `AggregateFunction(argMin, ${t}, UInt64)` as const;
const LAST = (t: string) => `AggregateFunction(argMax, ${t}, UInt64)` as const;
const FIRST_IF = 'AggregateFunction(argMinIf, Array(Float64), UInt64, UInt8)';
const LAST_IF = 'AggregateFunction(argMaxIf, Array(Float64), UInt64, UInt8)';

/**
 * metric_rollup_1m / metric_rollup_1h: one row per (metric, series, bucket)
 * after merges, fed by materialized views from metric_samples (docs/schema.md).
 * "first"/"last": the sample with the smallest/largest time in the bucket;
 * "tail": the last sample of the bucket's earliest counter lifetime (smallest
 * start time), so a restart inside a bucket loses nothing.
 */
export const METRIC_ROLLUP_COLUMNS = [
  { name: 'metric_name', type: 'String', lowCardinality: true },
  { name: 'fingerprint', type: 'UInt64' },
  { name: 'bucket', type: 'DateTime' },
  // Samples with a recorded value in the bucket.
  { name: 'samples', type: 'AggregateFunction(count)' },
  // Gauges (and non-monotonic sums), over finite values; g_sum is also the sum of delta values.
  { name: 'g_count', type: 'AggregateFunction(countIf, UInt8)' },
  { name: 'g_sum', type: 'AggregateFunction(sumIf, Float64, UInt8)' },
  { name: 'g_min', type: 'AggregateFunction(minIf, Float64, UInt8)' },
  { name: 'g_max', type: 'AggregateFunction(maxIf, Float64, UInt8)' },
  { name: 'g_last', type: 'AggregateFunction(argMaxIf, Float64, UInt64, UInt8)' },
  // Delta histograms: summed.
  { name: 'd_count', type: 'AggregateFunction(sum, UInt64)' },
  { name: 'd_sum', type: 'AggregateFunction(sumIf, Float64, UInt8)' },
  { name: 'd_buckets', type: 'AggregateFunction(sumForEach, Array(UInt64))' },
  // Cumulative points: start time, value (a sum's value or a distribution's count) and sum.
  { name: 'f_start', type: FIRST('UInt64') },
  { name: 'l_start', type: LAST('UInt64') },
  { name: 'f_v', type: FIRST('Float64') },
  { name: 'l_v', type: LAST('Float64') },
  { name: 't_v', type: FIRST('Float64') },
  { name: 'f_sum', type: FIRST('Float64') },
  { name: 'l_sum', type: LAST('Float64') },
  { name: 't_sum', type: FIRST('Float64') },
  // Explicit buckets of the last point, packed as [n, bounds (n), counts (n + 1)]. Bucket increases
  // are differences of consecutive last buckets (count and sum use first, tail and last: exact).
  { name: 'b_last', type: LAST_IF },
  // Exponential buckets packed as [scale, zero count, positive offset, positive length, negative offset, positive counts, negative counts].
  { name: 'e_first', type: FIRST_IF },
  { name: 'e_last', type: LAST_IF },
  { name: 'e_tail', type: FIRST_IF },
  // Summaries: [quantiles, values] of the last point.
  { name: 'q_last', type: LAST_IF },
] as const satisfies readonly ColumnSpec[];

/** "Value" of a cumulative point: a sum's value, or a histogram's or summary's count. */
const V = 'if(isNaN(value), toFloat64(count), value)';
/**
 * Tail order: earliest start time first, then latest time (seconds): argMin by
 * start_s × 2^32 + (2^32 − 1 − time_s), one UInt64 (a tuple key would be slow).
 */
const TAIL_KEY =
  'toUInt64(intDiv(start_time_unix_nano, 1000000000) * 4294967296 + (4294967295 - intDiv(time_unix_nano, 1000000000)))';
const BUCKETS =
  'arrayConcat([toFloat64(length(bucket_bounds))], bucket_bounds, arrayMap(x -> toFloat64(x), bucket_counts))';
const HAS_BUCKETS = 'notEmpty(bucket_counts)';
const EXP =
  'arrayConcat([toFloat64(exp_scale), toFloat64(exp_zero_count), toFloat64(exp_positive_offset), toFloat64(length(exp_positive_counts)), toFloat64(exp_negative_offset)], arrayMap(x -> toFloat64(x), exp_positive_counts), arrayMap(x -> toFloat64(x), exp_negative_counts))';
/** An exponential histogram point: no value, no explicit buckets, no quantiles. */
const IS_EXP = 'isNaN(value) AND empty(bucket_counts) AND empty(bucket_bounds) AND empty(quantiles)';
const T = 'time_unix_nano';

/**
 * The SELECT list of the rollup materialized views, column for column with
 * METRIC_ROLLUP_COLUMNS after (metric_name, fingerprint, bucket). Points flagged
 * "no recorded value" (flags & 1) never reach a rollup.
 */
export const METRIC_ROLLUP_STATES: Readonly<Record<string, string>> = {
  samples: 'countState()',
  g_count: 'countIfState(isFinite(value))',
  g_sum: 'sumIfState(value, isFinite(value))',
  g_min: 'minIfState(value, isFinite(value))',
  g_max: 'maxIfState(value, isFinite(value))',
  g_last: `argMaxIfState(value, ${T}, isFinite(value))`,
  d_count: 'sumState(count)',
  d_sum: 'sumIfState(sum, isFinite(sum))',
  d_buckets: 'sumForEachState(bucket_counts)',
  f_start: `argMinState(start_time_unix_nano, ${T})`,
  l_start: `argMaxState(start_time_unix_nano, ${T})`,
  f_v: `argMinState(${V}, ${T})`,
  l_v: `argMaxState(${V}, ${T})`,
  t_v: `argMinState(${V}, ${TAIL_KEY})`,
  f_sum: `argMinState(sum, ${T})`,
  l_sum: `argMaxState(sum, ${T})`,
  t_sum: `argMinState(sum, ${TAIL_KEY})`,
  b_last: `argMaxIfState(${BUCKETS}, ${T}, ${HAS_BUCKETS})`,
  e_first: `argMinIfState(${EXP}, ${T}, ${IS_EXP})`,
  e_last: `argMaxIfState(${EXP}, ${T}, ${IS_EXP})`,
  e_tail: `argMinIfState(${EXP}, ${TAIL_KEY}, ${IS_EXP})`,
  q_last: `argMaxIfState(arrayConcat(quantiles, quantile_values), ${T}, notEmpty(quantiles))`,
};

export const columnNames = (cols: readonly ColumnSpec[]): string[] => cols.map((c) => c.name);

/** Metric kinds as stored in metric_series.metric_type. */
export const METRIC_TYPES = ['gauge', 'sum', 'histogram', 'exponential_histogram', 'summary'] as const;
export type MetricType = (typeof METRIC_TYPES)[number];

/** OTLP AggregationTemporality values as stored in metric_series.temporality. */
export const TEMPORALITY = { unspecified: 0, delta: 1, cumulative: 2 } as const;

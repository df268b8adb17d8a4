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
  | 'Array(UInt64)';

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
  { name: 'resource_keys', type: 'Array(String)', codec: 'ZSTD(1)' },
  { name: 'resource_values', type: 'Array(String)', codec: 'ZSTD(1)' },
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

export const columnNames = (cols: readonly ColumnSpec[]): string[] => cols.map((c) => c.name);

/** Metric kinds as stored in metric_series.metric_type. */
export const METRIC_TYPES = ['gauge', 'sum', 'histogram', 'exponential_histogram', 'summary'] as const;
export type MetricType = (typeof METRIC_TYPES)[number];

/** OTLP AggregationTemporality values as stored in metric_series.temporality. */
export const TEMPORALITY = { unspecified: 0, delta: 1, cumulative: 2 } as const;

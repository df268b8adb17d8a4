/**
 * Field numbers of the OTLP protobuf messages the receiver walks, from
 * opentelemetry-proto v1.5 (opentelemetry/proto/{common,resource,logs,metrics}/v1/*.proto).
 * The decoders read the wire format with protobufjs' Reader using these numbers,
 * skipping every field they do not know (forward compatibility).
 */
export const WIRE = { VARINT: 0, I64: 1, LEN: 2, I32: 5 } as const;

export const ExportRequest = { RESOURCE_ITEMS: 1 } as const;

export const ResourceItems = { RESOURCE: 1, SCOPE_ITEMS: 2, SCHEMA_URL: 3 } as const;
export const ScopeItems = { SCOPE: 1, ITEMS: 2, SCHEMA_URL: 3 } as const;

export const Resource = { ATTRIBUTES: 1, DROPPED_ATTRIBUTES_COUNT: 2 } as const;
export const Scope = { NAME: 1, VERSION: 2, ATTRIBUTES: 3 } as const;
export const KeyValue = { KEY: 1, VALUE: 2 } as const;
export const AnyValue = {
  STRING: 1,
  BOOL: 2,
  INT: 3,
  DOUBLE: 4,
  ARRAY: 5,
  KVLIST: 6,
  BYTES: 7,
} as const;
export const ArrayValue = { VALUES: 1 } as const;
export const KeyValueList = { VALUES: 1 } as const;

export const LogRecord = {
  TIME_UNIX_NANO: 1,
  SEVERITY_NUMBER: 2,
  SEVERITY_TEXT: 3,
  BODY: 5,
  ATTRIBUTES: 6,
  DROPPED_ATTRIBUTES_COUNT: 7,
  FLAGS: 8,
  TRACE_ID: 9,
  SPAN_ID: 10,
  OBSERVED_TIME_UNIX_NANO: 11,
  EVENT_NAME: 12,
} as const;

export const Metric = {
  NAME: 1,
  DESCRIPTION: 2,
  UNIT: 3,
  GAUGE: 5,
  SUM: 7,
  HISTOGRAM: 9,
  EXPONENTIAL_HISTOGRAM: 10,
  SUMMARY: 11,
} as const;
/** Gauge, Sum, Histogram, ExponentialHistogram and Summary share these numbers. */
export const MetricData = { DATA_POINTS: 1, AGGREGATION_TEMPORALITY: 2, IS_MONOTONIC: 3 } as const;

export const NumberDataPoint = {
  START_TIME_UNIX_NANO: 2,
  TIME_UNIX_NANO: 3,
  AS_DOUBLE: 4,
  AS_INT: 6,
  ATTRIBUTES: 7,
  FLAGS: 8,
} as const;
export const HistogramDataPoint = {
  START_TIME_UNIX_NANO: 2,
  TIME_UNIX_NANO: 3,
  COUNT: 4,
  SUM: 5,
  BUCKET_COUNTS: 6,
  EXPLICIT_BOUNDS: 7,
  ATTRIBUTES: 9,
  FLAGS: 10,
  MIN: 11,
  MAX: 12,
} as const;
export const ExponentialHistogramDataPoint = {
  ATTRIBUTES: 1,
  START_TIME_UNIX_NANO: 2,
  TIME_UNIX_NANO: 3,
  COUNT: 4,
  SUM: 5,
  SCALE: 6,
  ZERO_COUNT: 7,
  POSITIVE: 8,
  NEGATIVE: 9,
  FLAGS: 10,
  MIN: 12,
  MAX: 13,
} as const;
export const ExponentialBuckets = { OFFSET: 1, BUCKET_COUNTS: 2 } as const;
export const SummaryDataPoint = {
  START_TIME_UNIX_NANO: 2,
  TIME_UNIX_NANO: 3,
  COUNT: 4,
  SUM: 5,
  QUANTILE_VALUES: 6,
  ATTRIBUTES: 7,
  FLAGS: 8,
} as const;
export const ValueAtQuantile = { QUANTILE: 1, VALUE: 2 } as const;

/** DataPointFlags.FLAG_NO_RECORDED_VALUE_MASK */
export const FLAG_NO_RECORDED_VALUE = 1;

import protobuf from 'protobufjs';

/**
 * The part of the OTLP schema the official examples use, copied from
 * opentelemetry-proto v1.5 (common, resource, logs, metrics, trace and the
 * collector services). Test-side only and independent of the collector's own
 * field tables, so a wrong field number on either side makes the tests fail.
 * Enums are declared as int32, which is the same on the wire.
 */
const SCHEMA = `
syntax = "proto3";
package otlp;

message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope {
  string name = 1;
  string version = 2;
  repeated KeyValue attributes = 3;
  uint32 dropped_attributes_count = 4;
}
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }

message ExportLogsServiceRequest { repeated ResourceLogs resource_logs = 1; }
message ResourceLogs { Resource resource = 1; repeated ScopeLogs scope_logs = 2; string schema_url = 3; }
message ScopeLogs { InstrumentationScope scope = 1; repeated LogRecord log_records = 2; string schema_url = 3; }
message LogRecord {
  fixed64 time_unix_nano = 1;
  fixed64 observed_time_unix_nano = 11;
  int32 severity_number = 2;
  string severity_text = 3;
  AnyValue body = 5;
  repeated KeyValue attributes = 6;
  uint32 dropped_attributes_count = 7;
  fixed32 flags = 8;
  bytes trace_id = 9;
  bytes span_id = 10;
  string event_name = 12;
}

message ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }
message ResourceMetrics { Resource resource = 1; repeated ScopeMetrics scope_metrics = 2; string schema_url = 3; }
message ScopeMetrics { InstrumentationScope scope = 1; repeated Metric metrics = 2; string schema_url = 3; }
message Metric {
  string name = 1;
  string description = 2;
  string unit = 3;
  oneof data {
    Gauge gauge = 5;
    Sum sum = 7;
    Histogram histogram = 9;
  }
  repeated KeyValue metadata = 12;
}
message Gauge { repeated NumberDataPoint data_points = 1; }
message Sum { repeated NumberDataPoint data_points = 1; int32 aggregation_temporality = 2; bool is_monotonic = 3; }
message Histogram { repeated HistogramDataPoint data_points = 1; int32 aggregation_temporality = 2; }
message NumberDataPoint {
  repeated KeyValue attributes = 7;
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  oneof value {
    double as_double = 4;
    sfixed64 as_int = 6;
  }
  uint32 flags = 8;
}
message HistogramDataPoint {
  repeated KeyValue attributes = 9;
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  fixed64 count = 4;
  optional double sum = 5;
  repeated fixed64 bucket_counts = 6;
  repeated double explicit_bounds = 7;
  uint32 flags = 10;
  optional double min = 11;
  optional double max = 12;
}

message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  string trace_state = 3;
  bytes parent_span_id = 4;
  fixed32 flags = 16;
  string name = 5;
  int32 kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9;
}

message ExportPartialSuccess { int64 rejected = 1; string error_message = 2; }
message ExportServiceResponse { ExportPartialSuccess partial_success = 1; }
`;

const root = protobuf.parse(SCHEMA).root;

const REQUEST_TYPES = {
  logs: 'otlp.ExportLogsServiceRequest',
  metrics: 'otlp.ExportMetricsServiceRequest',
  traces: 'otlp.ExportTraceServiceRequest',
} as const;

const HEX_ID_KEYS = new Set(['traceId', 'spanId', 'parentSpanId']);

/** OTLP/JSON ids are hex; protobufjs' object form wants bytes. */
function hexIdsToBytes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(hexIdsToBytes);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      HEX_ID_KEYS.has(k) && typeof v === 'string' ? Buffer.from(v, 'hex') : hexIdsToBytes(v),
    ]),
  );
}

/** Encodes an OTLP/JSON request (lowerCamelCase keys, hex ids) as the protobuf request. */
export function otlpJsonToProtobuf(signal: keyof typeof REQUEST_TYPES, json: unknown): Buffer {
  const type = root.lookupType(REQUEST_TYPES[signal]);
  const message = type.fromObject(hexIdsToBytes(json) as Record<string, unknown>);
  return Buffer.from(type.encode(message).finish());
}

/**
 * Decodes an Export{Logs,Metrics,Trace}ServiceResponse: the three share one
 * shape (partial_success { rejected_* = 1; error_message = 2 }).
 */
export function decodeExportResponse(body: Uint8Array): { rejected: number; errorMessage: string } | null {
  const type = root.lookupType('otlp.ExportServiceResponse');
  const decoded = type.toObject(type.decode(body), { longs: Number, defaults: true }) as {
    partialSuccess?: { rejected: number; errorMessage: string };
  };
  return decoded.partialSuccess ?? null;
}

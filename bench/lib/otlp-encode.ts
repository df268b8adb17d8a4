import protobuf from 'protobufjs/minimal.js';

/**
 * A small OTLP protobuf encoder for the load generator, written with protobufjs'
 * Writer (field numbers from opentelemetry-proto v1.5). Only what the benchmark
 * sends: logs with string bodies and scalar attributes; sums, gauges and
 * histograms. Timestamps are unix nanoseconds as bigint.
 */
export type AttrValue = string | number | boolean | { int: number };
export type Attrs = ReadonlyArray<readonly [string, AttrValue]>;

export interface LogRecordSpec {
  timeNs: bigint;
  severityNumber: number;
  severityText: string;
  body: string;
  attributes: Attrs;
  traceId?: Buffer;
  spanId?: Buffer;
}

export interface ScopeLogsSpec {
  scope: { name: string; version: string };
  records: readonly LogRecordSpec[];
}

export interface ResourceLogsSpec {
  resource: Attrs;
  scopes: readonly ScopeLogsSpec[];
}

type W = protobuf.Writer;

const LEN = 2;
const VARINT = 0;
const I64 = 1;
const I32 = 5;
const tag = (field: number, wire: number): number => (field << 3) | wire;

function fixed64(w: W, field: number, ns: bigint): void {
  w.uint32(tag(field, I64))
    .fixed32(Number(ns & 0xffffffffn))
    .fixed32(Number(ns >> 32n));
}

/** AnyValue: string 1, bool 2, int 3, double 4. A plain number is a double; { int } an int64. */
function anyValue(w: W, field: number, value: AttrValue): void {
  w.uint32(tag(field, LEN)).fork();
  if (typeof value === 'string') w.uint32(tag(1, LEN)).string(value);
  else if (typeof value === 'boolean') w.uint32(tag(2, VARINT)).bool(value);
  else if (typeof value === 'number') w.uint32(tag(4, I64)).double(value);
  else w.uint32(tag(3, VARINT)).int64(value.int);
  w.ldelim();
}

function keyValues(w: W, field: number, attrs: Attrs): void {
  for (const [key, value] of attrs) {
    w.uint32(tag(field, LEN)).fork();
    w.uint32(tag(1, LEN)).string(key);
    anyValue(w, 2, value);
    w.ldelim();
  }
}

function resource(w: W, attrs: Attrs): void {
  w.uint32(tag(1, LEN)).fork();
  keyValues(w, 1, attrs);
  w.ldelim();
}

function scope(w: W, s: { name: string; version: string }): void {
  w.uint32(tag(1, LEN)).fork().uint32(tag(1, LEN)).string(s.name).uint32(tag(2, LEN)).string(s.version);
  w.ldelim();
}

/** ExportLogsServiceRequest { resource_logs = 1 { resource = 1; scope_logs = 2 { scope = 1; log_records = 2 } } } */
export function encodeLogsRequest(resources: readonly ResourceLogsSpec[]): Buffer {
  const w = protobuf.Writer.create();
  for (const rl of resources) {
    w.uint32(tag(1, LEN)).fork();
    resource(w, rl.resource);
    for (const sl of rl.scopes) {
      w.uint32(tag(2, LEN)).fork();
      scope(w, sl.scope);
      for (const rec of sl.records) {
        w.uint32(tag(2, LEN)).fork();
        fixed64(w, 1, rec.timeNs);
        w.uint32(tag(2, VARINT)).int32(rec.severityNumber);
        w.uint32(tag(3, LEN)).string(rec.severityText);
        anyValue(w, 5, rec.body);
        keyValues(w, 6, rec.attributes);
        w.uint32(tag(8, I32)).fixed32(rec.traceId ? 1 : 0);
        if (rec.traceId) w.uint32(tag(9, LEN)).bytes(rec.traceId);
        if (rec.spanId) w.uint32(tag(10, LEN)).bytes(rec.spanId);
        fixed64(w, 11, rec.timeNs + 1_500_000n);
        w.ldelim();
      }
      w.ldelim();
    }
    w.ldelim();
  }
  return Buffer.from(w.finish());
}

export type MetricPointSpec =
  | { attributes: Attrs; value: number; asInt?: boolean }
  | { attributes: Attrs; count: number; sum: number; bounds: readonly number[]; counts: readonly number[] };

export interface MetricSpec {
  name: string;
  unit: string;
  description: string;
  kind: 'gauge' | 'sum' | 'histogram';
  /** Sums and histograms: 1 delta, 2 cumulative. */
  temporality?: number;
  monotonic?: boolean;
  points: readonly MetricPointSpec[];
}

export interface ResourceMetricsSpec {
  resource: Attrs;
  scope: { name: string; version: string };
  startNs: bigint;
  timeNs: bigint;
  metrics: readonly MetricSpec[];
}

function metricPoint(w: W, kind: MetricSpec['kind'], p: MetricPointSpec, startNs: bigint, timeNs: bigint) {
  w.uint32(tag(1, LEN)).fork();
  if ('value' in p) {
    // NumberDataPoint: start 2, time 3, as_double 4, as_int 6 (sfixed64), attributes 7.
    keyValues(w, 7, p.attributes);
    if (kind === 'sum') fixed64(w, 2, startNs);
    fixed64(w, 3, timeNs);
    if (p.asInt) w.uint32(tag(6, I64)).sfixed64(p.value);
    else w.uint32(tag(4, I64)).double(p.value);
  } else {
    // HistogramDataPoint: start 2, time 3, count 4, sum 5, bucket_counts 6, explicit_bounds 7, attributes 9.
    keyValues(w, 9, p.attributes);
    fixed64(w, 2, startNs);
    fixed64(w, 3, timeNs);
    w.uint32(tag(4, I64)).fixed64(p.count);
    w.uint32(tag(5, I64)).double(p.sum);
    w.uint32(tag(6, LEN)).fork();
    for (const c of p.counts) w.fixed64(c);
    w.ldelim();
    w.uint32(tag(7, LEN)).fork();
    for (const b of p.bounds) w.double(b);
    w.ldelim();
  }
  w.ldelim();
}

/** ExportMetricsServiceRequest { resource_metrics = 1 { resource = 1; scope_metrics = 2 { scope = 1; metrics = 2 } } } */
export function encodeMetricsRequest(resources: readonly ResourceMetricsSpec[]): Buffer {
  const w = protobuf.Writer.create();
  for (const rm of resources) {
    w.uint32(tag(1, LEN)).fork();
    resource(w, rm.resource);
    w.uint32(tag(2, LEN)).fork();
    scope(w, rm.scope);
    for (const m of rm.metrics) {
      w.uint32(tag(2, LEN)).fork();
      w.uint32(tag(1, LEN)).string(m.name);
      w.uint32(tag(2, LEN)).string(m.description);
      w.uint32(tag(3, LEN)).string(m.unit);
      // Metric.data: gauge 5, sum 7, histogram 9.
      const dataField = m.kind === 'gauge' ? 5 : m.kind === 'sum' ? 7 : 9;
      w.uint32(tag(dataField, LEN)).fork();
      for (const p of m.points) metricPoint(w, m.kind, p, rm.startNs, rm.timeNs);
      if (m.kind !== 'gauge') w.uint32(tag(2, VARINT)).int32(m.temporality ?? 2);
      if (m.kind === 'sum') w.uint32(tag(3, VARINT)).bool(m.monotonic ?? true);
      w.ldelim();
      w.ldelim();
    }
    w.ldelim();
    w.ldelim();
  }
  return Buffer.from(w.finish());
}

import protobuf from 'protobufjs/minimal.js';

/**
 * A test-side model of OTLP logs and metrics requests with two independent
 * encoders: protobuf (protobufjs' Writer, field numbers written out here from
 * opentelemetry-proto v1.5 rather than imported from the collector, so a wrong
 * number there would show) and OTLP/JSON (lowerCamelCase, hex ids, int64 as
 * decimal strings, bytes as base64). Used to check that both decoder paths
 * agree and to build hostile variants of valid requests.
 */
export type AnyVal =
  | { kind: 'string'; value: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'int'; value: bigint }
  | { kind: 'double'; value: number }
  | { kind: 'bytes'; value: Uint8Array }
  | { kind: 'array'; values: AnyVal[] }
  | { kind: 'kvlist'; values: KV[] }
  | { kind: 'empty' };

export interface KV {
  key: string;
  value?: AnyVal;
}

export interface Resource {
  attributes: KV[];
  droppedAttributesCount?: number;
}

export interface Scope {
  name: string;
  version: string;
  /** Not stored by the hub; encoded to exercise skipping. */
  attributes?: KV[];
}

export interface LogRecord {
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
  severityNumber: number;
  severityText: string;
  body?: AnyVal;
  attributes: KV[];
  droppedAttributesCount?: number;
  flags: number;
  traceId: Uint8Array;
  spanId: Uint8Array;
  eventName: string;
}

export interface ScopeLogs {
  scope?: Scope;
  logRecords: LogRecord[];
  schemaUrl?: string;
}

export interface ResourceLogs {
  resource?: Resource;
  scopeLogs: ScopeLogs[];
  schemaUrl?: string;
}

export interface LogsRequest {
  resourceLogs: ResourceLogs[];
}

interface PointBase {
  attributes: KV[];
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  flags: number;
}

export interface NumberPoint extends PointBase {
  value?: { double: number } | { int: bigint };
}

export interface HistogramPoint extends PointBase {
  count: number;
  sum?: number;
  bucketCounts: number[];
  explicitBounds: number[];
  min?: number;
  max?: number;
}

export interface Buckets {
  offset: number;
  bucketCounts: number[];
}

export interface ExpHistogramPoint extends PointBase {
  count: number;
  sum?: number;
  scale: number;
  zeroCount: number;
  positive?: Buckets;
  negative?: Buckets;
  min?: number;
  max?: number;
}

export interface SummaryPoint extends PointBase {
  count: number;
  sum: number;
  quantileValues: Array<{ quantile: number; value: number }>;
}

export type MetricData =
  | { type: 'gauge'; dataPoints: NumberPoint[] }
  | { type: 'sum'; temporality: number; monotonic: boolean; dataPoints: NumberPoint[] }
  | { type: 'histogram'; temporality: number; dataPoints: HistogramPoint[] }
  | { type: 'exponentialHistogram'; temporality: number; dataPoints: ExpHistogramPoint[] }
  | { type: 'summary'; dataPoints: SummaryPoint[] };

export interface Metric {
  name: string;
  description: string;
  unit: string;
  data: MetricData;
}

export interface ScopeMetrics {
  scope?: Scope;
  metrics: Metric[];
}

export interface ResourceMetrics {
  resource?: Resource;
  scopeMetrics: ScopeMetrics[];
}

export interface MetricsRequest {
  resourceMetrics: ResourceMetrics[];
}

/** Encoding choices that must not change what is decoded. */
export interface ProtoStyle {
  /** Write the scope after its records / the resource after its scopes. */
  parentLast?: boolean;
  /** Repeated scalars (bucket counts, bounds) packed or one tag per value. */
  packed?: boolean;
}

type W = protobuf.Writer;
const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;
const tag = (field: number, wire: number): number => ((field << 3) | wire) >>> 0;

const TWO_32 = 4294967296;

function fixed64Big(w: W, field: number, v: bigint): void {
  w.uint32(tag(field, I64))
    .fixed32(Number(v & 0xffffffffn))
    .fixed32(Number((v >> 32n) & 0xffffffffn));
}

function fixed64Num(w: W, v: number): void {
  w.fixed32(v % TWO_32).fixed32(Math.floor(v / TWO_32));
}

function writeAny(w: W, v: AnyVal): void {
  switch (v.kind) {
    case 'string':
      w.uint32(tag(1, LEN)).string(v.value);
      break;
    case 'bool':
      w.uint32(tag(2, VARINT)).bool(v.value);
      break;
    case 'int':
      w.uint32(tag(3, VARINT)).int64(v.value.toString());
      break;
    case 'double':
      w.uint32(tag(4, I64)).double(v.value);
      break;
    case 'array':
      w.uint32(tag(5, LEN)).fork();
      for (const item of v.values) {
        w.uint32(tag(1, LEN)).fork();
        writeAny(w, item);
        w.ldelim();
      }
      w.ldelim();
      break;
    case 'kvlist':
      w.uint32(tag(6, LEN)).fork();
      for (const kv of v.values) writeKeyValue(w, 1, kv);
      w.ldelim();
      break;
    case 'bytes':
      w.uint32(tag(7, LEN)).bytes(v.value);
      break;
    case 'empty':
      break;
  }
}

function writeKeyValue(w: W, field: number, kv: KV): void {
  w.uint32(tag(field, LEN)).fork();
  w.uint32(tag(1, LEN)).string(kv.key);
  if (kv.value) {
    w.uint32(tag(2, LEN)).fork();
    writeAny(w, kv.value);
    w.ldelim();
  }
  w.ldelim();
}

function writeResource(w: W, field: number, r: Resource): void {
  w.uint32(tag(field, LEN)).fork();
  for (const kv of r.attributes) writeKeyValue(w, 1, kv);
  if (r.droppedAttributesCount) w.uint32(tag(2, VARINT)).uint32(r.droppedAttributesCount);
  w.ldelim();
}

function writeScope(w: W, field: number, s: Scope): void {
  w.uint32(tag(field, LEN)).fork();
  w.uint32(tag(1, LEN)).string(s.name);
  w.uint32(tag(2, LEN)).string(s.version);
  for (const kv of s.attributes ?? []) writeKeyValue(w, 3, kv);
  w.ldelim();
}

/** LogRecord (logs.proto). */
export function writeLogRecord(w: W, field: number, r: LogRecord): void {
  w.uint32(tag(field, LEN)).fork();
  fixed64Big(w, 1, r.timeUnixNano);
  w.uint32(tag(2, VARINT)).int32(r.severityNumber);
  w.uint32(tag(3, LEN)).string(r.severityText);
  if (r.body) {
    w.uint32(tag(5, LEN)).fork();
    writeAny(w, r.body);
    w.ldelim();
  }
  for (const kv of r.attributes) writeKeyValue(w, 6, kv);
  if (r.droppedAttributesCount) w.uint32(tag(7, VARINT)).uint32(r.droppedAttributesCount);
  w.uint32(tag(8, I32)).fixed32(r.flags);
  if (r.traceId.length) w.uint32(tag(9, LEN)).bytes(r.traceId);
  if (r.spanId.length) w.uint32(tag(10, LEN)).bytes(r.spanId);
  fixed64Big(w, 11, r.observedTimeUnixNano);
  if (r.eventName) w.uint32(tag(12, LEN)).string(r.eventName);
  w.ldelim();
}

/** ExportLogsServiceRequest { resource_logs = 1 }. */
export function encodeLogsProto(req: LogsRequest, style: ProtoStyle = {}): Buffer {
  const w = protobuf.Writer.create();
  for (const rl of req.resourceLogs) {
    w.uint32(tag(1, LEN)).fork();
    if (rl.resource && !style.parentLast) writeResource(w, 1, rl.resource);
    for (const sl of rl.scopeLogs) {
      w.uint32(tag(2, LEN)).fork();
      if (sl.scope && !style.parentLast) writeScope(w, 1, sl.scope);
      for (const r of sl.logRecords) writeLogRecord(w, 2, r);
      if (sl.scope && style.parentLast) writeScope(w, 1, sl.scope);
      if (sl.schemaUrl) w.uint32(tag(3, LEN)).string(sl.schemaUrl);
      w.ldelim();
    }
    if (rl.resource && style.parentLast) writeResource(w, 1, rl.resource);
    if (rl.schemaUrl) w.uint32(tag(3, LEN)).string(rl.schemaUrl);
    w.ldelim();
  }
  return Buffer.from(w.finish());
}

function writePointBase(w: W, p: PointBase, attrField: number): void {
  for (const kv of p.attributes) writeKeyValue(w, attrField, kv);
  fixed64Big(w, 2, p.startTimeUnixNano);
  fixed64Big(w, 3, p.timeUnixNano);
}

function optDouble(w: W, field: number, v: number | undefined): void {
  if (v !== undefined) w.uint32(tag(field, I64)).double(v);
}

function repeatedFixed64(w: W, field: number, values: number[], packed: boolean): void {
  if (values.length === 0) return;
  if (packed) {
    w.uint32(tag(field, LEN)).fork();
    for (const v of values) fixed64Num(w, v);
    w.ldelim();
  } else for (const v of values) fixed64Num(w.uint32(tag(field, I64)), v);
}

function repeatedDouble(w: W, field: number, values: number[], packed: boolean): void {
  if (values.length === 0) return;
  if (packed) {
    w.uint32(tag(field, LEN)).fork();
    for (const v of values) w.double(v);
    w.ldelim();
  } else for (const v of values) w.uint32(tag(field, I64)).double(v);
}

function writeBuckets(w: W, field: number, b: Buckets, packed: boolean): void {
  w.uint32(tag(field, LEN)).fork();
  w.uint32(tag(1, VARINT)).sint32(b.offset);
  if (b.bucketCounts.length > 0) {
    if (packed) {
      w.uint32(tag(2, LEN)).fork();
      for (const c of b.bucketCounts) w.uint64(c);
      w.ldelim();
    } else for (const c of b.bucketCounts) w.uint32(tag(2, VARINT)).uint64(c);
  }
  w.ldelim();
}

function writeMetric(w: W, m: Metric, style: ProtoStyle): void {
  const packed = style.packed !== false;
  w.uint32(tag(2, LEN)).fork();
  w.uint32(tag(1, LEN)).string(m.name);
  w.uint32(tag(2, LEN)).string(m.description);
  w.uint32(tag(3, LEN)).string(m.unit);
  const d = m.data;
  const field = { gauge: 5, sum: 7, histogram: 9, exponentialHistogram: 10, summary: 11 }[d.type];
  w.uint32(tag(field, LEN)).fork();
  switch (d.type) {
    case 'gauge':
    case 'sum':
      for (const p of d.dataPoints) {
        w.uint32(tag(1, LEN)).fork();
        writePointBase(w, p, 7);
        if (p.value && 'double' in p.value) w.uint32(tag(4, I64)).double(p.value.double);
        else if (p.value) w.uint32(tag(6, I64)).sfixed64(p.value.int.toString());
        w.uint32(tag(8, VARINT)).uint32(p.flags);
        w.ldelim();
      }
      if (d.type === 'sum') {
        w.uint32(tag(2, VARINT)).int32(d.temporality);
        w.uint32(tag(3, VARINT)).bool(d.monotonic);
      }
      break;
    case 'histogram':
      for (const p of d.dataPoints) {
        w.uint32(tag(1, LEN)).fork();
        writePointBase(w, p, 9);
        fixed64Num(w.uint32(tag(4, I64)), p.count);
        optDouble(w, 5, p.sum);
        repeatedFixed64(w, 6, p.bucketCounts, packed);
        repeatedDouble(w, 7, p.explicitBounds, packed);
        w.uint32(tag(10, VARINT)).uint32(p.flags);
        optDouble(w, 11, p.min);
        optDouble(w, 12, p.max);
        w.ldelim();
      }
      w.uint32(tag(2, VARINT)).int32(d.temporality);
      break;
    case 'exponentialHistogram':
      for (const p of d.dataPoints) {
        w.uint32(tag(1, LEN)).fork();
        writePointBase(w, p, 1);
        fixed64Num(w.uint32(tag(4, I64)), p.count);
        optDouble(w, 5, p.sum);
        w.uint32(tag(6, VARINT)).sint32(p.scale);
        fixed64Num(w.uint32(tag(7, I64)), p.zeroCount);
        if (p.positive) writeBuckets(w, 8, p.positive, packed);
        if (p.negative) writeBuckets(w, 9, p.negative, packed);
        w.uint32(tag(10, VARINT)).uint32(p.flags);
        optDouble(w, 12, p.min);
        optDouble(w, 13, p.max);
        w.ldelim();
      }
      w.uint32(tag(2, VARINT)).int32(d.temporality);
      break;
    case 'summary':
      for (const p of d.dataPoints) {
        w.uint32(tag(1, LEN)).fork();
        writePointBase(w, p, 7);
        fixed64Num(w.uint32(tag(4, I64)), p.count);
        w.uint32(tag(5, I64)).double(p.sum);
        for (const q of p.quantileValues) {
          w.uint32(tag(6, LEN)).fork();
          w.uint32(tag(1, I64)).double(q.quantile);
          w.uint32(tag(2, I64)).double(q.value);
          w.ldelim();
        }
        w.uint32(tag(8, VARINT)).uint32(p.flags);
        w.ldelim();
      }
      break;
  }
  w.ldelim();
  w.ldelim();
}

/** ExportMetricsServiceRequest { resource_metrics = 1 }. */
export function encodeMetricsProto(req: MetricsRequest, style: ProtoStyle = {}): Buffer {
  const w = protobuf.Writer.create();
  for (const rm of req.resourceMetrics) {
    w.uint32(tag(1, LEN)).fork();
    if (rm.resource && !style.parentLast) writeResource(w, 1, rm.resource);
    for (const sm of rm.scopeMetrics) {
      w.uint32(tag(2, LEN)).fork();
      if (sm.scope && !style.parentLast) writeScope(w, 1, sm.scope);
      for (const m of sm.metrics) writeMetric(w, m, style);
      if (sm.scope && style.parentLast) writeScope(w, 1, sm.scope);
      w.ldelim();
    }
    if (rm.resource && style.parentLast) writeResource(w, 1, rm.resource);
    w.ldelim();
  }
  return Buffer.from(w.finish());
}

// ---- OTLP/JSON ----

/** Doubles that JSON numbers cannot carry (NaN, ±Infinity, -0) go as strings. */
function jsonDouble(v: number): number | string {
  if (Object.is(v, -0)) return '-0';
  return Number.isFinite(v) ? v : String(v);
}

function jsonNanos(v: bigint, numbers: boolean): string | number {
  return numbers && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

function jsonCount(v: number, numbers: boolean): string | number {
  return numbers ? v : String(v);
}

export function anyJson(v: AnyVal): Record<string, unknown> {
  switch (v.kind) {
    case 'string':
      return { stringValue: v.value };
    case 'bool':
      return { boolValue: v.value };
    case 'int':
      return { intValue: v.value.toString() };
    case 'double':
      return { doubleValue: jsonDouble(v.value) };
    case 'bytes':
      return { bytesValue: Buffer.from(v.value).toString('base64') };
    case 'array':
      return { arrayValue: { values: v.values.map(anyJson) } };
    case 'kvlist':
      return { kvlistValue: { values: v.values.map(kvJson) } };
    case 'empty':
      return {};
  }
}

function kvJson(kv: KV): Record<string, unknown> {
  return kv.value ? { key: kv.key, value: anyJson(kv.value) } : { key: kv.key };
}

function resourceJson(r: Resource): Record<string, unknown> {
  return {
    attributes: r.attributes.map(kvJson),
    ...(r.droppedAttributesCount ? { droppedAttributesCount: r.droppedAttributesCount } : {}),
  };
}

function scopeJson(s: Scope): Record<string, unknown> {
  return {
    name: s.name,
    version: s.version,
    ...(s.attributes ? { attributes: s.attributes.map(kvJson) } : {}),
  };
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export function logRecordJson(r: LogRecord, numbers = false): Record<string, unknown> {
  return {
    timeUnixNano: jsonNanos(r.timeUnixNano, numbers),
    observedTimeUnixNano: jsonNanos(r.observedTimeUnixNano, numbers),
    severityNumber: r.severityNumber,
    severityText: r.severityText,
    ...(r.body ? { body: anyJson(r.body) } : {}),
    attributes: r.attributes.map(kvJson),
    ...(r.droppedAttributesCount ? { droppedAttributesCount: r.droppedAttributesCount } : {}),
    flags: r.flags,
    traceId: hex(r.traceId),
    spanId: hex(r.spanId),
    ...(r.eventName ? { eventName: r.eventName } : {}),
  };
}

/** OTLP/JSON ExportLogsServiceRequest; `numbers` sends 64-bit values as JSON numbers when exact. */
export function logsJson(req: LogsRequest, numbers = false): Record<string, unknown> {
  return {
    resourceLogs: req.resourceLogs.map((rl) => ({
      ...(rl.resource ? { resource: resourceJson(rl.resource) } : {}),
      scopeLogs: rl.scopeLogs.map((sl) => ({
        ...(sl.scope ? { scope: scopeJson(sl.scope) } : {}),
        logRecords: sl.logRecords.map((r) => logRecordJson(r, numbers)),
        ...(sl.schemaUrl ? { schemaUrl: sl.schemaUrl } : {}),
      })),
      ...(rl.schemaUrl ? { schemaUrl: rl.schemaUrl } : {}),
    })),
  };
}

function pointBaseJson(p: PointBase, numbers: boolean): Record<string, unknown> {
  return {
    attributes: p.attributes.map(kvJson),
    startTimeUnixNano: jsonNanos(p.startTimeUnixNano, numbers),
    timeUnixNano: jsonNanos(p.timeUnixNano, numbers),
    flags: p.flags,
  };
}

function optDoubleJson(key: string, v: number | undefined): Record<string, unknown> {
  return v === undefined ? {} : { [key]: jsonDouble(v) };
}

function bucketsJson(b: Buckets, numbers: boolean): Record<string, unknown> {
  return { offset: b.offset, bucketCounts: b.bucketCounts.map((c) => jsonCount(c, numbers)) };
}

function metricJson(m: Metric, numbers: boolean): Record<string, unknown> {
  const d = m.data;
  let data: Record<string, unknown>;
  switch (d.type) {
    case 'gauge':
    case 'sum': {
      const dataPoints = d.dataPoints.map((p) => ({
        ...pointBaseJson(p, numbers),
        ...(p.value && 'double' in p.value ? { asDouble: jsonDouble(p.value.double) } : {}),
        ...(p.value && 'int' in p.value ? { asInt: p.value.int.toString() } : {}),
      }));
      data =
        d.type === 'sum'
          ? { dataPoints, aggregationTemporality: d.temporality, isMonotonic: d.monotonic }
          : { dataPoints };
      break;
    }
    case 'histogram':
      data = {
        aggregationTemporality: d.temporality,
        dataPoints: d.dataPoints.map((p) => ({
          ...pointBaseJson(p, numbers),
          count: jsonCount(p.count, numbers),
          ...optDoubleJson('sum', p.sum),
          bucketCounts: p.bucketCounts.map((c) => jsonCount(c, numbers)),
          explicitBounds: p.explicitBounds.map(jsonDouble),
          ...optDoubleJson('min', p.min),
          ...optDoubleJson('max', p.max),
        })),
      };
      break;
    case 'exponentialHistogram':
      data = {
        aggregationTemporality: d.temporality,
        dataPoints: d.dataPoints.map((p) => ({
          ...pointBaseJson(p, numbers),
          count: jsonCount(p.count, numbers),
          ...optDoubleJson('sum', p.sum),
          scale: p.scale,
          zeroCount: jsonCount(p.zeroCount, numbers),
          ...(p.positive ? { positive: bucketsJson(p.positive, numbers) } : {}),
          ...(p.negative ? { negative: bucketsJson(p.negative, numbers) } : {}),
          ...optDoubleJson('min', p.min),
          ...optDoubleJson('max', p.max),
        })),
      };
      break;
    case 'summary':
      data = {
        dataPoints: d.dataPoints.map((p) => ({
          ...pointBaseJson(p, numbers),
          count: jsonCount(p.count, numbers),
          sum: jsonDouble(p.sum),
          quantileValues: p.quantileValues.map((q) => ({
            quantile: jsonDouble(q.quantile),
            value: jsonDouble(q.value),
          })),
        })),
      };
      break;
  }
  return { name: m.name, description: m.description, unit: m.unit, [d.type]: data };
}

/** OTLP/JSON ExportMetricsServiceRequest. */
export function metricsJson(req: MetricsRequest, numbers = false): Record<string, unknown> {
  return {
    resourceMetrics: req.resourceMetrics.map((rm) => ({
      ...(rm.resource ? { resource: resourceJson(rm.resource) } : {}),
      scopeMetrics: rm.scopeMetrics.map((sm) => ({
        ...(sm.scope ? { scope: scopeJson(sm.scope) } : {}),
        metrics: sm.metrics.map((m) => metricJson(m, numbers)),
      })),
    })),
  };
}

/** A plain, valid log record for hand-written cases. */
export function simpleLog(body: string, extra: Partial<LogRecord> = {}): LogRecord {
  return {
    timeUnixNano: 1_700_000_000_000_000_000n,
    observedTimeUnixNano: 0n,
    severityNumber: 9,
    severityText: '',
    body: { kind: 'string', value: body },
    attributes: [],
    flags: 0,
    traceId: new Uint8Array(0),
    spanId: new Uint8Array(0),
    eventName: '',
    ...extra,
  };
}

/** One resource (service.name) with one scope holding the records. */
export function logsRequest(service: string, records: LogRecord[]): LogsRequest {
  return {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { kind: 'string', value: service } }] },
        scopeLogs: [{ scope: { name: 'test', version: '1' }, logRecords: records }],
      },
    ],
  };
}

export function metricsRequest(service: string, metrics: Metric[]): MetricsRequest {
  return {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { kind: 'string', value: service } }] },
        scopeMetrics: [{ scope: { name: 'test', version: '1' }, metrics }],
      },
    ],
  };
}

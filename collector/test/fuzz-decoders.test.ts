import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LOG_INSERT_COLUMN_SPECS, LOG_RESOURCE_COLUMNS, type ColumnSpec } from '../../core/src/index.ts';
import {
  decodeLogsJson,
  decodeLogsProto,
  decodeMetricsJson,
  decodeMetricsProto,
  newBatchKey,
  severityFromText,
  severityText,
  type DecodeContext,
  type DecodeOutcome,
} from '../src/index.ts';
import {
  encodeLogsProto,
  encodeMetricsProto,
  logsJson,
  logsRequest,
  metricsJson,
  metricsRequest,
  simpleLog,
  type AnyVal,
  type Buckets,
  type ExpHistogramPoint,
  type HistogramPoint,
  type KV,
  type LogRecord,
  type LogsRequest,
  type Metric,
  type MetricsRequest,
  type NumberPoint,
  type Resource,
  type Scope,
  type SummaryPoint,
} from './helpers/otlp-model.ts';
import { decodeContext } from './helpers/decode-context.ts';
import { expectSameBytes } from './helpers/row-bytes.ts';

/**
 * Property tests of the four OTLP decoders, called directly (no ClickHouse):
 * hostile input only ever fails with HUB_OTLP_PAYLOAD_INVALID, and the
 * protobuf and JSON paths turn the same request into the same RowBinary bytes.
 */

const RECEIVED = 1_700_000_000_500_000_000n;

function ctx(batchKey = newBatchKey(), received = 0n): DecodeContext {
  return decodeContext(batchKey, received);
}

/** Runs a decode of hostile input: it may succeed or fail with the payload error, nothing else, and must not hang. */
function survives(decode: () => DecodeOutcome): void {
  const started = performance.now();
  let outcome: DecodeOutcome | undefined;
  try {
    outcome = decode();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code !== 'HUB_OTLP_PAYLOAD_INVALID') {
      throw new Error(`decoder threw ${(err as Error).name} (${String(code)}): ${(err as Error).message}`, {
        cause: err,
      });
    }
    expect((err as { statusCode?: number }).statusCode).toBe(400);
  }
  // Generous: a decode of a few KB takes well under a millisecond.
  expect(performance.now() - started).toBeLessThan(2000);
  if (outcome) {
    // Whatever was accepted is exactly what the tables hold.
    const rows = (outcome.tables.logs?.rows ?? 0) + (outcome.tables.metric_samples?.rows ?? 0);
    expect(rows).toBe(outcome.accepted);
    expect(outcome.rejected).toBeGreaterThanOrEqual(0);
  }
}

// ---- arbitraries of valid requests ----

const text = (maxLength = 12, minLength = 0): fc.Arbitrary<string> =>
  fc.string({ unit: 'binary', minLength, maxLength });

const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };
const UINT32 = { min: 0, max: 0xffffffff };

const nanos = fc.oneof(
  fc.constant(0n),
  fc.bigInt({ min: 1_600_000_000_000_000_000n, max: 1_900_000_000_000_000_000n }),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
);

const attrKey = fc.oneof(
  { weight: 4, arbitrary: text(10) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'service.name',
      'service.version',
      'deployment.environment.name',
      'host.name',
      'http.response.status_code',
      'http.status_code',
      '__proto__',
      'constructor',
      '',
    ),
  },
);

const { anyValue, keyValue } = fc.letrec<{ anyValue: AnyVal; keyValue: KV }>((tie) => ({
  anyValue: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    text(24).map((value): AnyVal => ({ kind: 'string', value })),
    fc.boolean().map((value): AnyVal => ({ kind: 'bool', value })),
    fc
      .oneof(fc.bigInt(INT64), fc.integer({ min: 100, max: 599 }).map(BigInt))
      .map((value): AnyVal => ({ kind: 'int', value })),
    fc.double().map((value): AnyVal => ({ kind: 'double', value })),
    fc.uint8Array({ maxLength: 12 }).map((value): AnyVal => ({ kind: 'bytes', value })),
    fc.constant<AnyVal>({ kind: 'empty' }),
    fc.array(tie('anyValue'), { maxLength: 3 }).map((values): AnyVal => ({ kind: 'array', values })),
    fc.array(tie('keyValue'), { maxLength: 3 }).map((values): AnyVal => ({ kind: 'kvlist', values })),
  ),
  keyValue: fc.record({ key: attrKey, value: tie('anyValue') }, { requiredKeys: ['key'] }),
}));

const attributes = fc.array(keyValue, { maxLength: 5 });

const resource: fc.Arbitrary<Resource> = fc.record(
  { attributes, droppedAttributesCount: fc.nat({ max: 10 }) },
  { requiredKeys: ['attributes'] },
);

const scope: fc.Arbitrary<Scope> = fc.record(
  { name: text(8), version: text(4), attributes: fc.array(keyValue, { maxLength: 2 }) },
  { requiredKeys: ['name', 'version'] },
);

const id = (bytes: number): fc.Arbitrary<Uint8Array> =>
  fc.oneof(
    fc.constant(new Uint8Array(0)),
    fc.constant(new Uint8Array(bytes)),
    fc.uint8Array({ minLength: bytes, maxLength: bytes }),
  );

const logRecord: fc.Arbitrary<LogRecord> = fc
  .record(
    {
      timeUnixNano: nanos,
      observedTimeUnixNano: nanos,
      severityNumber: fc.integer({ min: 0, max: 24 }),
      severityText: fc.oneof(fc.constantFrom('', 'warn', 'ERROR', ' info ', 'notice', 'Custom'), text(6)),
      body: anyValue,
      attributes,
      droppedAttributesCount: fc.nat({ max: 5 }),
      flags: fc.integer(UINT32),
      traceId: id(16),
      spanId: id(8),
      eventName: fc.oneof(fc.constant(''), text(10)),
    },
    {
      requiredKeys: ['timeUnixNano', 'observedTimeUnixNano', 'severityNumber', 'severityText', 'attributes'],
    },
  )
  .map((r) => ({ flags: 0, traceId: new Uint8Array(0), spanId: new Uint8Array(0), eventName: '', ...r }));

const logsRequestArb: fc.Arbitrary<LogsRequest> = fc.record({
  resourceLogs: fc.array(
    fc.record(
      {
        resource,
        scopeLogs: fc.array(
          fc.record(
            { scope, logRecords: fc.array(logRecord, { maxLength: 4 }), schemaUrl: text(6) },
            { requiredKeys: ['logRecords'] },
          ),
          { maxLength: 3 },
        ),
        schemaUrl: text(6),
      },
      { requiredKeys: ['scopeLogs'] },
    ),
    { maxLength: 3 },
  ),
});

const countRecords = (req: LogsRequest): number =>
  req.resourceLogs.reduce((n, rl) => n + rl.scopeLogs.reduce((m, sl) => m + sl.logRecords.length, 0), 0);

const maybe = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });
const count = fc.maxSafeNat();
const pointBase = {
  attributes: fc.array(keyValue, { maxLength: 3 }),
  startTimeUnixNano: nanos,
  timeUnixNano: nanos,
  flags: fc.oneof(fc.constantFrom(0, 1), fc.integer(UINT32)),
};

const numberPoint: fc.Arbitrary<NumberPoint> = fc.record({
  ...pointBase,
  value: maybe(
    fc.oneof(
      fc.double().map((double) => ({ double })),
      fc.bigInt(INT64).map((int) => ({ int })),
    ),
  ),
});

const histogramPoint: fc.Arbitrary<HistogramPoint> = fc
  .array(fc.double(), { maxLength: 5 })
  .chain((explicitBounds) =>
    fc.record({
      ...pointBase,
      count,
      sum: maybe(fc.double()),
      explicitBounds: fc.constant(explicitBounds),
      bucketCounts: fc.oneof(
        fc.constant<number[]>([]),
        fc.array(count, { minLength: explicitBounds.length + 1, maxLength: explicitBounds.length + 1 }),
      ),
      min: maybe(fc.double()),
      max: maybe(fc.double()),
    }),
  );

const buckets: fc.Arbitrary<Buckets> = fc.record({
  offset: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  bucketCounts: fc.array(count, { maxLength: 5 }),
});

const expHistogramPoint: fc.Arbitrary<ExpHistogramPoint> = fc.record({
  ...pointBase,
  count,
  sum: maybe(fc.double()),
  scale: fc.integer({ min: -10, max: 20 }),
  zeroCount: count,
  positive: maybe(buckets),
  negative: maybe(buckets),
  min: maybe(fc.double()),
  max: maybe(fc.double()),
});

const summaryPoint: fc.Arbitrary<SummaryPoint> = fc.record({
  ...pointBase,
  count,
  sum: fc.double(),
  quantileValues: fc.array(
    fc.record({ quantile: fc.double({ min: 0, max: 1, noNaN: true }), value: fc.double() }),
    { maxLength: 4 },
  ),
});

const points = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T[]> => fc.array(arb, { maxLength: 3 });
const temporality = fc.integer({ min: 0, max: 2 });

const metric: fc.Arbitrary<Metric> = fc.record({
  name: fc.oneof(fc.constantFrom('http.server.duration', 'queue.depth'), text(12, 1)),
  description: text(10),
  unit: fc.oneof(fc.constantFrom('', 'ms', '{request}', 'By'), text(4)),
  data: fc.oneof(
    points(numberPoint).map((dataPoints) => ({ type: 'gauge' as const, dataPoints })),
    fc.record({
      type: fc.constant('sum' as const),
      temporality,
      monotonic: fc.boolean(),
      dataPoints: points(numberPoint),
    }),
    fc.record({ type: fc.constant('histogram' as const), temporality, dataPoints: points(histogramPoint) }),
    fc.record({
      type: fc.constant('exponentialHistogram' as const),
      temporality,
      dataPoints: points(expHistogramPoint),
    }),
    points(summaryPoint).map((dataPoints) => ({ type: 'summary' as const, dataPoints })),
  ),
});

const metricsRequestArb: fc.Arbitrary<MetricsRequest> = fc.record({
  resourceMetrics: fc.array(
    fc.record(
      {
        resource,
        scopeMetrics: fc.array(
          fc.record({ scope, metrics: fc.array(metric, { maxLength: 3 }) }, { requiredKeys: ['metrics'] }),
          { maxLength: 2 },
        ),
      },
      { requiredKeys: ['scopeMetrics'] },
    ),
    { maxLength: 2 },
  ),
});

const countPoints = (req: MetricsRequest): number =>
  req.resourceMetrics.reduce(
    (n, rm) =>
      n +
      rm.scopeMetrics.reduce(
        (m, sm) => m + sm.metrics.reduce((k, mt) => k + mt.data.dataPoints.length, 0),
        0,
      ),
    0,
  );

// ---- mutations ----

type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'overwrite'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; len: number }
  | { op: 'duplicate'; at: number; len: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat({ max: 7 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    op: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({
    op: fc.constant('overwrite' as const),
    at: fc.nat(),
    bytes: fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 4 }),
      // Length prefixes and tags that stress the framing: huge varints, groups, bad wire types.
      fc.constantFrom(
        Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f),
        Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01),
        Uint8Array.of(0x0b),
        Uint8Array.of(0x0c),
        Uint8Array.of(0x0f),
        Uint8Array.of(0x00),
      ),
    ),
  }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 64 }) }),
);

function mutate(input: Buffer, mutations: readonly Mutation[]): Buffer {
  let buf = Buffer.from(input);
  for (const m of mutations) {
    const at = buf.length === 0 ? 0 : m.at % (buf.length + 1);
    switch (m.op) {
      case 'flip':
        if (at < buf.length) buf[at] = (buf[at] as number) ^ (1 << m.bit);
        break;
      case 'truncate':
        buf = buf.subarray(0, at);
        break;
      case 'insert':
        buf = Buffer.concat([buf.subarray(0, at), m.bytes, buf.subarray(at)]);
        break;
      case 'overwrite':
        buf = Buffer.concat([buf.subarray(0, at), m.bytes, buf.subarray(at + m.bytes.length)]);
        break;
      case 'delete':
        buf = Buffer.concat([buf.subarray(0, at), buf.subarray(at + m.len)]);
        break;
      case 'duplicate':
        buf = Buffer.concat([
          buf.subarray(0, at + m.len),
          buf.subarray(at, at + m.len),
          buf.subarray(at + m.len),
        ]);
        break;
    }
  }
  return buf;
}

type JsonPath = Array<string | number>;

function jsonPaths(value: unknown, prefix: JsonPath = [], out: JsonPath[] = []): JsonPath[] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => jsonPaths(v, [...prefix, i], out));
  else if (typeof value === 'object' && value !== null)
    for (const [k, v] of Object.entries(value)) jsonPaths(v, [...prefix, k], out);
  return out;
}

/** A copy of root with the value at path replaced (or removed when replacement is undefined). */
function replaceAt(root: unknown, path: JsonPath, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (replacement === undefined) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else node[last] = replacement;
  return copy;
}

const nastyJson = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    undefined,
    null,
    0,
    -1,
    1.5,
    2 ** 64,
    -(2 ** 63),
    1e308,
    '',
    'x',
    'NaN',
    '-1',
    '18446744073709551616',
    '0x10',
    'toString',
    'constructor',
    '__proto__',
    'AGGREGATION_TEMPORALITY_DELTA',
    'SEVERITY_NUMBER_WARN',
    [],
    {},
    [null],
    true,
    { stringValue: 5 },
    { arrayValue: { values: 'x' } },
    { kvlistValue: [{ key: 1 }] },
  ),
);

/** A valid request as JSON with up to three of its values replaced or removed. */
const mutatedJson = <T>(
  valid: fc.Arbitrary<T>,
  toJson: (req: T) => Record<string, unknown>,
): fc.Arbitrary<unknown> =>
  fc
    .tuple(valid, fc.array(fc.tuple(fc.nat(), nastyJson), { minLength: 1, maxLength: 3 }))
    .map(([req, edits]) => {
      let doc: unknown = toJson(req);
      for (const [pick, replacement] of edits) {
        const paths = jsonPaths(doc);
        doc = replaceAt(doc, paths[pick % paths.length] as JsonPath, replacement);
      }
      // What a client could actually send: JSON text parsed back (no undefined, no -0).
      return JSON.parse(JSON.stringify(doc ?? null)) as unknown;
    });

// ---- a RowBinary reader for log rows (an oracle independent of the encoder) ----

class RowBinaryReader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): number {
    let result = 0;
    let shift = 1;
    for (;;) {
      const b = this.buf[this.pos++] as number;
      result += (b & 0x7f) * shift;
      if (b < 0x80) return result;
      shift *= 128;
    }
  }
  string(): string {
    const n = this.varint();
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
  value(type: string): unknown {
    switch (type) {
      case 'UInt8':
        return this.buf.readUInt8((this.pos += 1) - 1);
      case 'UInt16':
        return this.buf.readUInt16LE((this.pos += 2) - 2);
      case 'UInt32':
      case 'DateTime':
        return this.buf.readUInt32LE((this.pos += 4) - 4);
      case 'UInt64':
        return this.buf.readBigUInt64LE((this.pos += 8) - 8);
      case 'Float64':
        return this.buf.readDoubleLE((this.pos += 8) - 8);
      case 'String':
        return this.string();
      default: {
        const inner = /^Array\((.+)\)$/.exec(type)?.[1];
        if (!inner) throw new Error(`no reader for ${type}`);
        return Array.from({ length: this.varint() }, () => this.value(inner));
      }
    }
  }
}

function readRows(bytes: Buffer, columns: readonly ColumnSpec[]): Array<Record<string, unknown>> {
  const r = new RowBinaryReader(bytes);
  const rows: Array<Record<string, unknown>> = [];
  while (!r.done) {
    const row: Record<string, unknown> = {};
    for (const col of columns) row[col.name] = r.value(col.type);
    rows.push(row);
  }
  return rows;
}

/**
 * A logs outcome's rows, each with its resource's attributes looked up by
 * fingerprint in the outcome's log_resources rows (as a reader joins them).
 */
function readLogRows(outcome: DecodeOutcome): Array<Record<string, unknown>> {
  const resources = new Map<string, Record<string, unknown>>();
  for (const res of readRows(outcome.tables.log_resources?.bytes ?? Buffer.alloc(0), LOG_RESOURCE_COLUMNS)) {
    resources.set(String(res['fingerprint']), res);
  }
  return readRows(outcome.tables.logs?.bytes as Buffer, LOG_INSERT_COLUMN_SPECS).map((row) => {
    const { resource_fingerprint: fp, ...rest } = row;
    const res = resources.get(String(fp));
    if (!res) throw new Error(`no log_resources row for fingerprint ${String(fp)}`);
    return { ...rest, resource_keys: res['resource_keys'], resource_values: res['resource_values'] };
  });
}

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

const numberText = (n: number): string =>
  Number.isFinite(n) ? String(n) : Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity';

/** How the hub renders an AnyValue, written from the spec of the format rather than the decoder. */
function expectedJson(v: AnyVal): Json {
  switch (v.kind) {
    case 'string':
      return v.value;
    case 'bool':
      return v.value;
    case 'int':
      return Number.isSafeInteger(Number(v.value)) ? Number(v.value) : v.value.toString();
    case 'double':
      return Number.isFinite(v.value) ? v.value : numberText(v.value);
    case 'bytes':
      return Buffer.from(v.value).toString('base64');
    case 'empty':
      return null;
    case 'array':
      return v.values.map(expectedJson);
    case 'kvlist': {
      // Every key is kept as an own property, '__proto__' included; the last duplicate wins.
      const obj: { [k: string]: Json } = {};
      for (const kv of v.values) {
        Object.defineProperty(obj, kv.key, {
          value: kv.value ? expectedJson(kv.value) : null,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return obj;
    }
  }
}

function expectedText(v: AnyVal | undefined): string {
  if (!v) return '';
  const j = expectedJson(v);
  if (typeof j === 'string') return j;
  if (typeof j === 'number') return numberText(j);
  if (typeof j === 'boolean') return j ? 'true' : 'false';
  if (j === null) return '';
  return JSON.stringify(j);
}

function expectedNumber(v: AnyVal | undefined): number | undefined {
  const j = v && (v.kind === 'int' || v.kind === 'double') ? expectedJson(v) : undefined;
  return typeof j === 'number' ? j : undefined;
}

function hexId(b: Uint8Array): string {
  return b.some((x) => x !== 0) ? Buffer.from(b).toString('hex') : '';
}

function expectedLogRows(req: LogsRequest, batchKey: number): Array<Record<string, unknown>> {
  const rows: Array<Record<string, unknown>> = [];
  for (const rl of req.resourceLogs) {
    const res = rl.resource?.attributes ?? [];
    const resGet = (k: string): string | undefined => {
      const kv = res.find((a) => a.key === k);
      return kv ? expectedText(kv.value) : undefined;
    };
    for (const sl of rl.scopeLogs) {
      for (const r of sl.logRecords) {
        const observed = r.observedTimeUnixNano || RECEIVED;
        const time = r.timeUnixNano || observed;
        let sevNum = r.severityNumber;
        if (sevNum === 0 && r.severityText !== '') sevNum = severityFromText(r.severityText);
        const numeric = r.attributes.filter((a) => expectedNumber(a.value) !== undefined);
        const num = (k: string): number | undefined => {
          const kv = numeric.find((a) => a.key === k);
          return kv ? expectedNumber(kv.value) : undefined;
        };
        const status = num('http.response.status_code') ?? num('http.status_code');
        rows.push({
          id: (BigInt(batchKey) << 24n) + BigInt(rows.length),
          timestamp: Math.min(Number(time / 1_000_000_000n), 4294967295),
          time_unix_nano: time,
          observed_time_unix_nano: observed,
          severity_number: sevNum,
          severity_text: r.severityText === '' ? severityText(sevNum) : r.severityText,
          body: expectedText(r.body),
          trace_id: hexId(r.traceId),
          span_id: hexId(r.spanId),
          flags: r.flags,
          event_name: r.eventName,
          http_status:
            status !== undefined && Number.isInteger(status) && status >= 100 && status <= 999 ? status : 0,
          attr_keys: r.attributes.map((a) => a.key),
          attr_values: r.attributes.map((a) => expectedText(a.value)),
          attr_num_keys: numeric.map((a) => a.key),
          attr_num_values: numeric.map((a) => expectedNumber(a.value)),
          service_name: resGet('service.name') || 'unknown_service',
          service_version: resGet('service.version') ?? '',
          service_namespace: resGet('service.namespace') ?? '',
          service_instance_id: resGet('service.instance.id') ?? '',
          environment: resGet('deployment.environment.name') ?? resGet('deployment.environment') ?? '',
          host_name: resGet('host.name') ?? '',
          scope_name: sl.scope?.name ?? '',
          scope_version: sl.scope?.version ?? '',
          resource_keys: res.map((a) => a.key),
          resource_values: res.map((a) => expectedText(a.value)),
        });
      }
    }
  }
  return rows;
}

const opts = (numRuns: number): fc.Parameters<unknown> => ({ numRuns });

describe('decoders under hostile input', () => {
  it('(a) arbitrary bytes only ever fail with HUB_OTLP_PAYLOAD_INVALID', () => {
    for (const decode of [decodeLogsProto, decodeMetricsProto]) {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => {
          survives(() => decode(Buffer.from(bytes), ctx()));
        }),
        {
          ...opts(600),
          examples: [[new Uint8Array(0)], [Uint8Array.of(0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f)]],
        },
      );
    }
  });

  it('(a) mutated valid protobuf logs requests only ever fail with HUB_OTLP_PAYLOAD_INVALID', () => {
    fc.assert(
      fc.property(
        logsRequestArb,
        fc.boolean(),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (req, parentLast, mutations) => {
          const buf = mutate(encodeLogsProto(req, { parentLast }), mutations);
          survives(() => decodeLogsProto(buf, ctx()));
        },
      ),
      opts(800),
    );
  });

  it('(a) mutated valid protobuf metrics requests only ever fail with HUB_OTLP_PAYLOAD_INVALID', () => {
    fc.assert(
      fc.property(
        metricsRequestArb,
        fc.boolean(),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (req, packed, mutations) => {
          const buf = mutate(encodeMetricsProto(req, { packed }), mutations);
          survives(() => decodeMetricsProto(buf, ctx()));
        },
      ),
      opts(800),
    );
  });

  it('(b) arbitrary JSON values only ever fail with HUB_OTLP_PAYLOAD_INVALID', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        survives(() => decodeLogsJson(value, ctx()));
        survives(() => decodeMetricsJson(value, ctx()));
        // The same values where the decoders look for the request's parts.
        survives(() => decodeLogsJson({ resourceLogs: [value] }, ctx()));
        survives(() => decodeLogsJson({ resourceLogs: [{ resource: value, scopeLogs: [value] }] }, ctx()));
        survives(() =>
          decodeLogsJson({ resourceLogs: [{ scopeLogs: [{ scope: value, logRecords: [value] }] }] }, ctx()),
        );
        survives(() =>
          decodeMetricsJson({ resourceMetrics: [{ resource: value, scopeMetrics: [value] }] }, ctx()),
        );
        survives(() =>
          decodeMetricsJson({ resourceMetrics: [{ scopeMetrics: [{ metrics: [value] }] }] }, ctx()),
        );
      }),
      opts(500),
    );
  });

  it('(b) mutated valid JSON logs requests only ever fail with HUB_OTLP_PAYLOAD_INVALID', () => {
    fc.assert(
      fc.property(
        mutatedJson(logsRequestArb, (r) => logsJson(r)),
        (doc) => survives(() => decodeLogsJson(doc, ctx())),
      ),
      opts(800),
    );
  });

  it('(b) mutated valid JSON metrics requests only ever fail with HUB_OTLP_PAYLOAD_INVALID', () => {
    fc.assert(
      fc.property(
        mutatedJson(metricsRequestArb, (r) => metricsJson(r)),
        (doc) => survives(() => decodeMetricsJson(doc, ctx())),
      ),
      opts(800),
    );
  });

  it('a resource with too many attributes fails the request the same way in both formats', () => {
    const attrs: KV[] = Array.from({ length: 2000 }, (_, i) => ({
      key: `k${i}`,
      value: { kind: 'bool', value: true },
    }));
    const req: LogsRequest = { resourceLogs: [{ resource: { attributes: attrs }, scopeLogs: [] }] };
    const mreq: MetricsRequest = { resourceMetrics: [{ resource: { attributes: attrs }, scopeMetrics: [] }] };
    for (const decode of [
      () => decodeLogsProto(encodeLogsProto(req), ctx()),
      () => decodeLogsJson(logsJson(req), ctx()),
      () => decodeMetricsProto(encodeMetricsProto(mreq), ctx()),
      () => decodeMetricsJson(metricsJson(mreq), ctx()),
    ]) {
      expect(decode).toThrow(expect.objectContaining({ code: 'HUB_OTLP_PAYLOAD_INVALID' }));
      expect(decode).toThrow(/more than 1024 attributes/);
    }
  });

  it('a resource that is not an object is a payload error, not a crash', () => {
    for (const resource of [5, 'x', true]) {
      const decode = (): unknown => decodeLogsJson({ resourceLogs: [{ resource }] }, ctx());
      expect(decode).toThrow(expect.objectContaining({ code: 'HUB_OTLP_PAYLOAD_INVALID' }));
      expect(decode).toThrow(/resource must be an object/);
      expect(() => decodeMetricsJson({ resourceMetrics: [{ resource }] }, ctx())).toThrow(
        expect.objectContaining({ code: 'HUB_OTLP_PAYLOAD_INVALID' }),
      );
    }
  });
});

describe('protobuf and JSON decode to the same rows', () => {
  it('(c) random log requests: every record accepted, identical RowBinary, fields as sent', () => {
    fc.assert(
      fc.property(logsRequestArb, fc.boolean(), fc.boolean(), (req, parentLast, numbers) => {
        const key = newBatchKey();
        const n = countRecords(req);
        const proto = decodeLogsProto(encodeLogsProto(req, { parentLast }), ctx(key, RECEIVED));
        const json = decodeLogsJson(JSON.parse(JSON.stringify(logsJson(req, numbers))), ctx(key, RECEIVED));
        expect(proto.errorMessage).toBe('');
        expect(json.errorMessage).toBe('');
        expect([proto.accepted, proto.rejected]).toEqual([n, 0]);
        expect([json.accepted, json.rejected]).toEqual([n, 0]);
        expectSameBytes(proto.tables.logs?.bytes, json.tables.logs?.bytes, 'logs');
        expectSameBytes(proto.tables.log_resources?.bytes, json.tables.log_resources?.bytes, 'log_resources');
        if (n > 0) expect(readLogRows(proto)).toEqual(expectedLogRows(req, key));
      }),
      opts(500),
    );
  });

  it('(d) random metrics requests: every point accepted, identical sample and series rows', () => {
    fc.assert(
      fc.property(
        metricsRequestArb,
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        (req, parentLast, packed, numbers) => {
          const key = newBatchKey();
          const n = countPoints(req);
          const proto = decodeMetricsProto(
            encodeMetricsProto(req, { parentLast, packed }),
            ctx(key, RECEIVED),
          );
          const json = decodeMetricsJson(
            JSON.parse(JSON.stringify(metricsJson(req, numbers))),
            ctx(key, RECEIVED),
          );
          expect(proto.errorMessage).toBe('');
          expect(json.errorMessage).toBe('');
          expect([proto.accepted, proto.rejected]).toEqual([n, 0]);
          expect([json.accepted, json.rejected]).toEqual([n, 0]);
          expect(proto.tables.metric_samples?.rows ?? 0).toBe(n);
          expect(proto.tables.metric_series?.rows ?? 0).toBe(json.tables.metric_series?.rows ?? 0);
          expectSameBytes(
            proto.tables.metric_samples?.bytes,
            json.tables.metric_samples?.bytes,
            'metric_samples',
          );
          expectSameBytes(
            proto.tables.metric_series?.bytes,
            json.tables.metric_series?.bytes,
            'metric_series',
          );
        },
      ),
      opts(500),
    );
  });

  it('kvlist keys that are Object.prototype names are kept', () => {
    const body: AnyVal = {
      kind: 'kvlist',
      values: [
        { key: '__proto__', value: { kind: 'string', value: 'x' } },
        { key: 'constructor', value: { kind: 'int', value: 1n } },
        {
          key: 'b',
          value: { kind: 'kvlist', values: [{ key: '__proto__', value: { kind: 'bool', value: true } }] },
        },
      ],
    };
    const req = logsRequest('kv', [simpleLog('', { body })]);
    for (const outcome of [
      decodeLogsProto(encodeLogsProto(req), ctx()),
      decodeLogsJson(logsJson(req), ctx()),
    ]) {
      const [row] = readLogRows(outcome);
      expect(row?.['body']).toBe('{"__proto__":"x","constructor":1,"b":{"__proto__":true}}');
    }
  });

  it('an aggregation temporality outside the enum rejects the point in both formats', () => {
    const sum = (temporality: number): Metric => ({
      name: 'requests',
      description: '',
      unit: '',
      data: {
        type: 'sum',
        temporality,
        monotonic: true,
        dataPoints: [
          { attributes: [], startTimeUnixNano: 0n, timeUnixNano: 1n, flags: 0, value: { double: 1 } },
        ],
      },
    });
    for (const t of [-1, 3, 7]) {
      const req = metricsRequest('svc', [sum(t), sum(2)]);
      for (const outcome of [
        decodeMetricsProto(encodeMetricsProto(req), ctx()),
        ...(t >= 0 ? [decodeMetricsJson(metricsJson(req), ctx())] : []),
      ]) {
        expect([outcome.accepted, outcome.rejected]).toEqual([1, 1]);
        expect(outcome.errorMessage).toMatch(/aggregation temporality/);
      }
    }
    // Enum names are looked up as names, not as any property of the lookup table.
    const doc = metricsJson(metricsRequest('svc', [sum(1)]));
    const data = (
      doc as { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ sum: Record<string, unknown> }] }] }] }
    ).resourceMetrics[0].scopeMetrics[0].metrics[0].sum;
    for (const name of ['toString', 'constructor', '__proto__']) {
      data['aggregationTemporality'] = name;
      const outcome = decodeMetricsJson(structuredClone(doc), ctx());
      expect([outcome.accepted, outcome.rejected]).toEqual([0, 1]);
    }
    data['aggregationTemporality'] = 'AGGREGATION_TEMPORALITY_DELTA';
    expect(decodeMetricsJson(doc, ctx()).accepted).toBe(1);
  });
});

import http2 from 'node:http2';
import { gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs/minimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../core/src/index.ts';
import { eventually, startTestCollector, type TestCollector } from '../../test/helpers/collector.ts';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import {
  encodeLogsProto,
  encodeMetricsProto,
  logsJson,
  logsRequest,
  metricsJson,
  metricsRequest,
  simpleLog,
  type HistogramPoint,
  type KV,
  type LogRecord,
  type Metric,
} from './helpers/otlp-model.ts';

/**
 * Hostile input over real sockets (OTLP/HTTP and OTLP/gRPC) into a real
 * ClickHouse: each bad request gets a precise 4xx with a google.rpc.Status body
 * in the request's content type, while a well-behaved client keeps sending the
 * whole time and loses nothing.
 */

const PROTO = 'application/x-protobuf';
const JSON_TYPE = 'application/json';
const LOGS_PATH = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';
const MAX_BODY = 4 * 1024 * 1024;
const GRPC_INVALID_ARGUMENT = 3;
const GRPC_UNAUTHENTICATED = 16;

interface Reply {
  status: number;
  headers: Headers;
  body: Buffer;
}

async function post(
  url: string,
  body: Buffer | string,
  headers: Record<string, string>,
  path = '/v1/logs',
): Promise<Reply> {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers, body });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** google.rpc.Status { code = 1; message = 2 } from either encoding. */
function decodeStatus(reply: Reply, format: 'proto' | 'json'): { code: number; message: string } {
  if (format === 'json') {
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    const parsed = JSON.parse(reply.body.toString('utf8')) as { code: unknown; message: unknown };
    expect(typeof parsed.code).toBe('number');
    expect(typeof parsed.message).toBe('string');
    return { code: parsed.code as number, message: parsed.message as string };
  }
  expect(reply.headers.get('content-type')).toMatch(/^application\/x-protobuf/);
  return decodeStatusProto(reply.body);
}

function decodeStatusProto(buf: Buffer): { code: number; message: string } {
  const r = protobuf.Reader.create(buf);
  let code = 0;
  let message = '';
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | 0)) code = r.int32();
    else if (tag === ((2 << 3) | 2)) message = r.string();
    else r.skipType(tag & 7);
  }
  return { code, message };
}

/** Export*ServiceResponse { partial_success = 1 { rejected = 1; error_message = 2 } }. */
function decodePartialProto(buf: Buffer): { rejected: number; errorMessage: string } {
  const r = protobuf.Reader.create(buf);
  const out = { rejected: 0, errorMessage: '' };
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag !== ((1 << 3) | 2)) {
      r.skipType(tag & 7);
      continue;
    }
    const end = r.uint32() + r.pos;
    while (r.pos < end) {
      const t = r.uint32();
      if (t === ((1 << 3) | 0)) out.rejected = Number(r.int64());
      else if (t === ((2 << 3) | 2)) out.errorMessage = r.string();
      else r.skipType(t & 7);
    }
  }
  return out;
}

function expectError(
  reply: Reply,
  status: number,
  format: 'proto' | 'json',
  message: RegExp,
  grpcCode = GRPC_INVALID_ARGUMENT,
): void {
  expect(reply.status, reply.body.toString('utf8')).toBe(status);
  const s = decodeStatus(reply, format);
  expect(s.code).toBe(grpcCode);
  expect(s.message).toMatch(message);
}

/** Deterministic "random" bytes (xorshift32), so a failure replays. */
function garbage(n: number, seed = 0x9e3779b9): Buffer {
  const out = Buffer.alloc(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

const tag = (field: number, wire: number): number => (field << 3) | wire;

/** ExportLogsServiceRequest with one record whose body AnyValue is written by `body`. */
function logWithBody(body: (w: protobuf.Writer) => void): Buffer {
  const w = protobuf.Writer.create();
  w.uint32(tag(1, 2)).fork(); // resource_logs
  w.uint32(tag(2, 2)).fork(); // scope_logs
  w.uint32(tag(2, 2)).fork(); // log_records
  w.uint32(tag(5, 2)).fork(); // body
  body(w);
  w.ldelim().ldelim().ldelim().ldelim();
  return Buffer.from(w.finish());
}

function rpcStatusOf(err: grpc.ServiceError | null): { code: number; message: string } | undefined {
  const bin = err?.metadata?.get('grpc-status-details-bin')[0];
  return Buffer.isBuffer(bin) ? decodeStatusProto(bin) : undefined;
}

function unary(
  client: grpc.Client,
  body: Buffer,
  metadata = new grpc.Metadata(),
): Promise<{ err: grpc.ServiceError | null; response: Buffer | undefined }> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      LOGS_PATH,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      metadata,
      { deadline: Date.now() + 20_000 },
      (err, response) => resolve({ err, response }),
    );
  });
}

/** A client that keeps posting valid protobuf batches with unique bodies and remembers what was acknowledged. */
class ValidClient {
  readonly acknowledged: string[] = [];
  readonly failures: string[] = [];
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly url: string) {}

  start(): void {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    for (let batch = 0; !this.stopped; batch++) {
      const bodies = Array.from({ length: 25 }, (_, i) => `valid ${batch}.${i} ✓`);
      const body = encodeLogsProto(
        logsRequest(
          'valid-client',
          bodies.map((b) => simpleLog(b)),
        ),
      );
      try {
        const reply = await post(this.url, body, { 'content-type': PROTO });
        if (reply.status === 200) this.acknowledged.push(...bodies);
        else this.failures.push(`batch ${batch}: HTTP ${reply.status} ${reply.body.toString('latin1')}`);
      } catch (err) {
        this.failures.push(`batch ${batch}: ${(err as Error).message}`);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
}

describe('bad input gets a precise 4xx and nothing else is lost', () => {
  let t: TestDb;
  let c: TestCollector;
  let valid: ValidClient;
  let grpcClient: grpc.Client;
  /** Bodies of valid records sent alongside hostile ones (service "hostile-valid"): each must be stored once. */
  const storedAlongside: string[] = [];

  beforeAll(async () => {
    t = await createTestDb();
    c = await startTestCollector(t.db, { maxBodyBytes: MAX_BODY });
    grpcClient = new grpc.Client(c.grpcAddress, grpc.credentials.createInsecure());
    valid = new ValidClient(c.httpUrl);
    valid.start();
    // The hostile sequence starts only once the valid client is flowing.
    await eventually(() => Promise.resolve(valid.acknowledged.length > 0), 10_000, 'a first valid batch');
  });

  afterAll(async () => {
    await valid?.stop();
    grpcClient?.close();
    await c?.stop();
    await t?.drop();
  });

  it('truncated protobuf (a valid request cut in the middle) → 400', async () => {
    const whole = encodeLogsProto(logsRequest('hostile', [simpleLog('a'), simpleLog('b'), simpleLog('c')]));
    for (const cut of [Math.floor(whole.length / 2), whole.length - 1, 3]) {
      const reply = await post(c.httpUrl, whole.subarray(0, cut), { 'content-type': PROTO });
      expectError(reply, 400, 'proto', /^Invalid OTLP payload: .*(overruns|out of range)/);
    }
  });

  it('random garbage bytes → 400', async () => {
    for (const seed of [1, 2, 3]) {
      const reply = await post(c.httpUrl, garbage(1024, seed), { 'content-type': PROTO });
      expectError(reply, 400, 'proto', /^Invalid OTLP payload: ExportLogsServiceRequest: /);
    }
  });

  it('AnyValue nested 10,000 levels deep → 400, no stack overflow', async () => {
    const depth = 10_000;
    const proto = logWithBody((w) => {
      for (let i = 0; i < depth; i++) w.uint32(tag(5, 2)).fork().uint32(tag(1, 2)).fork();
      w.uint32(tag(1, 2)).string('leaf');
      for (let i = 0; i < depth; i++) w.ldelim().ldelim();
    });
    const reply = await post(c.httpUrl, proto, { 'content-type': PROTO });
    expectError(reply, 400, 'proto', /AnyValue nested deeper than 16/);

    const json =
      '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":' +
      '{"arrayValue":{"values":['.repeat(depth) +
      '{"stringValue":"leaf"}' +
      ']}}'.repeat(depth) +
      '}]}]}]}';
    const jsonReply = await post(c.httpUrl, json, { 'content-type': JSON_TYPE });
    expectError(jsonReply, 400, 'json', /AnyValue nested deeper than 16/);
  });

  it('invalid JSON → 400', async () => {
    const reply = await post(c.httpUrl, '{"resourceLogs": [', { 'content-type': JSON_TYPE });
    expectError(reply, 400, 'json', /^Invalid OTLP payload: malformed JSON/);
  });

  it('JSON of the wrong shape → 400', async () => {
    const cases: Array<[string, RegExp]> = [
      ['{"resourceLogs":"x"}', /resourceLogs must be an array/],
      ['[1,2]', /request body must be an object/],
      ['{"resourceLogs":[{"scopeLogs":{}}]}', /scopeLogs must be an array/],
      // Used to escape as a TypeError (500).
      ['{"resourceLogs":[{"resource":5}]}', /resource must be an object/],
    ];
    for (const [body, message] of cases) {
      const reply = await post(c.httpUrl, body, { 'content-type': JSON_TYPE });
      expectError(reply, 400, 'json', message);
    }
    const metrics = await post(
      c.httpUrl,
      '{"resourceMetrics":[{"resource":"x"}]}',
      {
        'content-type': JSON_TYPE,
      },
      '/v1/metrics',
    );
    expectError(metrics, 400, 'json', /resource must be an object/);
  });

  it('wrong or missing content type → 415', async () => {
    const body = encodeLogsProto(logsRequest('hostile', [simpleLog('x')]));
    expectError(
      await post(c.httpUrl, body, { 'content-type': 'text/plain' }),
      415,
      'proto',
      /Unsupported content type "text\/plain"/,
    );
    expectError(await post(c.httpUrl, body, {}), 415, 'proto', /Unsupported content type "\(none\)"/);
  });

  it('unknown Content-Encoding → 415; a body that is not the gzip it claims → 400', async () => {
    const body = encodeLogsProto(logsRequest('hostile', [simpleLog('x')]));
    expectError(
      await post(c.httpUrl, body, { 'content-type': PROTO, 'content-encoding': 'br' }),
      415,
      'proto',
      /Unsupported Content-Encoding "br"/,
    );
    expectError(
      await post(c.httpUrl, '{}', { 'content-type': JSON_TYPE, 'content-encoding': 'br' }),
      415,
      'json',
      /Unsupported Content-Encoding "br"/,
    );
    expectError(
      await post(c.httpUrl, body, { 'content-type': PROTO, 'content-encoding': 'gzip' }),
      400,
      'proto',
      /body is not valid gzip/,
    );
  });

  it('a gzip bomb (1 GiB of zeros in 1 MB) → 413 without inflating it', async () => {
    // Concatenated gzip members are one valid gzip stream: 64 × 16 MiB of zeros.
    const member = gzipSync(Buffer.alloc(16 * 1024 * 1024), { level: 9 });
    const bomb = Buffer.concat(Array.from({ length: 64 }, () => member));
    expect(bomb.length).toBeLessThan(MAX_BODY);
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 2);
    try {
      for (const type of [PROTO, JSON_TYPE]) {
        const reply = await post(c.httpUrl, bomb, { 'content-type': type, 'content-encoding': 'gzip' });
        expectError(
          reply,
          413,
          type === PROTO ? 'proto' : 'json',
          new RegExp(`Payload exceeds ${MAX_BODY} bytes after decompression`),
        );
      }
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, process.memoryUsage().rss);
    // Inflating the bomb would take 1 GiB; the limit stops it at 4 MiB.
    expect(peak - before).toBeLessThan(256 * 1024 * 1024);
  });

  it('a body over maxBodyBytes → 413', async () => {
    const big = Buffer.alloc(MAX_BODY + 1024, 0x0a);
    expectError(
      await post(c.httpUrl, big, { 'content-type': PROTO }),
      413,
      'proto',
      new RegExp(`Payload exceeds ${MAX_BODY} bytes`),
    );
    // Without Content-Length (chunked): the limit is counted while reading.
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let sent = 0; sent <= MAX_BODY; sent += chunk.length) controller.enqueue(chunk);
        controller.close();
      },
    });
    const res = await fetch(`${c.httpUrl}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': JSON_TYPE },
      body: stream,
      duplex: 'half',
    });
    const reply = { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
    expectError(reply, 413, 'json', new RegExp(`Payload exceeds ${MAX_BODY} bytes`));
  });

  it('invalid UTF-8 in a protobuf string field → 400 naming UTF-8', async () => {
    const body = logWithBody((w) => w.uint32(tag(1, 2)).bytes(Uint8Array.of(0x68, 0x69, 0xff, 0xfe)));
    expectError(
      await post(c.httpUrl, body, { 'content-type': PROTO }),
      400,
      'proto',
      /invalid UTF-8 in string_value/,
    );
    // An attribute key, too.
    const key = encodeLogsProto(logsRequest('hostile', [simpleLog('x', { attributes: [{ key: 'k' }] })]));
    const at = key.indexOf(Buffer.from([tag(1, 2), 1, 0x6b])); // KeyValue.key = "k"
    key[at + 2] = 0xc3; // a lead byte with no continuation
    expectError(
      await post(c.httpUrl, key, { 'content-type': PROTO }),
      400,
      'proto',
      /invalid UTF-8 in attribute key/,
    );
  });

  it('invalid UTF-8 in a JSON body → 400 naming UTF-8', async () => {
    const body = Buffer.concat([
      Buffer.from('{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}}]}]}]}'),
    ]);
    expectError(await post(c.httpUrl, body, { 'content-type': JSON_TYPE }), 400, 'json', /not valid UTF-8/);
  });

  const manyAttributes = (n: number): KV[] =>
    Array.from({ length: n }, (_, i) => ({ key: `a${i}`, value: { kind: 'bool', value: true } }));

  it('a record with 100,000 attributes → 400 alone, partial success beside valid records', async () => {
    const huge = simpleLog('huge', { attributes: manyAttributes(100_000) });
    const alone = logsRequest('hostile-valid', [huge]);
    expectError(
      await post(c.httpUrl, encodeLogsProto(alone), { 'content-type': PROTO }),
      400,
      'proto',
      /every item was rejected: log record rejected: more than 256 attributes/,
    );
    // Keys only in JSON, to stay under the body limit: the count is what matters.
    const hugeJson = simpleLog('huge', { attributes: manyAttributes(100_000).map(({ key }) => ({ key })) });
    const aloneJson = JSON.stringify(logsJson(logsRequest('hostile-valid', [hugeJson])));
    expect(aloneJson.length).toBeLessThan(MAX_BODY);
    expectError(
      await post(c.httpUrl, aloneJson, { 'content-type': JSON_TYPE }),
      400,
      'json',
      /every item was rejected: log record rejected: more than 256 attributes/,
    );

    const mixed = logsRequest('hostile-valid', [
      simpleLog('beside-huge-1'),
      huge,
      simpleLog('beside-huge-2'),
    ]);
    const reply = await post(c.httpUrl, encodeLogsProto(mixed), { 'content-type': PROTO });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^application\/x-protobuf/);
    expect(decodePartialProto(reply.body)).toEqual({
      rejected: 1,
      errorMessage: 'log record rejected: more than 256 attributes',
    });
    storedAlongside.push('beside-huge-1', 'beside-huge-2');

    const mixedJson = logsRequest('hostile-valid', [simpleLog('beside-huge-json'), hugeJson]);
    const jsonReply = await post(c.httpUrl, JSON.stringify(logsJson(mixedJson)), {
      'content-type': JSON_TYPE,
    });
    expect(jsonReply.status).toBe(200);
    expect(JSON.parse(jsonReply.body.toString('utf8'))).toEqual({
      partialSuccess: {
        rejectedLogRecords: '1',
        errorMessage: 'log record rejected: more than 256 attributes',
      },
    });
    storedAlongside.push('beside-huge-json');
  });

  it('a resource with more attributes than allowed → 400 in both formats', async () => {
    const req = {
      resourceLogs: [
        { resource: { attributes: manyAttributes(2000) }, scopeLogs: [{ logRecords: [simpleLog('r')] }] },
      ],
    };
    expectError(
      await post(c.httpUrl, encodeLogsProto(req), { 'content-type': PROTO }),
      400,
      'proto',
      /more than 1024 attributes/,
    );
    // Used to escape as an AttributeLimitError (500).
    expectError(
      await post(c.httpUrl, JSON.stringify(logsJson(req)), { 'content-type': JSON_TYPE }),
      400,
      'json',
      /resource has more than 1024 attributes/,
    );
  });

  it('a trace_id of the wrong length rejects that record only', async () => {
    const bad: LogRecord = simpleLog('bad-trace', { traceId: new Uint8Array(15).fill(7) });
    const req = logsRequest('hostile-valid', [simpleLog('beside-bad-trace'), bad]);
    const reply = await post(c.httpUrl, encodeLogsProto(req), { 'content-type': PROTO });
    expect(reply.status).toBe(200);
    expect(decodePartialProto(reply.body)).toEqual({
      rejected: 1,
      errorMessage: 'log record rejected: trace_id must be 16 bytes, got 15',
    });
    storedAlongside.push('beside-bad-trace');

    const jsonReq = logsRequest('hostile-valid', [
      simpleLog('beside-bad-trace-json'),
      simpleLog('bad-trace-json', { spanId: new Uint8Array(9).fill(1) }),
    ]);
    const jsonReply = await post(c.httpUrl, JSON.stringify(logsJson(jsonReq)), { 'content-type': JSON_TYPE });
    expect(jsonReply.status).toBe(200);
    expect(JSON.parse(jsonReply.body.toString('utf8'))).toEqual({
      partialSuccess: {
        rejectedLogRecords: '1',
        errorMessage: 'log record rejected: spanId must be 16 hex characters',
      },
    });
    storedAlongside.push('beside-bad-trace-json');
  });

  it('a histogram point with mismatched bucket counts is rejected, its neighbour stored', async () => {
    const point = (bounds: number[], counts: number[], time: bigint): HistogramPoint => ({
      attributes: [{ key: 'case', value: { kind: 'string', value: String(time) } }],
      startTimeUnixNano: 0n,
      timeUnixNano: time,
      flags: 0,
      count: counts.reduce((a, b) => a + b, 0),
      sum: 10,
      bucketCounts: counts,
      explicitBounds: bounds,
    });
    const histogram = (name: string): Metric => ({
      name,
      description: '',
      unit: 'ms',
      data: {
        type: 'histogram',
        temporality: 2,
        dataPoints: [
          point([1, 2], [1, 2], 1_700_000_000_000_000_000n),
          point([1, 2], [1, 2, 3], 1_700_000_001_000_000_000n),
        ],
      },
    });
    const reply = await post(
      c.httpUrl,
      encodeMetricsProto(metricsRequest('hostile-valid', [histogram('bad_input_hist_proto')])),
      { 'content-type': PROTO },
      '/v1/metrics',
    );
    expect(reply.status).toBe(200);
    expect(decodePartialProto(reply.body)).toEqual({
      rejected: 1,
      errorMessage:
        'data point rejected: histogram "bad_input_hist_proto" has 2 bucket counts for 2 bounds (expected 3)',
    });
    const jsonReply = await post(
      c.httpUrl,
      JSON.stringify(metricsJson(metricsRequest('hostile-valid', [histogram('bad_input_hist_json')]))),
      { 'content-type': JSON_TYPE },
      '/v1/metrics',
    );
    expect(jsonReply.status).toBe(200);
    expect(JSON.parse(jsonReply.body.toString('utf8'))).toEqual({
      partialSuccess: {
        rejectedDataPoints: '1',
        errorMessage:
          'data point rejected: histogram "bad_input_hist_json" has 2 bucket counts for 2 bounds (expected 3)',
      },
    });
    await eventually(
      async () =>
        (
          await t.db.query(
            sql`SELECT metric_name FROM metric_samples WHERE metric_name IN ('bad_input_hist_proto', 'bad_input_hist_json')`,
          )
        ).length === 2,
      20_000,
      'the two valid histogram points',
    );
    const rows = await t.db.query<{ metric_name: string; bucket_counts: unknown[] }>(
      sql`SELECT metric_name, bucket_counts FROM metric_samples WHERE metric_name IN ('bad_input_hist_proto', 'bad_input_hist_json') ORDER BY metric_name`,
    );
    expect(rows.map((r) => [r.metric_name, r.bucket_counts.map(Number)])).toEqual([
      ['bad_input_hist_json', [1, 2, 3]],
      ['bad_input_hist_proto', [1, 2, 3]],
    ]);
  });

  it('an empty body → 200 and nothing stored (an empty request is valid protobuf)', async () => {
    const reply = await post(c.httpUrl, Buffer.alloc(0), { 'content-type': PROTO });
    expect(reply.status).toBe(200);
    expect(reply.body.length).toBe(0);
    const metrics = await post(c.httpUrl, Buffer.alloc(0), { 'content-type': PROTO }, '/v1/metrics');
    expect(metrics.status).toBe(200);
    const json = await post(c.httpUrl, '{}', { 'content-type': JSON_TYPE });
    expect(json.status).toBe(200);
    expect(JSON.parse(json.body.toString('utf8'))).toEqual({});
    // That nothing was stored is checked with the totals at the end.
  });

  it('gRPC: garbage → INVALID_ARGUMENT with a google.rpc.Status in the details', async () => {
    const { err } = await unary(grpcClient, garbage(512, 7));
    expect(err?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err?.details).toMatch(/^Invalid OTLP payload: ExportLogsServiceRequest: /);
    expect(rpcStatusOf(err)).toEqual({ code: GRPC_INVALID_ARGUMENT, message: err?.details });
    const deep = logWithBody((w) => {
      for (let i = 0; i < 1000; i++)
        w.uint32(tag(6, 2)).fork().uint32(tag(1, 2)).fork().uint32(tag(2, 2)).fork();
      for (let i = 0; i < 1000; i++) w.ldelim().ldelim().ldelim();
    });
    const nested = await unary(grpcClient, deep);
    expect(nested.err?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(nested.err?.details).toMatch(/AnyValue nested deeper than 16/);
  });

  it('gRPC: a gzip-compressed valid request → OK and stored', async () => {
    const gz = new grpc.Client(c.grpcAddress, grpc.credentials.createInsecure(), {
      'grpc.default_compression_algorithm': 2, // gzip
    });
    try {
      const bodies = Array.from({ length: 50 }, (_, i) => `grpc-gzip ${i} ${'z'.repeat(100)}`);
      const { err, response } = await unary(
        gz,
        encodeLogsProto(
          logsRequest(
            'hostile-valid',
            bodies.map((b) => simpleLog(b)),
          ),
        ),
      );
      expect(err).toBeNull();
      expect(response?.length).toBe(0); // no partial_success
      storedAlongside.push(...bodies);
    } finally {
      gz.close();
    }
  });

  it('gRPC: a message above maxBodyBytes is refused and the server carries on', async () => {
    const { err } = await unary(grpcClient, Buffer.alloc(MAX_BODY + 1024, 0x0a));
    expect(err).not.toBeNull();
    expect([grpc.status.RESOURCE_EXHAUSTED, grpc.status.INVALID_ARGUMENT]).toContain(err?.code);
    const after = await unary(
      grpcClient,
      encodeLogsProto(logsRequest('hostile-valid', [simpleLog('grpc-after-big')])),
    );
    expect(after.err).toBeNull();
    storedAlongside.push('grpc-after-big');
  });

  it('gRPC: a gzip bomb in a compressed frame is refused without inflating it', async () => {
    const member = gzipSync(Buffer.alloc(16 * 1024 * 1024), { level: 9 });
    const bomb = Buffer.concat(Array.from({ length: 64 }, () => member));
    const frame = Buffer.alloc(5 + bomb.length);
    frame[0] = 1; // compressed
    frame.writeUInt32BE(bomb.length, 1);
    bomb.copy(frame, 5);
    const before = process.memoryUsage().rss;
    const session = http2.connect(`http://${c.grpcAddress}`);
    try {
      const status = await new Promise<string | undefined>((resolve, reject) => {
        const req = session.request({
          ':method': 'POST',
          ':path': LOGS_PATH,
          'content-type': 'application/grpc',
          te: 'trailers',
          'grpc-encoding': 'gzip',
        });
        let grpcStatus: string | undefined;
        const take = (h: http2.IncomingHttpHeaders): void => {
          const s = h['grpc-status'];
          if (typeof s === 'string') grpcStatus = s;
        };
        req.on('response', take);
        req.on('trailers', take);
        req.on('data', () => undefined);
        req.on('end', () => resolve(grpcStatus));
        req.on('error', reject);
        req.end(frame);
      });
      expect(status).toBe(String(grpc.status.RESOURCE_EXHAUSTED));
    } finally {
      session.close();
    }
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 1024 * 1024);
  });

  it('every acknowledged record of the concurrent client is stored exactly once, and nothing else', async () => {
    // Still flowing after the whole hostile sequence.
    const sofar = valid.acknowledged.length;
    await eventually(() => Promise.resolve(valid.acknowledged.length > sofar), 10_000, 'a later valid batch');
    await valid.stop();
    expect(valid.failures).toEqual([]);
    expect(new Set(valid.acknowledged).size).toBe(valid.acknowledged.length);

    const countOf = async (service: string): Promise<number> => {
      const [row] = await t.db.query<{ n: string | number }>(
        sql`SELECT count() AS n FROM logs WHERE service_name = ${service}`,
      );
      return Number(row?.n ?? 0);
    };
    await eventually(
      async () => (await countOf('valid-client')) >= valid.acknowledged.length,
      30_000,
      'the records of the valid client',
    );
    await eventually(
      async () => (await countOf('hostile-valid')) >= storedAlongside.length,
      30_000,
      'records sent beside hostile ones',
    );
    // Let any straggling batch land before counting exactly.
    await new Promise((r) => setTimeout(r, 500));

    const perBody = await t.db.query<{ service_name: string; body: string; n: string | number }>(
      sql`SELECT service_name, body, count() AS n FROM logs GROUP BY service_name, body`,
    );
    const stored = new Map(perBody.map((r) => [`${r.service_name}\u0000${r.body}`, Number(r.n)]));
    const expected = new Map<string, number>();
    for (const b of valid.acknowledged) expected.set(`valid-client\u0000${b}`, 1);
    for (const b of storedAlongside) expected.set(`hostile-valid\u0000${b}`, 1);
    expect([...stored].filter(([, n]) => n !== 1)).toEqual([]);
    expect(stored.size).toBe(expected.size);
    expect(stored).toEqual(expected);

    const health = await fetch(`${c.httpUrl}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', sealedBatches: 0 });
  });
});

describe('bearer tokens', () => {
  const TOKEN = 'test-token-0123456789abcdef';
  let t: TestDb;
  let c: TestCollector;
  let client: grpc.Client;

  beforeAll(async () => {
    t = await createTestDb();
    c = await startTestCollector(t.db, { authTokens: [TOKEN] });
    client = new grpc.Client(c.grpcAddress, grpc.credentials.createInsecure());
  });

  afterAll(async () => {
    client.close();
    await c.stop();
    await t.drop();
  });

  const body = (): Buffer => encodeLogsProto(logsRequest('auth', [simpleLog('authorised')]));

  it('HTTP: 401 with WWW-Authenticate for a missing or wrong token, 200 with the right one', async () => {
    for (const authorization of [
      undefined,
      'Bearer wrong-token-0123456789abcdef',
      `Basic ${TOKEN}`,
      'Bearer',
    ]) {
      for (const [type, format] of [
        [PROTO, 'proto'],
        [JSON_TYPE, 'json'],
      ] as const) {
        const headers: Record<string, string> = { 'content-type': type };
        if (authorization) headers['authorization'] = authorization;
        const reply = await post(c.httpUrl, format === 'proto' ? body() : '{}', headers);
        expectError(reply, 401, format, /Missing or invalid bearer token/, GRPC_UNAUTHENTICATED);
        expect(reply.headers.get('www-authenticate')).toBe('Bearer');
      }
    }
    const ok = await post(c.httpUrl, body(), { 'content-type': PROTO, authorization: `Bearer ${TOKEN}` });
    expect(ok.status).toBe(200);
    // Health stays open for probes.
    expect((await fetch(`${c.httpUrl}/health`)).status).toBe(200);
  });

  it('gRPC: UNAUTHENTICATED for a missing or wrong token, OK with the right one', async () => {
    for (const authorization of [undefined, 'Bearer wrong-token-0123456789abcdef']) {
      const md = new grpc.Metadata();
      if (authorization) md.set('authorization', authorization);
      const { err } = await unary(client, body(), md);
      expect(err?.code).toBe(grpc.status.UNAUTHENTICATED);
      expect(err?.details).toMatch(/Missing or invalid bearer token/);
      expect(rpcStatusOf(err)?.code).toBe(GRPC_UNAUTHENTICATED);
    }
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${TOKEN}`);
    const { err } = await unary(client, body(), md);
    expect(err).toBeNull();
    await eventually(
      async () => (await t.db.query(sql`SELECT body FROM logs WHERE service_name = 'auth'`)).length === 2,
      20_000,
      'the two authorised records',
    );
  });
});

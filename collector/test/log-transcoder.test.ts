import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import {
  BUILTIN_NAMES,
  LogTranscoder,
  Redactor,
  decodeLogsProto,
  newBatchKey,
  type DecodeContext,
  type DecodeOutcome,
} from '../src/index.ts';
import { SENSITIVE_KEY } from '../src/redact/builtins.ts';
import { NOT_ASCII } from '../src/redact/byte-hints.ts';
import { scanHints } from '../src/redact/hints.ts';
import { RowWriter } from '../src/otlp/row-writer.ts';
import { decodeContext } from './helpers/decode-context.ts';
import { redactionSettings } from './helpers/redactors.ts';
import {
  encodeLogsProto,
  type AnyVal,
  type KV,
  type LogRecord,
  type LogsRequest,
} from './helpers/otlp-model.ts';
import { expectSameBytes } from './helpers/row-bytes.ts';

/**
 * The WebAssembly transcoder (collector/wasm/log-transcoder.ts) must write exactly
 * the rows the JS decoder writes, and leave every record it does not handle to the
 * JS decoder untouched. Each request is decoded twice, with and without it, and
 * everything is compared: the bytes of both tables, counts, rejection messages,
 * timestamp ranges and thrown errors. The generators aim at the transcoder's
 * decisions: the values it takes and the near misses it must decline.
 */

const RECEIVED = 1_700_000_000_500_000_000n;
const ROOT = path.resolve(import.meta.dirname, '../..');
const transcoder = new LogTranscoder();

type Result = { outcome: DecodeOutcome } | { error: { code: unknown; message: string } };

function decode(
  buf: Buffer,
  batchKey: number,
  redactor: Redactor | undefined,
  withWasm: boolean,
  maxAttributes = 256,
  direct = false,
): Result {
  const ctx: DecodeContext = {
    ...decodeContext(batchKey, RECEIVED, redactor),
    limits: { maxAttributes, maxDepth: 16 },
    transcoder: withWasm ? transcoder : undefined,
  };
  // As in the collector: rows go straight into batch memory (here a small buffer that must grow).
  if (direct) ctx.writer = () => RowWriter.at(Buffer.alloc(64), 16);
  try {
    return { outcome: decodeLogsProto(buf, ctx) };
  } catch (err) {
    const e = err as { code?: unknown; message: string };
    return { error: { code: e.code, message: e.message } };
  }
}

/** Decodes buf both ways and expects the same result; returns it. */
function expectSameDecode(
  buf: Buffer,
  redactor: Redactor | undefined,
  maxAttributes = 256,
  direct = false,
): Result {
  const key = newBatchKey();
  const js = decode(buf, key, redactor, false, maxAttributes, direct);
  const wasm = decode(buf, key, redactor, true, maxAttributes, direct);
  if ('error' in js || 'error' in wasm) {
    expect(wasm).toEqual(js);
    return js;
  }
  const a = js.outcome;
  const b = wasm.outcome;
  expectSameBytes(b.tables.logs?.bytes, a.tables.logs?.bytes, 'logs');
  expectSameBytes(b.tables.log_resources?.bytes, a.tables.log_resources?.bytes, 'log_resources');
  expect({ ...b.tables.logs, bytes: undefined }).toEqual({ ...a.tables.logs, bytes: undefined });
  expect([b.accepted, b.rejected, b.errorMessage]).toEqual([a.accepted, a.rejected, a.errorMessage]);
  return js;
}

const CHARS = 'abeiknoprstwyABEKPST0123456789 -@_:=/.'.split('');
const FRAGMENTS = [
  'jo.doe@example.com',
  '4111 1111 1111 1111',
  '4111-1111-1111-1111',
  '1234567890123',
  '4222222222222',
  '4222 2222 22222',
  '123456789012',
  'Bearer abcdefgh12345',
  'password=hunter2',
  'api_key=k',
  'API-KEY',
  'token',
  'https://user:pw@host/x',
  'GET /api/v1/orders/42 200 12.5ms',
  'é',
  '\u{1F600}',
  '',
];
const text: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      fc.constantFrom(...FRAGMENTS),
      fc.string({ unit: fc.constantFrom(...CHARS), maxLength: 16 }),
      fc.string({ unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)), maxLength: 8 }),
    ),
    { maxLength: 4 },
  )
  .map((parts) => parts.join(''));

const KEYS = [
  'http.route',
  'http.response.status_code',
  'http.status_code',
  'network.protocol.version',
  'user.id',
  'db.password',
  'X-API-KEY',
  'api_key',
  'my.apikey',
  'session.token',
  'tokens',
  'http.request.header.authorization',
  'http.request.header.Cookie',
  'set-cookie',
  'secret',
  '',
  'clé',
];

const double: fc.Arbitrary<number> = fc.oneof(
  fc.tuple(fc.integer({ min: -2e11, max: 2e11 }), fc.constantFrom(1, 10, 100)).map(([n, d]) => n / d),
  fc.constantFrom(
    0,
    -0,
    0.1,
    0.07,
    1e9,
    999999999.99,
    -999999999.99,
    1e9 - 0.01,
    200,
    404.5,
    NaN,
    Infinity,
    -Infinity,
  ),
  fc.double(),
);

const int: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: 0n, max: 1000n }),
  fc.constantFrom(
    0n,
    100n,
    200n,
    999n,
    1000n,
    10n ** 12n - 1n,
    10n ** 12n,
    2n ** 49n,
    -1n,
    -(2n ** 63n),
    2n ** 63n - 1n,
  ),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
);

const value: fc.Arbitrary<AnyVal> = fc.oneof(
  { weight: 4, arbitrary: text.map((v) => ({ kind: 'string' as const, value: v })) },
  { weight: 2, arbitrary: int.map((v) => ({ kind: 'int' as const, value: v })) },
  { weight: 2, arbitrary: double.map((v) => ({ kind: 'double' as const, value: v })) },
  { weight: 1, arbitrary: fc.boolean().map((v) => ({ kind: 'bool' as const, value: v })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'empty' as const }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<AnyVal>(
      { kind: 'bytes', value: new Uint8Array([1, 2, 3]) },
      { kind: 'array', values: [{ kind: 'string', value: 'a' }] },
      { kind: 'kvlist', values: [{ key: 'k', value: { kind: 'int', value: 1n } }] },
    ),
  },
);

const attribute: fc.Arbitrary<KV> = fc.record(
  { key: fc.oneof(fc.constantFrom(...KEYS), text), value },
  { requiredKeys: ['key'] },
);

const id = (bytes: number): fc.Arbitrary<Uint8Array> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.uint8Array({ minLength: bytes, maxLength: bytes }) },
    { weight: 1, arbitrary: fc.constant(new Uint8Array(bytes)) },
    { weight: 1, arbitrary: fc.constant(new Uint8Array(0)) },
    { weight: 1, arbitrary: fc.constant(new Uint8Array(bytes - 1)) },
  );

const nanos: fc.Arbitrary<bigint> = fc.oneof(
  fc.constantFrom(0n, 1_700_000_000_123_456_789n, 2n ** 62n, 2n ** 64n - 1n),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
);

const record: fc.Arbitrary<LogRecord> = fc.record(
  {
    timeUnixNano: nanos,
    observedTimeUnixNano: nanos,
    severityNumber: fc.oneof(fc.integer({ min: 0, max: 24 }), fc.constantFrom(-1, 25, 200)),
    severityText: fc.constantFrom('', 'INFO', 'warn', 'Error', 'bogus', 'é'),
    body: value,
    attributes: fc.array(attribute, { maxLength: 8 }),
    droppedAttributesCount: fc.constantFrom(0, 3),
    flags: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffffffff })),
    traceId: id(16),
    spanId: id(8),
    eventName: fc.constantFrom('', 'order.paid', 'é'),
  },
  {
    requiredKeys: [
      'timeUnixNano',
      'observedTimeUnixNano',
      'severityNumber',
      'severityText',
      'attributes',
      'flags',
      'traceId',
      'spanId',
      'eventName',
    ],
  },
);

const request: fc.Arbitrary<LogsRequest> = fc
  .array(fc.array(record, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 3 })
  .map((scopes) => ({
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { kind: 'string', value: 'svc' } }] },
        scopeLogs: scopes.map((logRecords, i) => ({ scope: { name: `s${i}`, version: '1' }, logRecords })),
      },
    ],
  }));

const REDACTORS = redactionSettings();

/** Record i of a plain run: its body, an INFO severity and one int attribute, no ids. */
function numberedRecord(i: number, body: string, severityText: string): LogRecord {
  return {
    timeUnixNano: 1_700_000_000_000_000_000n + BigInt(i),
    observedTimeUnixNano: 0n,
    severityNumber: 9,
    severityText,
    body: { kind: 'string', value: body },
    attributes: [{ key: 'n', value: { kind: 'int', value: BigInt(i) } }],
    flags: 0,
    traceId: new Uint8Array(0),
    spanId: new Uint8Array(0),
    eventName: '',
  };
}

describe('the WebAssembly log transcoder writes the JS decoder’s rows', () => {
  for (const [name, redactor] of REDACTORS) {
    it(`for generated requests, with ${name}`, () => {
      fc.assert(
        fc.property(request, fc.constantFrom(256, 3), fc.boolean(), (req, maxAttributes, direct) => {
          expectSameDecode(encodeLogsProto(req), redactor, maxAttributes, direct);
        }),
        { numRuns: 400 },
      );
    });
  }

  it('takes the common case itself (the comparison above is not JS against JS)', () => {
    const rec: LogRecord = {
      timeUnixNano: 1_700_000_000_123_456_789n,
      observedTimeUnixNano: 0n,
      severityNumber: 9,
      severityText: '',
      body: { kind: 'string', value: 'GET /api/orders/42 200 12.5ms' },
      attributes: [
        { key: 'http.response.status_code', value: { kind: 'int', value: 200n } },
        { key: 'duration_ms', value: { kind: 'double', value: 12.5 } },
        { key: 'cache.hit', value: { kind: 'bool', value: true } },
        { key: 'network.protocol.version', value: { kind: 'string', value: '1.1' } },
      ],
      flags: 1,
      traceId: new Uint8Array(16).fill(7),
      spanId: new Uint8Array(8).fill(9),
      eventName: '',
    };
    const buf = encodeLogsProto({ resourceLogs: [{ scopeLogs: [{ logRecords: [rec, rec, rec] }] }] });
    const calls: boolean[] = [];
    const spy = new LogTranscoder();
    const record = spy.record.bind(spy);
    spy.record = (start, end) => {
      const done = record(start, end);
      calls.push(done);
      return done;
    };
    const redactor = new Redactor({ builtins: [...BUILTIN_NAMES], rules: [] });
    const ctx = { ...decodeContext(newBatchKey(), RECEIVED, redactor), transcoder: spy };
    expect(decodeLogsProto(buf, ctx).accepted).toBe(3);
    expect(calls).toEqual([true, true, true]);
    expectSameDecode(buf, redactor);
  });

  it('copies its output out when a scope’s rows outgrow it, keeping row order and ids', () => {
    // Every 700th record is not ASCII: the JS decoder reads it between transcoded ones.
    const records = Array.from({ length: 2500 }, (_, i) =>
      numberedRecord(i, `${i % 700 === 0 ? 'é ' : ''}record ${i} ${'x'.repeat(900)}`, 'INFO'),
    );
    const buf = encodeLogsProto({ resourceLogs: [{ scopeLogs: [{ logRecords: records }] }] });
    const js = expectSameDecode(buf, undefined);
    expect('outcome' in js && js.outcome.tables.logs?.bytes.length).toBeGreaterThan(2 * 1024 * 1024);
  });

  it('leaves hand-made oddities to the JS decoder: duplicates, unknown fields, unusual wire encodings', () => {
    const str = (field: number, s: string | Uint8Array): Uint8Array => {
      const w = protobuf.Writer.create().uint32((field << 3) | 2);
      return (typeof s === 'string' ? w.string(s) : w.bytes(s)).finish();
    };
    const anyString = (s: string | Uint8Array): Uint8Array => str(1, s);
    const kv = (...parts: Uint8Array[]): Uint8Array => str(6, Buffer.concat(parts));
    const key = (k: string): Uint8Array => str(1, k);
    const val = (v: Uint8Array): Uint8Array => str(2, v);
    const raw = (...bytes: number[]): Uint8Array => Uint8Array.from(bytes);
    const body = (v: Uint8Array): Uint8Array => str(5, v);
    const cases: Uint8Array[][] = [
      [body(anyString('a')), body(anyString('b'))], // body twice: the last counts
      [kv(key('k'), val(anyString('v')), key('j'))], // key twice
      [kv(val(anyString('v')), key('k'))], // value before key
      [kv(key('k'), val(anyString('v')), val(anyString('w')))], // value twice
      [kv(key('k'))], // no value
      [kv(key('k'), val(raw(0x18, 0x80, 0x00)))], // int 0 as two varint bytes
      [kv(key('k'), val(raw(0x10, 0x02)))], // bool sent as 2
      [kv(key('k'), val(raw(0x10, 0x01, 0x10, 0x00)))], // bool twice
      [kv(key('k'), val(Buffer.concat([anyString('a'), raw(0x18, 0x01)])))], // string then int
      [kv(key('k'), val(anyString(Buffer.from([0xc3, 0x28]))))], // invalid UTF-8: the request fails
      [raw(0x10, 0x89, 0x00)], // severity 9 as two varint bytes
      [raw(0x10, 0x00), str(3, 'warning')], // the number from the text
      [raw(0x08, 0x01)], // time_unix_nano with the wrong wire type
      [str(99, 'unknown field')],
      [raw(0xf8, 0x06, 0x01)], // unknown varint field 111
      [str(9, new Uint8Array(16).fill(1)), str(9, new Uint8Array(16).fill(2))], // trace id twice
      [str(9, new Uint8Array(5))], // trace id of 5 bytes: rejected
      [raw(0x38, 0xff, 0xff, 0xff, 0xff, 0x0f)], // dropped_attributes_count, 5 bytes
      [body(raw())], // an empty body AnyValue
      [body(Buffer.concat([anyString('a'), raw(0x10, 0x01)]))], // body: string then bool
      [raw(0x2a, 0x05, 0x0a, 0x01)], // body overruns the record: the request fails
    ];
    const request = (records: Uint8Array[][]): Buffer => {
      const w = protobuf.Writer.create();
      w.uint32((1 << 3) | 2)
        .fork()
        .uint32((2 << 3) | 2)
        .fork();
      const ok = Buffer.concat([body(anyString('fine')), kv(key('k'), val(anyString('v')))]);
      for (const fields of records) {
        w.uint32((2 << 3) | 2).bytes(ok);
        w.uint32((2 << 3) | 2).bytes(Buffer.concat(fields));
      }
      return Buffer.from(w.ldelim().ldelim().finish());
    };
    for (const redactor of [undefined, new Redactor({ builtins: [...BUILTIN_NAMES], rules: [] })]) {
      for (const c of cases) expectSameDecode(request([c]), redactor);
    }
  });

  it('scans values as the JS path does: every scanHints() bit, and non-ASCII refused', () => {
    const probe = new LogTranscoder();
    fc.assert(
      fc.property(text, (s) => {
        const bytes = Buffer.from(s, 'utf8');
        const found = probe.hints(bytes);
        if (bytes.length !== s.length) {
          expect(found).toBe(NOT_ASCII);
          return;
        }
        expect(found).not.toBe(NOT_ASCII);
        expect(found & scanHints(s)).toBe(scanHints(s));
      }),
      { numRuns: 5000 },
    );
  });

  it('treats exactly the keys SENSITIVE_KEY matches as credential keys', () => {
    const probe = new LogTranscoder();
    const words = [
      'password',
      'passwd',
      'secret',
      'token',
      'apikey',
      'api_key',
      'api-key',
      'authorization',
      'cookie',
    ];
    const near = ['passwords', 'tokens', 'api key', 'apikeys', 'pass', 'cookies', 'version', 'session', 'x'];
    const key = fc
      .tuple(
        fc.string({ unit: fc.constantFrom(...'ab._-'.split('')), maxLength: 6 }),
        fc.constantFrom(...words, ...near),
        fc.boolean(),
      )
      .map(([head, word, upper]) => head + (upper ? word.toUpperCase() : word));
    fc.assert(
      fc.property(
        fc.oneof(
          key,
          fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) }),
        ),
        (k) => {
          expect(probe.credentialKey(Buffer.from(k, 'latin1')), k).toBe(SENSITIVE_KEY.test(k));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('leaves every record to the JS decoder once the module has failed, and loses none', () => {
    const failing = new LogTranscoder();
    const inner = failing as unknown as { wasm: { record(s: number, e: number): number } };
    const real = inner.wasm;
    let calls = 0;
    // The exports object is frozen: a copy with a record() that fails on its fifth call.
    inner.wasm = {
      ...real,
      record: (start: number, end: number): number => {
        if (++calls === 5) throw new Error('simulated trap');
        return real.record(start, end);
      },
    };
    const records = Array.from({ length: 20 }, (_, i) => numberedRecord(i, `record ${i}`, ''));
    const buf = encodeLogsProto({
      resourceLogs: [{ scopeLogs: [{ logRecords: records }, { logRecords: records.slice(0, 5) }] }],
    });
    const key = newBatchKey();
    const withFailure = (): DecodeOutcome =>
      decodeLogsProto(buf, { ...decodeContext(key, RECEIVED, undefined), transcoder: failing });
    const reference = decode(buf, key, undefined, false);
    if (!('outcome' in reference)) throw new Error('the reference decode failed');
    for (let i = 0; i < 2; i++) {
      const got = withFailure();
      expectSameBytes(got.tables.logs?.bytes, reference.outcome.tables.logs?.bytes, 'logs');
      expect(got.accepted).toBe(25);
    }
    expect(failing.failure?.message).toBe('simulated trap');
    expect(calls).toBe(5);
  });

  it('is the build of collector/wasm/log-transcoder.ts that is committed', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hub-wasm-'));
    try {
      const out = path.join(dir, 'log-transcoder.wasm');
      await promisify(execFile)(
        process.execPath,
        [path.join(ROOT, 'node_modules/assemblyscript/bin/asc.js'), ...(await buildArgs(out))],
        { cwd: ROOT },
      );
      const built = await readFile(out);
      const committed = await readFile(path.join(ROOT, 'collector/wasm/log-transcoder.wasm'));
      expect(built.equals(committed), 'run `npm run build:wasm` and commit the result').toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

/** The arguments of `npm run build:wasm` (package.json) after `asc`, writing to out instead. */
async function buildArgs(out: string): Promise<string[]> {
  const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const [command, ...args] = (pkg.scripts['build:wasm'] ?? '').split(/\s+/);
  expect(command).toBe('asc');
  const o = args.indexOf('-o');
  expect(o).toBeGreaterThan(0);
  args[o + 1] = out;
  return args;
}

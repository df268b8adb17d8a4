import fc from 'fast-check';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { Redactor, decodeLogsJson, decodeLogsProto, newBatchKey, type DecodeContext } from '../src/index.ts';
import { numberText } from '../src/otlp/attributes.ts';
import { NOT_ASCII, scanByteHints } from '../src/redact/byte-hints.ts';
import { scanHints } from '../src/redact/hints.ts';
import {
  encodeLogsProto,
  logsJson,
  type KV,
  type LogRecord,
  type LogsRequest,
} from './helpers/otlp-model.ts';
import { decodeContext } from './helpers/decode-context.ts';
import { redactionSettings } from './helpers/redactors.ts';
import { expectSameBytes } from './helpers/row-bytes.ts';

/**
 * The protobuf logs decoder copies plain ASCII text that no redaction rule would
 * change from the request into its rows as bytes (text-spans.ts). These tests hold
 * it to the string path: the scan that decides must never miss what scanHints()
 * sees, and a request decoded from protobuf (spans) and from JSON (strings, always
 * redacted in full) must give the same bytes, under every redaction setting.
 */

const RECEIVED = 1_700_000_000_500_000_000n;

function ctx(batchKey: number, redactor: Redactor | undefined): DecodeContext {
  return decodeContext(batchKey, RECEIVED, redactor);
}

/** Fragments the built-in rules look for, near misses, and a little non-ASCII. */
const FRAGMENTS = [
  'a@b.cd',
  'mail jo.doe@example.com now',
  '@',
  '4111 1111 1111 1111',
  '4111-1111-1111-1111',
  '4111111111111111',
  '5500 0000 0000 0004',
  '1234567890123',
  '12 34',
  ' - ',
  '--',
  'Bearer abcdefgh12345',
  'bearer of news',
  'basic YTpi',
  'Basic dXNlcjpwYXNz',
  'password=hunter2',
  'passwd: x',
  'PassW',
  'secret',
  'SeCrEt=s3cr3t',
  'token=abc',
  'TOKEN',
  'api_key=k',
  'api-key: k',
  'apikey',
  'API_KEY',
  'https://user:pw@host/x',
  'http://host/',
  'GET /api/v1/orders/42 200 12.5ms',
  'request completed method=GET status=200',
  'é',
  '\u{1F600}',
];

const CHARS = 'abeiknoprstwyABEKPST0123456789 -@_:=/.'.split('');

const secretish: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...FRAGMENTS) },
      { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom(...CHARS), maxLength: 20 }) },
    ),
    { maxLength: 5 },
  )
  .map((parts) => parts.join(''));

const asciiText: fc.Arbitrary<string> = fc.oneof(
  secretish.filter((s) => Buffer.byteLength(s) === s.length),
  fc.string({ unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)), maxLength: 60 }),
);

const KEYS = [
  'http.route',
  'message',
  'db.password',
  'x-api-key',
  'http.request.header.authorization',
  'session.token',
  'user.email',
  'card',
];

const attribute: fc.Arbitrary<KV> = fc.record({
  key: fc.constantFrom(...KEYS),
  value: secretish.map((value) => ({ kind: 'string' as const, value })),
});

const record: fc.Arbitrary<LogRecord> = fc.record({
  timeUnixNano: fc.constant(1_700_000_000_000_000_000n),
  observedTimeUnixNano: fc.constant(0n),
  severityNumber: fc.constantFrom(0, 9, 17),
  severityText: fc.constantFrom('', 'INFO', 'ERROR'),
  body: secretish.map((value) => ({ kind: 'string' as const, value })),
  attributes: fc.array(attribute, { maxLength: 6 }),
  flags: fc.constant(0),
  traceId: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  spanId: fc.uint8Array({ minLength: 8, maxLength: 8 }),
  eventName: fc.constant(''),
});

const request: fc.Arbitrary<LogsRequest> = fc
  .array(record, { minLength: 1, maxLength: 6 })
  .map((logRecords) => ({
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { kind: 'string', value: 'svc' } }] },
        scopeLogs: [{ logRecords }],
      },
    ],
  }));

const REDACTORS = redactionSettings();

describe('the byte scan behind text spans', () => {
  it('sets every hint scanHints() sets on the same ASCII text', () => {
    fc.assert(
      fc.property(asciiText, (s) => {
        const bytes = Buffer.from(s, 'latin1');
        const fromBytes = scanByteHints(bytes, 0, bytes.length);
        expect(fromBytes).not.toBe(NOT_ASCII);
        const fromText = scanHints(s);
        expect(fromBytes & fromText).toBe(fromText);
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses any text with a byte from 0x80 on', () => {
    fc.assert(
      fc.property(asciiText, fc.integer({ min: 0x80, max: 0x10ffff }), fc.nat(), (s, cp, at) => {
        const i = at % (s.length + 1);
        const bytes = Buffer.from(s.slice(0, i) + String.fromCodePoint(cp) + s.slice(i), 'utf8');
        expect(scanByteHints(bytes, 0, bytes.length)).toBe(NOT_ASCII);
      }),
    );
  });
});

describe('numbers as text', () => {
  it('is what String() prints, for two-decimal values and any double', () => {
    const cents = fc
      .tuple(fc.integer({ min: -2e11, max: 2e11 }), fc.constantFrom(1, 10, 100))
      .map(([n, d]) => n / d);
    fc.assert(
      fc.property(fc.oneof(cents, fc.double({ noNaN: true, noDefaultInfinity: true })), (n) => {
        expect(numberText(n)).toBe(String(n));
      }),
      { numRuns: 20000 },
    );
    expect(numberText(-0)).toBe('0');
    expect(numberText(0.07)).toBe('0.07');
    expect(numberText(-12.5)).toBe('-12.5');
    expect(numberText(999999999.99)).toBe('999999999.99');
    expect(numberText(NaN)).toBe('NaN');
  });
});

describe('protobuf spans and JSON strings store the same bytes', () => {
  for (const [name, redactor] of REDACTORS) {
    it(`with ${name}`, () => {
      fc.assert(
        fc.property(request, (req) => {
          const key = newBatchKey();
          const proto = decodeLogsProto(encodeLogsProto(req), ctx(key, redactor));
          const json = decodeLogsJson(JSON.parse(JSON.stringify(logsJson(req))), ctx(key, redactor));
          expect(proto.errorMessage).toBe('');
          expectSameBytes(proto.tables.logs?.bytes, json.tables.logs?.bytes, 'logs');
        }),
        { numRuns: 300 },
      );
    });
  }

  it('fails the request for invalid UTF-8 in any attribute value, as the string path does', () => {
    const kv = (key: string, ...values: Buffer[]): Uint8Array => {
      const w = protobuf.Writer.create()
        .uint32((1 << 3) | 2)
        .string(key);
      for (const v of values)
        w.uint32((2 << 3) | 2)
          .fork()
          .uint32((1 << 3) | 2)
          .bytes(v)
          .ldelim();
      return w.finish();
    };
    const request = (...records: Uint8Array[][]): Buffer => {
      const w = protobuf.Writer.create();
      w.uint32((1 << 3) | 2)
        .fork()
        .uint32((2 << 3) | 2)
        .fork(); // ResourceLogs, ScopeLogs
      for (const attrs of records) {
        const rec = protobuf.Writer.create();
        for (const a of attrs) rec.uint32((6 << 3) | 2).bytes(a);
        w.uint32((2 << 3) | 2).bytes(rec.finish());
      }
      return Buffer.from(w.ldelim().ldelim().finish());
    };
    const bad = Buffer.from([0x80]);
    const ok = Buffer.from('ok');
    const invalidUtf8: unknown = expect.objectContaining({
      code: 'HUB_OTLP_PAYLOAD_INVALID',
      message: expect.stringContaining('invalid UTF-8') as unknown,
    });
    // A value sent twice: the first one is invalid, the last one (which counts) is fine.
    expect(() => decodeLogsProto(request([kv('k', bad, ok)]), ctx(newBatchKey(), undefined))).toThrow(
      invalidUtf8,
    );
    // The invalid value is also the attribute over the limit: still the request's error.
    const limited = { ...ctx(newBatchKey(), undefined), limits: { maxAttributes: 1, maxDepth: 16 } };
    expect(() => decodeLogsProto(request([kv('k', ok), kv('j', bad)], [kv('k', ok)]), limited)).toThrow(
      invalidUtf8,
    );
    expect(decodeLogsProto(request([kv('k', ok), kv('j', ok)], [kv('k', ok)]), limited).accepted).toBe(1);
  });

  it('redacts a credential attribute whose value comes before its key on the wire', () => {
    // KeyValue { value = 2: AnyValue { string_value = 1 }, key = 1 }: fields may come in any order.
    const kv = protobuf.Writer.create();
    kv.uint32((2 << 3) | 2)
      .fork()
      .uint32((1 << 3) | 2)
      .string('hunter2hunter2')
      .ldelim();
    kv.uint32((1 << 3) | 2).string('db.password');
    const rec = protobuf.Writer.create();
    rec.uint32((6 << 3) | 2).bytes(kv.finish());
    const req = protobuf.Writer.create();
    req.uint32((1 << 3) | 2).fork(); // ResourceLogs
    req.uint32((2 << 3) | 2).fork(); // ScopeLogs
    req.uint32((2 << 3) | 2).bytes(rec.finish()); // LogRecord
    req.ldelim().ldelim();
    const redactor = new Redactor({ builtins: ['password-field'], rules: [] });
    const out = decodeLogsProto(Buffer.from(req.finish()), ctx(newBatchKey(), redactor));
    const rows = out.tables.logs?.bytes ?? Buffer.alloc(0);
    expect(out.accepted).toBe(1);
    expect(rows.includes('hunter2')).toBe(false);
    expect(rows.includes('[REDACTED]')).toBe(true);
  });
});

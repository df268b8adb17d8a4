import fc from 'fast-check';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, sql } from '../../core/src/index.ts';
import { Attributes } from '../src/otlp/attributes.ts';
import { BUILTIN_NAMES, BUILTIN_RULES } from '../src/redact/builtins.ts';
import { luhnValid } from '../src/redact/payment-card.ts';
import { Redactor, type RedactionRuleConfig } from '../src/redact/redactor.ts';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { eventually, startTestCollector, type TestCollector } from '../../test/helpers/collector.ts';
import { selectLogRows } from './helpers/stored-rows.ts';

const all = new Redactor({ builtins: [...BUILTIN_NAMES], rules: [] });

/** A redactor with one built-in only, so that each rule is tested alone. */
function only(name: string): Redactor {
  return new Redactor({ builtins: [name], rules: [] });
}

function withRules(rules: RedactionRuleConfig[], builtins: string[] = []): Redactor {
  return new Redactor({ builtins, rules });
}

/** The error a function throws, or a failed expectation when it does not throw. */
function errorOf(fn: () => unknown): { code: unknown; message: string } {
  try {
    fn();
  } catch (err) {
    return { code: (err as { code?: unknown }).code, message: (err as Error).message };
  }
  return expect.unreachable('expected an error');
}

/** prefix + the Luhn check digit that makes it valid. */
function withCheckDigit(prefix: string): string {
  for (let d = 0; d <= 9; d++) if (luhnValid(prefix + String(d))) return prefix + String(d);
  throw new Error('unreachable');
}

describe('the built-in rules', () => {
  it('are the defaults of collector.redaction.builtins', () => {
    expect(parseConfig({}).collector.redaction.builtins).toEqual(BUILTIN_NAMES);
    expect(BUILTIN_NAMES).toEqual([
      'bearer-token',
      'url-password',
      'password-field',
      'email',
      'payment-card',
    ]);
  });
});

describe('bearer-token', () => {
  const r = only('bearer-token');

  it.each([
    ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-_x', 'Authorization: Bearer [REDACTED]'],
    ['calling upstream with "bearer abcdef0123456789"', 'calling upstream with "bearer [REDACTED]"'],
    ['{"authorization":"Bearer 0123456789abcdef=="}', '{"authorization":"Bearer [REDACTED]"}'],
    ['AUTHORIZATION: BEARER ya29.a0AfH6SMBx', 'AUTHORIZATION: BEARER [REDACTED]'],
    ['Authorization: Basic dXNlcjpwYXNzd29yZA==', 'Authorization: Basic [REDACTED]'],
    ['basic YWxhZGRpbjpvcGVuc2VzYW1l rejected', 'basic [REDACTED] rejected'],
    // A doubled scheme word (a common client bug) still hides the token.
    ['Authorization: Bearer Bearer eyJhbGciOiJIUzI1NiJ9', 'Authorization: Bearer Bearer [REDACTED]'],
  ])('redacts %j', (input, expected) => {
    expect(r.redact(input)).toBe(expected);
  });

  it.each([
    'the bearer of bad news',
    'missing bearer token',
    'Bearer abc', // too short to be a credential
    'basic information about the basic plan', // not base64 of user:password
    'Basic realm="api"',
    'token_type=bearer max_tokens=512',
    'no credentials here',
  ])('leaves %j alone', (input) => {
    expect(r.redact(input)).toBe(input);
  });

  it('redacts a header-like attribute value, keeping the key', () => {
    const attrs = new Attributes();
    attrs.add('http.request.header.x-forwarded-authorization', '["Bearer abcdefghijklmnop"]');
    attrs.add('http.request.method', 'GET');
    r.redactAttributes(attrs);
    expect(attrs.keys.slice(0, attrs.count)).toEqual([
      'http.request.header.x-forwarded-authorization',
      'http.request.method',
    ]);
    expect(attrs.values.slice(0, attrs.count)).toEqual(['["Bearer [REDACTED]"]', 'GET']);
  });
});

describe('url-password', () => {
  const r = only('url-password');

  it.each([
    ['postgres://app:hunter2@db.internal:5432/orders', 'postgres://app:[REDACTED]@db.internal:5432/orders'],
    ['connecting to redis://:s3cr3t@cache:6379/0', 'connecting to redis://:[REDACTED]@cache:6379/0'],
    ['amqps://guest:gu3st@mq.example.com/vhost', 'amqps://guest:[REDACTED]@mq.example.com/vhost'],
    // An unencoded "@" in the password: everything up to the last "@" before the host.
    [
      'mongodb+srv://u:p@ss:w@rd@cluster0.example.net/db',
      'mongodb+srv://u:[REDACTED]@cluster0.example.net/db',
    ],
    [
      'a https://a:b@one.example https://c:d@two.example',
      'a https://a:[REDACTED]@one.example https://c:[REDACTED]@two.example',
    ],
  ])('redacts %j', (input, expected) => {
    expect(r.redact(input)).toBe(expected);
  });

  it.each([
    'https://example.com/path?q=1#frag',
    'http://bob@host.example.com/',
    'https://host.example.com:8443/a@b',
    'mailto:alice@example.com',
    'ratio 3:4 at 10:30@site',
  ])('leaves %j alone', (input) => {
    expect(r.redact(input)).toBe(input);
  });

  it('leaves the user in a URL without a password to the email rule: not an address', () => {
    expect(all.redact('fetch http://bob@host.example.com/x')).toBe('fetch http://bob@host.example.com/x');
  });
});

describe('email', () => {
  const r = only('email');

  it.each([
    ['contact alice@example.com today', 'contact [REDACTED_EMAIL] today'],
    ['to: Alice.Smith+billing@mail.example.co.uk.', 'to: [REDACTED_EMAIL].'],
    ['a@b.io,c_d@e-f.example.org', '[REDACTED_EMAIL],[REDACTED_EMAIL]'],
    ['GET /api/users/alice@example.com/profile', 'GET /api/users/[REDACTED_EMAIL]/profile'],
    ['{"user":"bob@example.com"}', '{"user":"[REDACTED_EMAIL]"}'],
  ])('redacts %j', (input, expected) => {
    expect(r.redact(input)).toBe(expected);
  });

  it.each(['user@localhost', '@handle mentioned', 'foo @ bar.com', 'a@b', 'price: 5 @ 3.50'])(
    'leaves %j alone',
    (input) => {
      expect(r.redact(input)).toBe(input);
    },
  );
});

describe('payment-card', () => {
  const r = only('payment-card');

  it('checks Luhn', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('1234567812345678')).toBe(false);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('378282246310005')).toBe(true);
  });

  it.each([
    ['card 4111 1111 1111 1111 charged', 'card [REDACTED_CARD] charged'],
    ['card=4111-1111-1111-1111', 'card=[REDACTED_CARD]'],
    ['pan 4111111111111111.', 'pan [REDACTED_CARD].'],
    ['mc 5555555555554444 and amex 3782 822463 10005', 'mc [REDACTED_CARD] and amex [REDACTED_CARD]'],
    ['2024-01-15 4111 1111 1111 1111 5', '2024-01-15 [REDACTED_CARD] 5'],
    ['4111 1111 1111 1111 5555 5555 5555 4444', '[REDACTED_CARD] [REDACTED_CARD]'],
    // A bare JSON number becomes a JSON string, so a structured body stays valid JSON.
    ['{"card":4111111111111111,"n":1}', '{"card":"[REDACTED_CARD]","n":1}'],
    ['4111111111111111', '[REDACTED_CARD]'],
  ])('redacts %j', (input, expected) => {
    expect(r.redact(input)).toBe(expected);
  });

  it.each([
    'order 1234567812345678 shipped', // fails Luhn
    'order 4111111111111112 shipped', // fails Luhn, though it looks like a Visa
    'at 1700000000123456789 ns', // epoch nanoseconds
    `epoch ms ${withCheckDigit('170000000012')}`, // Luhn-valid, but starts with 1
    'call +1 415 555 0100 now',
    'date 2024-01-15 12:30:00',
    'id a4111111111111111b', // glued to letters (hex)
    'x=0.4111111111111111', // a fraction
    '41111111111111111111', // 20 digits
    '4111 1111 1111', // 12 digits
  ])('leaves %j alone', (input) => {
    expect(r.redact(input)).toBe(input);
  });
});

describe('password-field', () => {
  const r = only('password-field');

  it.each([
    ['GET /login?user=bob&password=hunter2&next=/', 'GET /login?user=bob&password=[REDACTED]&next=/'],
    ['{"user":"bob","password":"hu\\"nter2","x":1}', '{"user":"bob","password":"[REDACTED]","x":1}'],
    ['{"clientSecret" : "abc"}', '{"clientSecret" : "[REDACTED]"}'],
    ['payload={\\"db_password\\":\\"abc\\"}', 'payload={\\"db_password\\":\\"[REDACTED]\\"}'],
    ['access_token=ya29.abc&token_type=bearer', 'access_token=[REDACTED]&token_type=bearer'],
    ['DB_PASSWORD = "my secret"', 'DB_PASSWORD = "[REDACTED]"'],
    ["passwd='x y'", "passwd='[REDACTED]'"],
    ['X-Api-Key=k123 api_key=k456 apikey=k789', 'X-Api-Key=[REDACTED] api_key=[REDACTED] apikey=[REDACTED]'],
    [
      'Server=db;User Id=app;Password=p@ss;Database=x',
      'Server=db;User Id=app;Password=[REDACTED];Database=x',
    ],
  ])('redacts %j', (input, expected) => {
    expect(r.redact(input)).toBe(expected);
  });

  it.each([
    'password reset email sent',
    'max_tokens=512 token_count=3',
    '{"password_hint":"first pet"}',
    '{"type":"token","value":"x"}',
    'secretary=alice',
  ])('leaves %j alone', (input) => {
    expect(r.redact(input)).toBe(input);
  });

  it('redacts the whole value of an attribute whose key names a credential', () => {
    const attrs = new Attributes();
    attrs.add('db.password', 'hunter2');
    attrs.add('http.request.header.authorization', '["Token abc"]');
    attrs.add('http.request.header.cookie', '["session=abc"]');
    attrs.add('gen_ai.usage.output_tokens', '42');
    attrs.addNumber('gen_ai.usage.output_tokens', 42);
    attrs.add('empty.token', '');
    r.redactAttributes(attrs);
    expect(attrs.values.slice(0, attrs.count)).toEqual(['[REDACTED]', '[REDACTED]', '[REDACTED]', '42', '']);
    expect(attrs.numKeys.slice(0, attrs.numCount)).toEqual(['gen_ai.usage.output_tokens']);
  });
});

describe('Redactor', () => {
  it('applies every built-in in one pass, credentials before emails and cards', () => {
    expect(all.redact('login password=alice@example.com card 4111 1111 1111 1111')).toBe(
      'login password=[REDACTED] card [REDACTED_CARD]',
    );
    expect(all.redact('db postgres://app:pw@db.example.com/x from bob@example.com')).toBe(
      'db postgres://app:[REDACTED]@db.example.com/x from [REDACTED_EMAIL]',
    );
  });

  it('redacts until nothing is left when one replacement makes another match', () => {
    // The card loses its spaces, and the URL password pattern then matches.
    const once = all.redact('http://4111 1111 1111 1111.example:pw@host');
    expect(once).toBe('http://[REDACTED_CARD].example:[REDACTED]@host');
    expect(all.redact(once)).toBe(once);
  });

  it('returns the input when nothing matches, and when no rule is configured', () => {
    const text = 'GET /api/orders/12345 completed in 35ms status=200';
    expect(all.redact(text)).toBe(text);
    const none = new Redactor({ builtins: [], rules: [] });
    expect(none.empty).toBe(true);
    expect(none.redact('alice@example.com')).toBe('alice@example.com');
    expect(all.empty).toBe(false);
  });

  it('applies user rules after the built-ins, with $1 and named groups', () => {
    const r = withRules(
      [
        { name: 'employee-id', pattern: 'EMP-(\\d{2})\\d{4}', replacement: 'EMP-$1****' },
        { name: 'ssn', pattern: '\\b(?<area>\\d{3})-\\d{2}-\\d{4}\\b', replacement: '$<area>-**-****' },
        { name: 'Shouty', pattern: 'internal-host', flags: 'i', replacement: '[HOST]' },
      ],
      ['email'],
    );
    expect(r.redact('EMP-123456 ssn 123-45-6789 on INTERNAL-HOST by a@b.io')).toBe(
      'EMP-12**** ssn 123-**-**** on [HOST] by [REDACTED_EMAIL]',
    );
    expect(r.ruleNames).toEqual(['email', 'employee-id', 'ssn', 'Shouty']);
  });

  it('refuses unknown built-in names, listing the valid ones', () => {
    const err = errorOf(() => new Redactor({ builtins: ['email', 'ssn', 'iban'], rules: [] }));
    expect(err.code).toBe('HUB_CONFIG_INVALID');
    expect(err.message).toContain('"ssn", "iban"');
    for (const name of BUILTIN_NAMES) expect(err.message).toContain(name);
  });

  it.each([
    [
      'an invalid pattern',
      { name: 'broken', pattern: '(unclosed', replacement: 'x' },
      /"broken".*not a valid/,
    ],
    ['a pattern matching ""', { name: 'star', pattern: 'x*', replacement: 'y' }, /"star".*empty string/],
    ['a zero-width pattern', { name: 'edge', pattern: '\\b', replacement: '|' }, /"edge".*empty string/],
    ['a lookahead only', { name: 'look', pattern: '(?=a)', replacement: '|' }, /"look".*empty string/],
    ['the sticky flag', { name: 'sticky', pattern: 'a', flags: 'y', replacement: 'b' }, /"sticky".*flags/],
    ['a bad flag', { name: 'flag', pattern: 'a', flags: 'q', replacement: 'b' }, /"flag".*flags/],
  ])('refuses %s, naming the rule', (_what, rule, message) => {
    const err = errorOf(() => withRules([rule]));
    expect(err.code).toBe('HUB_CONFIG_INVALID');
    expect(err.message).toMatch(message);
  });

  it('refuses duplicate rule names', () => {
    const rule = { name: 'email', pattern: 'a', replacement: 'b' };
    expect(errorOf(() => withRules([rule], ['email'])).message).toMatch(/"email".*already used/);
    expect(
      errorOf(() =>
        withRules([
          { ...rule, name: 'x' },
          { ...rule, name: 'x' },
        ]),
      ).message,
    ).toMatch(/already used/);
  });

  it('redacts attribute values in place, keys never, and drops the numeric copy of a changed value', () => {
    const attrs = new Attributes();
    attrs.add('user.email', 'alice@example.com');
    attrs.add('payment.card', '4111111111111111');
    attrs.addNumber('payment.card', 4111111111111111);
    attrs.add('http.response.status_code', '200');
    attrs.addNumber('http.response.status_code', 200);
    attrs.add('alice@example.com', 'key is an address');
    all.redactAttributes(attrs);
    expect(attrs.keys.slice(0, attrs.count)).toEqual([
      'user.email',
      'payment.card',
      'http.response.status_code',
      'alice@example.com',
    ]);
    expect(attrs.values.slice(0, attrs.count)).toEqual([
      '[REDACTED_EMAIL]',
      '[REDACTED_CARD]',
      '200',
      'key is an address',
    ]);
    expect(attrs.numKeys.slice(0, attrs.numCount)).toEqual(['http.response.status_code']);
    expect(attrs.numValues.slice(0, attrs.numCount)).toEqual([200]);
  });
});

describe('adversarial inputs complete (linear patterns)', () => {
  const N = 100_000;
  const rep = (unit: string): string => unit.repeat(Math.ceil(N / unit.length)).slice(0, N);
  const inputs: Array<[string, string]> = [
    ['@', rep('@')],
    ['digits', rep('4')],
    ['a', rep('a')],
    ['a.', rep('a.')],
    ['a@', rep('a@')],
    ['a@a.', rep('a@a.')],
    ['.a@', rep('.a@')],
    ['local part then @', `${rep('a')}@example.com`],
    ['domain labels', `a@${rep('a.')}`],
    ['1 ', rep('1 ')],
    ['1-', rep('1-')],
    ['4111 ', rep('4111 ')],
    ['digits then a letter', `${rep('4 ')}x`],
    ['4.', rep('4.')],
    ['bearer ', rep('bearer ')],
    ['bearer token', `bearer ${rep('a')}`],
    ['bearer =', `bearer ${rep('=')}`],
    ['basic ', rep('basic dXNlcjpwYXNz ')],
    ['basic base64', `basic ${rep('QUJD')}`],
    ['://', rep('://')],
    ['a://a:', rep('a://a:')],
    ['scheme letters', `${rep('a')}://`],
    ['http://a:b@', `http://${rep('a:b@')}`],
    ['"password":"', rep('"password":"')],
    ['"password":" then backslashes', `"password":"${rep('\\')}`],
    ['escaped json', `\\"password\\":\\"${rep('\\a')}`],
    ['password=', rep('password=')],
    ['token = ', rep('token = ')],
    ['whitespace', rep(' \t')],
    ['mix', rep('a1@:/.-= "bearer')],
  ];

  it.each(inputs)('%s, rule by rule and all together', (_name, text) => {
    for (const rule of BUILTIN_RULES) expect(typeof rule.apply(text)).toBe('string');
    const once = all.redact(text);
    expect(all.redact(once)).toBe(once);
  });

  it('leaves long runs that hold no secret unchanged', () => {
    for (const unit of ['@', '4', 'a', 'a.', '://', ' \t']) {
      const text = rep(unit);
      expect(all.redact(text)).toBe(text);
    }
  });
});

describe('properties', () => {
  const fragments = [
    'a',
    'Z',
    ' ',
    '-',
    '.',
    '@',
    ':',
    '/',
    '//',
    '=',
    '"',
    "'",
    '\\',
    ',',
    '{',
    '}',
    '[',
    ']',
    '&',
    ';',
    '\n',
    '0',
    '1',
    '4',
    '5',
    '4111',
    '1111',
    'Bearer ',
    'bearer',
    'Basic ',
    'dXNlcjpwYXNz',
    '==',
    'password',
    'passwd',
    'secret',
    'token',
    'api_key',
    'apikey',
    'http://',
    'https://',
    'u:p@',
    'example.com',
    '.com',
    'alice',
    '[REDACTED]',
    '[REDACTED_EMAIL]',
    'eyJhbGciOiJIUzI1NiJ9',
    '4111111111111111',
    '4111 1111 1111 1111',
    '378282246310005',
  ];
  const tricky = fc.array(fc.constantFrom(...fragments), { maxLength: 40 }).map((parts) => parts.join(''));
  const anyText = fc.oneof(
    tricky,
    fc.string({ maxLength: 200 }),
    fc.string({ unit: 'binary', maxLength: 200 }),
  );

  it('redaction is idempotent', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const once = all.redact(text);
        expect(all.redact(once)).toBe(once);
      }),
      { numRuns: 3000 },
    );
  });

  it('text without any trigger is returned unchanged', () => {
    const trigger = /[@\d]|bearer|basic|passw|secret|token|api[_-]?key/i;
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 300 }).filter((s) => !trigger.test(s)),
        (text) => {
          expect(all.redact(text)).toBe(text);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('a card number set apart by spaces never survives', () => {
    const filler = fc.string({ maxLength: 30 }).map((s) => s.replace(/[\d\w.,]/g, ' '));
    fc.assert(
      fc.property(
        fc.constantFrom('2', '3', '4', '5', '6'),
        fc.stringMatching(/^\d{11,17}$/),
        filler,
        filler,
        (first, middle, before, after) => {
          const card = withCheckDigit(first + middle);
          const out = all.redact(`${before} ${card} ${after}`);
          expect(out).not.toContain(card);
          expect(out).toContain('[REDACTED_CARD]');
        },
      ),
      { numRuns: 1000 },
    );
  });
});

// ---------------------------------------------------------------------------
// Through the real collector into ClickHouse.

const SECRETS = {
  token: 'eyJhbGciOiJIUzI1NiJ9sEcReTt0k3n',
  urlPassword: 'pg-pa55w0rd',
  email: 'alice.jones@example.com',
  card: '4111111111111111',
  cardSpaced: '5555 5555 5555 4444',
  attrPassword: 'hunter2-attr',
};
const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const TIME_NS = 1_700_000_000_123_456_789n;

const BODY = `payment by ${SECRETS.email} with card ${SECRETS.cardSpaced} failed; db postgres://app:${SECRETS.urlPassword}@db.internal/pay`;

type Kv = [key: string, value: { s: string } | { i: number }];

const RECORD_ATTRS: Kv[] = [
  ['http.request.header.x-upstream-auth', { s: `Bearer ${SECRETS.token}` }],
  ['user.email', { s: SECRETS.email }],
  ['payment.card', { i: Number(SECRETS.card) }],
  ['db.password', { s: SECRETS.attrPassword }],
  ['http.response.status_code', { i: 402 }],
];
const RESOURCE_ATTRS: Kv[] = [
  ['service.name', { s: 'checkout' }],
  ['service.instance.id', { s: `worker ${SECRETS.email}` }],
  ['db.connection_string', { s: `postgres://app:${SECRETS.urlPassword}@db.internal/pay` }],
];

function jsonValue(v: Kv[1]): object {
  return 's' in v ? { stringValue: v.s } : { intValue: String(v.i) };
}

function jsonLogs(body: string): object {
  const kv = (list: Kv[]): object[] => list.map(([key, value]) => ({ key, value: jsonValue(value) }));
  return {
    resourceLogs: [
      {
        resource: { attributes: kv(RESOURCE_ATTRS) },
        scopeLogs: [
          {
            logRecords: [
              {
                timeUnixNano: String(TIME_NS),
                severityNumber: 17,
                body: { stringValue: body },
                attributes: kv(RECORD_ATTRS),
                traceId: TRACE_ID,
              },
            ],
          },
        ],
      },
    ],
  };
}

/** The same request as jsonLogs(), in protobuf, written field by field with protobufjs' Writer. */
function protoLogs(body: string): Uint8Array {
  const LEN = 2;
  const tag = (field: number, wire: number): number => (field << 3) | wire;
  const anyValue = (w: protobuf.Writer, v: Kv[1]): void => {
    if ('s' in v) w.uint32(tag(1, LEN)).string(v.s);
    else w.uint32(tag(3, 0)).int64(v.i);
  };
  const keyValue = (w: protobuf.Writer, field: number, [key, value]: Kv): void => {
    w.uint32(tag(field, LEN)).fork();
    w.uint32(tag(1, LEN)).string(key);
    w.uint32(tag(2, LEN)).fork();
    anyValue(w, value);
    w.ldelim();
    w.ldelim();
  };
  const w = protobuf.Writer.create();
  w.uint32(tag(1, LEN)).fork(); // ResourceLogs
  w.uint32(tag(1, LEN)).fork(); // Resource
  for (const kv of RESOURCE_ATTRS) keyValue(w, 1, kv);
  w.ldelim();
  w.uint32(tag(2, LEN)).fork(); // ScopeLogs
  w.uint32(tag(2, LEN)).fork(); // LogRecord
  w.uint32(tag(1, 1))
    .fixed32(Number(TIME_NS & 0xffffffffn))
    .fixed32(Number(TIME_NS >> 32n));
  w.uint32(tag(2, 0)).int32(17);
  w.uint32(tag(5, LEN)).fork();
  anyValue(w, { s: body });
  w.ldelim();
  for (const kv of RECORD_ATTRS) keyValue(w, 6, kv);
  w.uint32(tag(9, LEN)).bytes(Buffer.from(TRACE_ID, 'hex'));
  w.ldelim();
  w.ldelim();
  w.ldelim();
  return w.finish();
}

type Row = Record<string, unknown>;

async function send(c: TestCollector, format: 'json' | 'proto', body: string): Promise<void> {
  const res = await fetch(`${c.httpUrl}/v1/logs`, {
    method: 'POST',
    headers: { 'content-type': format === 'json' ? 'application/json' : 'application/x-protobuf' },
    body: format === 'json' ? JSON.stringify(jsonLogs(body)) : protoLogs(body),
  });
  expect(res.status).toBe(200);
}

async function rowWithBodyLike(t: TestDb, marker: string): Promise<Row> {
  // Every stored column, the resource's attributes (log_resources) included.
  const where = sql`position(body, ${marker}) > 0`;
  await eventually(
    async () => (await selectLogRows(t.db, where)).length === 1,
    20_000,
    `a row for ${marker}`,
  );
  const [row] = await selectLogRows(t.db, where);
  return row as unknown as Row;
}

/** Every column's value as text, arrays included: where a secret could hide. */
function allText(row: Row): string {
  return Object.values(row)
    .map((v) => (typeof v === 'string' ? v : JSON.stringify(v)))
    .join('\n');
}

function attr(row: Row, keys: string, values: string, key: string): unknown {
  const i = (row[keys] as string[]).indexOf(key);
  return i < 0 ? undefined : (row[values] as unknown[])[i];
}

describe('through the collector into ClickHouse', () => {
  let t: TestDb;
  let redacting: TestCollector;
  let verbatim: TestCollector;
  beforeAll(async () => {
    t = await createTestDb();
    redacting = await startTestCollector(t.db);
    const builtins = [...BUILTIN_NAMES];
    verbatim = await startTestCollector(t.db, { redaction: { enabled: false, builtins, rules: [] } });
  });
  afterAll(async () => {
    await redacting?.stop();
    await verbatim?.stop();
    await t?.drop();
  });

  it.each(['json', 'proto'] as const)('stores no secret from a %s request', async (format) => {
    await send(redacting, format, `redact-${format} ${BODY}`);
    const row = await rowWithBodyLike(t, `redact-${format}`);
    const text = allText(row);
    for (const secret of [...Object.values(SECRETS), SECRETS.cardSpaced.replaceAll(' ', '')]) {
      expect(text).not.toContain(secret);
    }
    expect(row['body']).toBe(
      `redact-${format} payment by [REDACTED_EMAIL] with card [REDACTED_CARD] failed; db postgres://app:[REDACTED]@db.internal/pay`,
    );
    // Record attributes: values redacted, keys as sent, the card's numeric copy gone.
    expect(row['attr_keys']).toEqual(RECORD_ATTRS.map(([k]) => k));
    expect(row['attr_values']).toEqual([
      'Bearer [REDACTED]',
      '[REDACTED_EMAIL]',
      '[REDACTED_CARD]',
      '[REDACTED]',
      '402',
    ]);
    expect(row['attr_num_keys']).toEqual(['http.response.status_code']);
    expect(row['http_status']).toBe(402);
    // Resource attributes, and the columns promoted from them.
    expect(row['service_name']).toBe('checkout');
    expect(row['service_instance_id']).toBe('worker [REDACTED_EMAIL]');
    expect(row['resource_keys']).toEqual(RESOURCE_ATTRS.map(([k]) => k));
    expect(attr(row, 'resource_keys', 'resource_values', 'db.connection_string')).toBe(
      'postgres://app:[REDACTED]@db.internal/pay',
    );
    // Trace ids are never touched.
    expect(row['trace_id']).toBe(TRACE_ID);
  });

  it('stores the text as sent when redaction is disabled', async () => {
    await send(verbatim, 'json', `verbatim ${BODY}`);
    const row = await rowWithBodyLike(t, 'verbatim');
    expect(row['body']).toBe(`verbatim ${BODY}`);
    expect(row['attr_values']).toEqual([
      `Bearer ${SECRETS.token}`,
      SECRETS.email,
      SECRETS.card,
      SECRETS.attrPassword,
      '402',
    ]);
    expect(row['attr_num_keys']).toEqual(['payment.card', 'http.response.status_code']);
    expect(row['service_instance_id']).toBe(`worker ${SECRETS.email}`);
    expect(allText(row)).not.toContain('[REDACTED');
  });
});

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EMPTY,
  ident,
  int,
  interval,
  isFragment,
  join,
  qualified,
  quoteString,
  renderValue,
  sql,
  trusted,
  type IntervalUnit,
  type SqlValue,
} from '../src/index.ts';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';

const INVALID = 'HUB_SQL_INVALID_VALUE';

/** The `code` of the error thrown by fn, or 'no error'. */
function codeOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return (err as { code?: unknown }).code;
  }
  return 'no error';
}

describe('sql tagged template', () => {
  it('quotes interpolated strings and keeps the template text as is', () => {
    expect(sql`SELECT * FROM logs WHERE service_name = ${'checkout'} LIMIT 10`.text).toBe(
      "SELECT * FROM logs WHERE service_name = 'checkout' LIMIT 10",
    );
  });

  it('renders several values in order', () => {
    const q = sql`SELECT ${'a'}, ${1}, ${2.5}, ${true}, ${null}, ${10n}`;
    expect(q.text).toBe("SELECT 'a', 1, 2.5, 1, NULL, 10");
  });

  it('inlines fragments without quoting them', () => {
    const where = sql`service_name = ${"o'k"}`;
    expect(sql`SELECT 1 FROM ${ident('logs')} WHERE ${where}`.text).toBe(
      "SELECT 1 FROM `logs` WHERE service_name = 'o\\'k'",
    );
  });

  it('works without values', () => {
    expect(sql`SELECT 1`.text).toBe('SELECT 1');
    expect(sql``.text).toBe('');
  });

  it('marks its results as fragments and nothing else', () => {
    expect(isFragment(sql`SELECT 1`)).toBe(true);
    expect(isFragment(trusted('SELECT 1'))).toBe(true);
    expect(isFragment({ text: 'SELECT 1' })).toBe(false);
    expect(isFragment('SELECT 1')).toBe(false);
    expect(isFragment(null)).toBe(false);
  });

  it('never lets a negative number after a minus sign start a comment', () => {
    // `10-${-5}` must not become `10--5`: `--` starts a comment in ClickHouse.
    expect(sql`SELECT 10-${-5}`.text).not.toContain('--');
    expect(sql`SELECT 10-${-5n}`.text).not.toContain('--');
    expect(sql`SELECT 10-${int(-5)}`.text).not.toContain('--');
    expect(sql`SELECT 10 - ${-5}`.text).toBe('SELECT 10 - -5');
  });
});

describe('quoteString', () => {
  it('quotes plain text', () => {
    expect(quoteString('')).toBe("''");
    expect(quoteString('hello world')).toBe("'hello world'");
  });

  it('escapes quotes and backslashes', () => {
    expect(quoteString("O'Brien")).toBe("'O\\'Brien'");
    expect(quoteString('C:\\temp')).toBe("'C:\\\\temp'");
    expect(quoteString("\\'")).toBe("'\\\\\\''");
    expect(quoteString("''")).toBe("'\\'\\''");
  });

  it('escapes control characters that would break the literal or the log line', () => {
    expect(quoteString('a\nb\rc\td')).toBe("'a\\nb\\rc\\td'");
    expect(quoteString('nul\0byte')).toBe("'nul\\0byte'");
    expect(quoteString('\b\f')).toBe("'\\b\\f'");
  });

  it('leaves double quotes, backquotes and unicode alone', () => {
    expect(quoteString('"`é😀')).toBe("'\"`é😀'");
  });

  it('replaces lone surrogates with U+FFFD', () => {
    expect(quoteString('a\ud800b')).toBe("'a\ufffdb'");
    expect(quoteString('\udfff')).toBe("'\ufffd'");
    expect(quoteString('😀'.slice(0, 1))).toBe("'\ufffd'");
  });
});

describe('renderValue', () => {
  it('renders scalars', () => {
    expect(renderValue('x')).toBe("'x'");
    expect(renderValue(42)).toBe('42');
    expect(renderValue(-7)).toBe('-7');
    expect(renderValue(0.25)).toBe('0.25');
    expect(renderValue(1e-7)).toBe('1e-7');
    expect(renderValue(1.5e300)).toBe('1.5e+300');
    expect(renderValue(-0)).toBe('0');
    expect(renderValue(123n)).toBe('123');
    expect(renderValue(-(2n ** 63n))).toBe('-9223372036854775808');
    expect(renderValue(2n ** 64n - 1n)).toBe('18446744073709551615');
    expect(renderValue(true)).toBe('1');
    expect(renderValue(false)).toBe('0');
    expect(renderValue(null)).toBe('NULL');
  });

  it('renders subnormal doubles as an exact division the 18.16 parser accepts', () => {
    // `SELECT 5e-324` is a syntax error on 18.16 (strtod reports ERANGE for subnormals).
    expect(renderValue(Number.MIN_VALUE)).toBe(`(${Number.MIN_VALUE * 2 ** 54} / ${2 ** 54})`);
    expect(renderValue(-1e-310)).toMatch(/^\(-[0-9.e+-]+ \/ 18014398509481984\)$/);
    expect(renderValue(2.2250738585072014e-308)).toBe('2.2250738585072014e-308');
  });

  it('renders arrays as ClickHouse array literals', () => {
    expect(renderValue([])).toBe('[]');
    expect(renderValue(['a', "b'c"])).toBe("['a', 'b\\'c']");
    expect(renderValue([1, 2.5, -3])).toBe('[1, 2.5, -3]');
    expect(renderValue([1n, true, null])).toBe('[1, 1, NULL]');
    expect(renderValue([new Date(0)])).toBe('[toDateTime(0)]');
  });

  it('renders a Date as whole seconds', () => {
    expect(renderValue(new Date('2024-03-01T12:00:00.999Z'))).toBe('toDateTime(1709294400)');
    expect(renderValue(new Date(0))).toBe('toDateTime(0)');
    expect(renderValue(new Date(4_294_967_295_000))).toBe('toDateTime(4294967295)');
  });

  it('renders a fragment as its text', () => {
    expect(renderValue(trusted('now()'))).toBe('now()');
    expect(renderValue(EMPTY)).toBe('');
  });

  it.each([
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
  ])('rejects %s, alone and inside arrays', (_name, value) => {
    expect(codeOf(() => renderValue(value))).toBe(INVALID);
    expect(codeOf(() => renderValue([1, value]))).toBe(INVALID);
    expect(codeOf(() => sql`SELECT ${value}`)).toBe(INVALID);
  });

  it('rejects invalid Dates and Dates outside the DateTime range', () => {
    expect(codeOf(() => renderValue(new Date('not a date')))).toBe(INVALID);
    expect(codeOf(() => renderValue(new Date(-1000)))).toBe(INVALID);
    expect(codeOf(() => renderValue(new Date(4_294_967_296_000)))).toBe(INVALID);
  });

  it('rejects bigints that fit neither Int64 nor UInt64', () => {
    expect(codeOf(() => renderValue(2n ** 64n))).toBe(INVALID);
    expect(codeOf(() => renderValue(-(2n ** 63n) - 1n))).toBe(INVALID);
  });

  it('rejects types it does not know', () => {
    expect(codeOf(() => renderValue({ text: 'DROP TABLE logs' } as unknown as SqlValue))).toBe(INVALID);
    expect(codeOf(() => renderValue(undefined as unknown as SqlValue))).toBe(INVALID);
    expect(codeOf(() => renderValue(Symbol('x') as unknown as SqlValue))).toBe(INVALID);
    expect(codeOf(() => renderValue([{}] as unknown as SqlValue))).toBe(INVALID);
  });

  it('errors carry an HTTP status of 400', () => {
    try {
      renderValue(NaN);
      expect.unreachable();
    } catch (err) {
      expect((err as { statusCode?: number }).statusCode).toBe(400);
      expect((err as Error).message).toMatch(/NaN/);
    }
  });
});

describe('ident and qualified', () => {
  it('back-quotes valid identifiers', () => {
    expect(ident('logs').text).toBe('`logs`');
    expect(ident('_x1').text).toBe('`_x1`');
    expect(ident('Metric_Samples_2').text).toBe('`Metric_Samples_2`');
    expect(qualified('hub', 'logs').text).toBe('`hub`.`logs`');
  });

  it.each([
    '',
    '1abc',
    'a-b',
    'a b',
    'a`b',
    'a.b',
    'é',
    'a\n',
    '\nabc',
    'logs; DROP TABLE logs',
    'logs`; DROP TABLE x; --',
    "a'b",
    'a\0',
  ])('rejects %j with HUB_SQL_INVALID_VALUE', (name) => {
    expect(codeOf(() => ident(name))).toBe(INVALID);
    expect(codeOf(() => qualified(name, 'logs'))).toBe(INVALID);
    expect(codeOf(() => qualified('hub', name))).toBe(INVALID);
  });
});

describe('int', () => {
  it('renders whole numbers within bounds', () => {
    expect(int(0).text).toBe('0');
    expect(int(100, 1, 100).text).toBe('100');
    expect(int(1, 1, 100).text).toBe('1');
    expect(int(-5).text).toBe('-5');
    expect(int(Number.MAX_SAFE_INTEGER).text).toBe('9007199254740991');
  });

  it.each([
    ['a fraction', 1.5],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['an unsafe integer', 2 ** 53],
  ])('rejects %s', (_name, value) => {
    expect(codeOf(() => int(value))).toBe(INVALID);
  });

  it('rejects values out of bounds', () => {
    expect(codeOf(() => int(0, 1, 100))).toBe(INVALID);
    expect(codeOf(() => int(101, 1, 100))).toBe(INVALID);
  });

  it('rejects non-numbers', () => {
    expect(codeOf(() => int('5' as unknown as number))).toBe(INVALID);
    expect(codeOf(() => int('1; DROP TABLE logs' as unknown as number))).toBe(INVALID);
  });
});

describe('interval', () => {
  it('renders an interval', () => {
    expect(interval(5, 'MINUTE').text).toBe('INTERVAL 5 MINUTE');
    expect(interval(0, 'SECOND').text).toBe('INTERVAL 0 SECOND');
    for (const unit of ['SECOND', 'MINUTE', 'HOUR', 'DAY', 'WEEK', 'MONTH', 'YEAR'] as const) {
      expect(interval(2, unit).text).toBe(`INTERVAL 2 ${unit}`);
    }
  });

  it('rejects negative, fractional and huge amounts', () => {
    expect(codeOf(() => interval(-1, 'DAY'))).toBe(INVALID);
    expect(codeOf(() => interval(1.5, 'DAY'))).toBe(INVALID);
    expect(codeOf(() => interval(NaN, 'DAY'))).toBe(INVALID);
    expect(codeOf(() => interval(1_000_000_001, 'DAY'))).toBe(INVALID);
  });

  it('rejects unknown units', () => {
    expect(codeOf(() => interval(1, 'FORTNIGHT' as IntervalUnit))).toBe(INVALID);
    expect(codeOf(() => interval(1, 'day' as IntervalUnit))).toBe(INVALID);
    expect(codeOf(() => interval(1, 'DAY) OR (1' as IntervalUnit))).toBe(INVALID);
  });
});

describe('join and trusted', () => {
  it('joins fragments with a fixed separator', () => {
    const parts = [sql`a = ${1}`, sql`b = ${'x'}`];
    expect(join(parts, ' AND ').text).toBe("a = 1 AND b = 'x'");
    expect(join(parts, ', ').text).toBe("a = 1, b = 'x'");
    expect(join([], ' OR ').text).toBe('');
  });

  it('passes trusted text through untouched', () => {
    expect(trusted("SELECT 'a'").text).toBe("SELECT 'a'");
    expect(EMPTY.text).toBe('');
  });
});

// ---------------------------------------------------------------------------
// Against the real server: whatever the escaping module renders must mean, to
// ClickHouse, exactly the value it was given.
// ---------------------------------------------------------------------------

/** Characters that matter to SQL lexers, JSON writers or UTF-8 encoders. */
const TRICKY_CHARS = [
  "'",
  '\\',
  '"',
  '`',
  '\0',
  '\n',
  '\r',
  '\t',
  '\b',
  '\f',
  '\v',
  '\x07',
  '\x1a',
  '\x1b',
  '\x7f',
  '\u0085',
  '\u00a0',
  '\u2028',
  '\u2029',
  '\ufeff',
  '\ufffd',
  '\ud800',
  '\udbff',
  '\udc00',
  '\udfff',
  '😀',
  'é',
  'e\u0301',
  '中',
  '?',
  '{',
  '}',
  ':',
  ';',
  '-',
  '/',
  '*',
  '#',
  '$',
  '%',
  '0',
  'x',
  ' ',
  '--',
  '/*',
  '*/',
  '\\x41',
  '\\N',
  '{p:String}',
  ' FORMAT CSV',
  "' OR '1'='1",
] as const;

const trickyString = fc.string({ unit: fc.constantFrom(...TRICKY_CHARS), maxLength: 40 });
const codePoint = fc.string({ unit: 'binary', minLength: 1, maxLength: 1 });
/** Any string: raw code points (lone surrogates included), graphemes, and the tricky characters mixed in. */
const anyString = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  trickyString,
  fc.string({ unit: fc.oneof(codePoint, fc.constantFrom(...TRICKY_CHARS)), maxLength: 60 }),
);

const NUM_RUNS = 200;

/** What ClickHouse should give back: UTF-8 cannot hold lone surrogates, which become U+FFFD. */
function stored(s: string): string {
  return s.toWellFormed();
}

/** ClickHouse's JSON output quotes 64-bit integers; every other number is a JSON number. */
function asNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Number(v);
  throw new Error(`expected a number, got ${JSON.stringify(v)}`);
}

describe('escaping against ClickHouse', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb({ migrate: false });
  });
  afterAll(async () => {
    await t.drop();
  });

  async function selectOne(q: ReturnType<typeof sql>): Promise<Record<string, unknown>> {
    const rows = await t.db.query(q);
    expect(rows).toHaveLength(1);
    return rows[0] as Record<string, unknown>;
  }

  it.each([
    '',
    "'",
    "''",
    '\\',
    "\\'",
    "'\\",
    "it's",
    'back\\slash\\',
    'nul\0in\0the\0middle',
    '\0',
    'line\nbreak\r\nwindows',
    'tab\tseparated',
    '\b\f\v\x07\x1b\x7f',
    Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join(''),
    "'; DROP TABLE system.one; --",
    "' OR 1=1 --",
    "\\'; SELECT 1; --",
    '/* not a comment */',
    '-- not a comment',
    '{name:String}',
    '"double" `back`',
    'unicode: é 中文 😀 \u2028\u2029 \ufeff',
    '\\x41\\N\\u0041',
    'x'.repeat(100_000),
  ])('round-trips %j', async (s) => {
    const row = await selectOne(sql`SELECT ${s} AS v`);
    expect(row).toEqual({ v: s });
  });

  it('stores lone surrogates as U+FFFD', async () => {
    const row = await selectOne(sql`SELECT ${'a\ud800b\udfff'} AS v`);
    expect(row.v).toBe('a\ufffdb\ufffd');
  });

  it('property: any string round-trips through a literal', async () => {
    await fc.assert(
      fc.asyncProperty(anyString, async (s) => {
        const rows = await t.db.query<{ v: unknown }>(sql`SELECT ${s} AS v`);
        expect(rows).toEqual([{ v: stored(s) }]);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('property: well-formed unicode strings round-trip unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 80 }), async (s) => {
        const rows = await t.db.query<{ v: unknown; n: unknown }>(sql`SELECT ${s} AS v, length(${s}) AS n`);
        expect(rows).toHaveLength(1);
        expect(rows[0]?.v).toBe(s);
        // length() counts bytes: the server holds exactly the UTF-8 encoding of s.
        expect(asNumber(rows[0]?.n)).toBe(Buffer.byteLength(s, 'utf8'));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('property: no string changes the shape of a WHERE clause', async () => {
    await fc.assert(
      fc.asyncProperty(anyString, async (s) => {
        const equal = await t.db.query<{ c: unknown }>(
          sql`SELECT count() AS c FROM system.one WHERE ${s} = ${s}`,
        );
        expect(equal).toHaveLength(1);
        expect(asNumber(equal[0]?.c)).toBe(1);
        const different = await t.db.query<{ c: unknown }>(
          sql`SELECT count() AS c FROM system.one WHERE ${s} != ${s}`,
        );
        expect(different).toHaveLength(1);
        expect(asNumber(different[0]?.c)).toBe(0);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('property: no string changes the selected columns', async () => {
    await fc.assert(
      fc.asyncProperty(anyString, async (s) => {
        const rows = await t.db.query(sql`SELECT ${s} AS a, 1 AS b`);
        expect(rows).toHaveLength(1);
        const row = rows[0] as Record<string, unknown>;
        expect(Object.keys(row).sort()).toEqual(['a', 'b']);
        expect(row).toEqual({ a: stored(s), b: 1 });
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('property: two adjacent strings stay two values', async () => {
    await fc.assert(
      fc.asyncProperty(anyString, anyString, async (a, b) => {
        const rows = await t.db.query(sql`SELECT ${a} AS a, ${b} AS b, concat(${a}, ${b}) AS ab`);
        expect(rows).toEqual([{ a: stored(a), b: stored(b), ab: stored(a) + stored(b) }]);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('property: arrays of strings round-trip', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anyString, { maxLength: 8 }), async (arr) => {
        const rows = await t.db.query<{ v: unknown; n: unknown }>(
          sql`SELECT ${arr} AS v, length(${arr}) AS n`,
        );
        expect(rows).toHaveLength(1);
        expect(rows[0]?.v).toEqual(arr.map(stored));
        expect(asNumber(rows[0]?.n)).toBe(arr.length);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('property: finite doubles round-trip', async () => {
    await fc.assert(
      fc.asyncProperty(fc.double({ noNaN: true, noDefaultInfinity: true }), async (n) => {
        const rows = await t.db.query<{ v: unknown }>(sql`SELECT ${n} AS v`);
        expect(rows).toHaveLength(1);
        // -0 renders as 0; every other double comes back bit for bit.
        expect(asNumber(rows[0]?.v)).toBe(n === 0 ? 0 : n);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it.each([
    ['the smallest subnormal', Number.MIN_VALUE],
    ['a negative subnormal', -1.5e-320],
    ['the largest subnormal', 2.225073858507201e-308],
    ['the smallest normal', 2.2250738585072014e-308],
    ['the largest double', Number.MAX_VALUE],
    ['the most negative double', -Number.MAX_VALUE],
    ['2^64 as a double', 2 ** 64],
    ['1e21', 1e21],
    ['0.1', 0.1],
  ])('round-trips %s', async (_name, n) => {
    const row = await selectOne(sql`SELECT ${n} AS v`);
    expect(asNumber(row.v)).toBe(n);
  });

  it('property: 32-bit integers round-trip exactly as JSON numbers', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer(), async (n) => {
        const rows = await t.db.query<{ v: unknown }>(sql`SELECT ${n} AS v`);
        expect(rows).toEqual([{ v: n }]);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('property: safe integers round-trip exactly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.maxSafeInteger(), async (n) => {
        const rows = await t.db.query<{ v: unknown }>(sql`SELECT ${n} AS v, ${int(n)} AS w`);
        expect(rows).toHaveLength(1);
        expect(asNumber(rows[0]?.v)).toBe(n);
        expect(rows[0]).toEqual({ v: rows[0]?.v, w: rows[0]?.v });
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('property: 64-bit bigints round-trip exactly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }), async (b) => {
        const rows = await t.db.query<{ v: unknown }>(sql`SELECT toString(${b}) AS v`);
        expect(rows).toEqual([{ v: b.toString() }]);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('property: a negative number after a minus sign is subtracted, not commented out', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: -1_000_000, max: 1_000_000 }), async (n) => {
        const rows = await t.db.query<{ v: unknown }>(sql`SELECT 10-${n} AS v, 1 AS b`);
        expect(rows).toHaveLength(1);
        expect(asNumber(rows[0]?.v)).toBe(10 - n);
        expect(Object.keys(rows[0] ?? {}).sort()).toEqual(['b', 'v']);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('renders booleans, NULL and Dates the server understands', async () => {
    const d = new Date('2024-03-01T12:34:56.789Z');
    const row = await selectOne(
      sql`SELECT ${true} AS yes, ${false} AS no, isNull(${null}) AS n, toUInt32(${d}) AS ts, toString(${d}) AS iso`,
    );
    expect(row).toEqual({
      yes: 1,
      no: 0,
      n: 1,
      ts: Math.floor(d.getTime() / 1000),
      iso: '2024-03-01 12:34:56',
    });
  });

  it('renders mixed arrays the server understands', async () => {
    const row = await selectOne(
      sql`SELECT ${[1, 2.5, -3]} AS nums, ${[]} AS empty, ${['a', null]} AS withNull`,
    );
    expect(row).toEqual({ nums: [1, 2.5, -3], empty: [], withNull: ['a', null] });
  });

  it('renders identifiers and intervals the server understands', async () => {
    const row = await selectOne(
      sql`SELECT ${ident('dummy')} AS d, toUInt32(toDateTime(0) + ${interval(2, 'HOUR')}) AS s FROM ${qualified('system', 'one')}`,
    );
    expect(row).toEqual({ d: 0, s: 7200 });
  });
});

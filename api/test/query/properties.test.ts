import fc from 'fast-check';
import { sql, type SqlFragment } from '@obshub/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { compileSearch, isQueryError, quoteQueryValue } from '../../src/query/index.ts';
import { queryLike, wellFormedQuery } from './arbitraries.ts';
import { ROWS } from './fixture.ts';
import { insertLogs, type LogRow } from './helpers.ts';

/** Pieces that have broken SQL built from strings before. */
const NASTY = [
  "'",
  "\\'",
  '\\',
  '"',
  '`',
  '%',
  '_',
  '*',
  '?',
  ';',
  '--',
  '/*',
  '*/',
  "' OR 1=1 --",
  "') OR ('1'='1",
  'DROP TABLE logs',
  ' UNION ALL SELECT ',
  '\t',
  '\n',
  ' ',
  'a',
  'B',
  'x',
  '1',
  '(',
  ')',
  ':',
  'AND',
  'OR',
  'NOT',
];

/** ASCII text heavy in quotes, backslashes, LIKE wildcards and SQL: case folding is the same in JS and ClickHouse. */
const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.array(fc.constantFrom(...NASTY), { maxLength: 8 }).map((p) => p.join('')),
  fc.string({ maxLength: 12 }),
);

describe('search properties on ClickHouse', () => {
  let t: TestDb;
  const rows: LogRow[] = [...ROWS];

  beforeAll(async () => {
    t = await createTestDb();
    // Rows whose body and attributes hold nasty strings, next to the ordinary fixture.
    const pool = fc.sample(nastyString, { numRuns: 80, seed: 7 });
    for (const s of pool) {
      rows.push({
        body: `<<${s}>>`,
        service: 'nasty',
        severity: 9,
        attrs: { probe: s },
        resource: { origin: s },
      });
    }
    await insertLogs(t.db, rows);
  });

  afterAll(async () => {
    await t.drop();
  });

  async function ids(where: SqlFragment): Promise<number[]> {
    const result = await t.db.query<{ id: string }>(sql`SELECT id FROM logs WHERE ${where} ORDER BY id`);
    return result.map((r) => Number(r.id));
  }

  function expectedIds(pred: (row: LogRow) => boolean): number[] {
    return rows.flatMap((r, i) => (pred(r) ? [i + 1] : []));
  }

  /** Either a query error, or SQL that ClickHouse runs. Anything else fails the property. */
  async function compilesAndRuns(text: string): Promise<'ran' | 'refused'> {
    let where: SqlFragment;
    try {
      where = compileSearch(text);
    } catch (err) {
      if (isQueryError(err)) return 'refused';
      throw err;
    }
    await t.db.query(sql`SELECT count() AS c FROM logs WHERE ${where}`);
    return 'ran';
  }

  it('answers any string with a query error or SQL that runs', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), queryLike), async (text) => {
        await compilesAndRuns(text);
      }),
      { numRuns: 300 },
    );
  });

  it('runs every well-formed query it accepts, and accepts most of them', async () => {
    let ran = 0;
    let total = 0;
    await fc.assert(
      fc.asyncProperty(wellFormedQuery, async (text) => {
        total++;
        if ((await compilesAndRuns(text)) === 'ran') ran++;
      }),
      { numRuns: 300 },
    );
    expect(ran / total).toBeGreaterThan(0.3);
  });

  it('finds a phrase exactly in the bodies that contain it, whatever it holds', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constantFrom(...rows.map((r) => r.body.slice(2, -2))), nastyString),
        async (s) => {
          const expected = expectedIds((r) => r.body.toLowerCase().includes(s.toLowerCase()));
          expect(await ids(compileSearch(quoteQueryValue(s)))).toEqual(expected);
          expect(await ids(compileSearch(`message:${quoteQueryValue(s)}`))).toEqual(expected);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('matches a quoted attribute value exactly, in record and resource attributes', async () => {
    const pool = rows.map((r) => (r.attrs?.probe ?? '') as string);
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constantFrom(...pool), nastyString), async (s) => {
        expect(await ids(compileSearch(`probe:${quoteQueryValue(s)}`))).toEqual(
          expectedIds((r) => r.attrs?.probe === s),
        );
        expect(await ids(compileSearch(`origin:${quoteQueryValue(s)}`))).toEqual(
          expectedIds((r) => r.resource?.origin === s),
        );
      }),
      { numRuns: 150 },
    );
  });

  it('matches an unquoted prefix* with LIKE wildcards in the value taken literally', async () => {
    const bare = /^[^\s()"<>*][^\s()"*]*$/;
    const prefixes = rows
      .map((r) => (r.attrs?.probe ?? '') as string)
      .flatMap((p) => [p.slice(0, 1), p.slice(0, 3), p])
      .filter((p) => bare.test(p));
    expect(prefixes.length).toBeGreaterThan(10);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...prefixes), async (prefix) => {
        const probe = (r: LogRow): string | undefined => r.attrs?.probe as string | undefined;
        expect(await ids(compileSearch(`probe:${prefix}*`))).toEqual(
          expectedIds((r) => probe(r)?.startsWith(prefix) ?? false),
        );
        expect(await ids(compileSearch(`probe:${prefix}`))).toEqual(expectedIds((r) => probe(r) === prefix));
      }),
      { numRuns: 100 },
    );
  });
});

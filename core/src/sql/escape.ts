import { CoreErrors } from '../errors.ts';

/**
 * The one place where values become SQL text. ClickHouse 18.16 has no query
 * parameters, so every value is rendered here: strings are quoted with backslash
 * escaping, numbers validated, identifiers and intervals checked against a strict
 * grammar. Nothing else in the code base builds SQL from values.
 */

const FRAGMENT = Symbol('sql.fragment');

export interface SqlFragment {
  readonly [FRAGMENT]: true;
  readonly text: string;
}

export type SqlValue =
  | string
  | number
  | bigint
  | boolean
  | Date
  | null
  | SqlFragment
  | ReadonlyArray<string | number | bigint | boolean | Date | null>;

function fragment(text: string): SqlFragment {
  return { [FRAGMENT]: true, text };
}

export function isFragment(value: unknown): value is SqlFragment {
  return typeof value === 'object' && value !== null && FRAGMENT in value;
}

const STRING_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\0': '\\0',
  '\b': '\\b',
  '\f': '\\f',
};

/**
 * Quotes a string for ClickHouse. Lone UTF-16 surrogates cannot be stored as
 * UTF-8, so they become U+FFFD first; every other string round-trips unchanged.
 */
export function quoteString(value: string): string {
  const wellFormed = value.isWellFormed() ? value : value.toWellFormed();
  return `'${wellFormed.replace(/[\\'\n\r\t\0\b\f]/g, (c: string) => STRING_ESCAPES[c] as string)}'`;
}

/** 2^54: scales every subnormal double into the normal range, exactly. */
const SUBNORMAL_SCALE = 2 ** 54;
const MIN_NORMAL = 2.2250738585072014e-308;

export function renderNumber(value: number): string {
  if (!Number.isFinite(value)) throw new CoreErrors.SQL_INVALID_VALUE(`non-finite number ${value}`);
  if (value !== 0 && Math.abs(value) < MIN_NORMAL) {
    // ClickHouse 18.16 parses number literals with strtod and rejects its ERANGE, which
    // glibc raises for subnormals: `SELECT 5e-324` is a syntax error. Scaling by a power
    // of two and dividing it back out on the server is exact.
    return `(${(value * SUBNORMAL_SCALE).toString()} / ${SUBNORMAL_SCALE})`;
  }
  // Exponent form is valid ClickHouse float syntax (1e-7, 1.5e+300).
  return value.toString();
}

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

function renderBigInt(value: bigint): string {
  // Outside Int64/UInt64 ClickHouse would read the literal as a Float64 and silently round it.
  if (value < INT64_MIN || value > UINT64_MAX) {
    throw new CoreErrors.SQL_INVALID_VALUE(`integer ${value.toString()} is outside the Int64/UInt64 range`);
  }
  return value.toString();
}

function renderDate(value: Date): string {
  const ms = value.getTime();
  if (!Number.isFinite(ms)) throw new CoreErrors.SQL_INVALID_VALUE('invalid Date');
  if (ms < 0 || ms > 4_294_967_295_000) throw new CoreErrors.SQL_INVALID_VALUE('Date outside DateTime range');
  return `toDateTime(${Math.floor(ms / 1000)})`;
}

function renderScalar(value: string | number | bigint | boolean | Date | null): string {
  if (value === null) return 'NULL';
  switch (typeof value) {
    case 'string':
      return quoteString(value);
    case 'number':
      return renderNumber(value);
    case 'bigint':
      return renderBigInt(value);
    case 'boolean':
      return value ? '1' : '0';
    default:
      if (value instanceof Date) return renderDate(value);
      throw new CoreErrors.SQL_INVALID_VALUE(`unsupported type ${typeof value}`);
  }
}

/** Renders one interpolated value. Arrays become ClickHouse array literals. */
export function renderValue(value: SqlValue): string {
  if (isFragment(value)) return value.text;
  if (Array.isArray(value)) {
    return `[${(value as ReadonlyArray<string | number | bigint | boolean | Date | null>).map(renderScalar).join(', ')}]`;
  }
  return renderScalar(value as string | number | bigint | boolean | Date | null);
}

/** Tagged template: `sql\`SELECT ... WHERE name = ${name}\`` with every value escaped. */
export function sql(strings: TemplateStringsArray, ...values: SqlValue[]): SqlFragment {
  let text = strings[0] as string;
  for (let i = 0; i < values.length; i++) {
    const rendered = renderValue(values[i] as SqlValue);
    // `10-${-5}` must not become `10--5`: `--` starts a comment that would swallow the
    // rest of the line (a WHERE condition, say). A space keeps the two minus signs apart.
    if (rendered.startsWith('-') && text.endsWith('-')) text += ' ';
    text += rendered + (strings[i + 1] as string);
  }
  return fragment(text);
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** An identifier (table, column, database), validated and back-quoted. */
export function ident(name: string): SqlFragment {
  if (!IDENTIFIER.test(name)) throw new CoreErrors.SQL_INVALID_VALUE(`invalid identifier "${name}"`);
  return fragment(`\`${name}\``);
}

/** `db.table`, both parts validated. */
export function qualified(database: string, table: string): SqlFragment {
  return fragment(`${ident(database).text}.${ident(table).text}`);
}

/** A whole number within bounds: LIMIT, step seconds, counts. */
export function int(
  value: number,
  min = Number.MIN_SAFE_INTEGER,
  max = Number.MAX_SAFE_INTEGER,
): SqlFragment {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new CoreErrors.SQL_INVALID_VALUE(`expected an integer in [${min}, ${max}], got ${value}`);
  }
  return fragment(value.toString());
}

const INTERVAL_UNITS = ['SECOND', 'MINUTE', 'HOUR', 'DAY', 'WEEK', 'MONTH', 'YEAR'] as const;
export type IntervalUnit = (typeof INTERVAL_UNITS)[number];

export function interval(amount: number, unit: IntervalUnit): SqlFragment {
  if (!INTERVAL_UNITS.includes(unit)) throw new CoreErrors.SQL_INVALID_VALUE(`invalid interval unit ${unit}`);
  return fragment(`INTERVAL ${int(amount, 0, 1_000_000_000).text} ${unit}`);
}

/** Joins fragments with a separator (itself a fixed piece of SQL). */
export function join(
  parts: ReadonlyArray<SqlFragment>,
  separator: ', ' | ' AND ' | ' OR ' | ' ' | '\n',
): SqlFragment {
  return fragment(parts.map((p) => p.text).join(separator));
}

/**
 * Trusted SQL text written in this code base (DDL from the schema module, fixed
 * keywords). Never pass user input here.
 */
export function trusted(text: string): SqlFragment {
  return fragment(text);
}

export const EMPTY: SqlFragment = fragment('');

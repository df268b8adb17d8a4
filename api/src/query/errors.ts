import createError from '@fastify/error';

/**
 * Errors of the log search language, all 400: the query is the user's to fix.
 * Each carries `position`, the 0-based UTF-16 offset in the query text that the
 * UI should point at; the message repeats it, so it survives any error handler.
 */

const SyntaxBase = createError<'HUB_QUERY_SYNTAX', 400, [number, string, string]>(
  'HUB_QUERY_SYNTAX',
  'Query syntax error at position %d: expected %s but found %s',
  400,
);

const InvalidValueBase = createError<'HUB_QUERY_INVALID_VALUE', 400, [number, string]>(
  'HUB_QUERY_INVALID_VALUE',
  'Invalid value at position %d: %s',
  400,
);

const InvalidOperatorBase = createError<'HUB_QUERY_INVALID_OPERATOR', 400, [number, string]>(
  'HUB_QUERY_INVALID_OPERATOR',
  'Unsupported comparison at position %d: %s',
  400,
);

const TooComplexBase = createError<'HUB_QUERY_TOO_COMPLEX', 400, [number, string]>(
  'HUB_QUERY_TOO_COMPLEX',
  'Query too complex at position %d: %s',
  400,
);

/** "a", "a or b", "a, b or c". */
export function formatAlternatives(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? 'nothing';
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1] as string}`;
}

/** What was found at an error position, for messages: end of query or the quoted character. */
export function describeFound(found: string | null): string {
  return found === null ? 'end of query' : JSON.stringify(found);
}

/** The query does not follow the grammar. */
export class QuerySyntaxError extends SyntaxBase {
  readonly position: number;
  /** Human-readable alternatives, e.g. ['a value'], ['")"'], ['end of query']. */
  readonly expected: readonly string[];
  /** The character at `position`, or null at the end of the query. */
  readonly found: string | null;

  constructor(position: number, expected: readonly string[], found: string | null) {
    super(position, formatAlternatives(expected), describeFound(found));
    this.name = 'QuerySyntaxError';
    this.position = position;
    this.expected = expected;
    this.found = found;
  }
}

/** A well-formed term with a value its field cannot take (severity:loud, size:>abc). */
export class QueryValueError extends InvalidValueBase {
  readonly position: number;

  constructor(position: number, detail: string) {
    super(position, detail);
    this.name = 'QueryValueError';
    this.position = position;
  }
}

/** A comparison (>, >=, <, <=) on a field that has no order (service:>x). */
export class QueryOperatorError extends InvalidOperatorBase {
  readonly position: number;

  constructor(position: number, detail: string) {
    super(position, detail);
    this.name = 'QueryOperatorError';
    this.position = position;
  }
}

/** Longer than the length limit or nested deeper than the depth limit. */
export class QueryTooComplexError extends TooComplexBase {
  readonly position: number;

  constructor(position: number, detail: string) {
    super(position, detail);
    this.name = 'QueryTooComplexError';
    this.position = position;
  }
}

/** The query errors' catalogue (docs/query-language.md lists every code). */
export const QueryErrors = {
  SYNTAX: QuerySyntaxError,
  INVALID_VALUE: QueryValueError,
  INVALID_OPERATOR: QueryOperatorError,
  TOO_COMPLEX: QueryTooComplexError,
} as const;

export type QueryError = QuerySyntaxError | QueryValueError | QueryOperatorError | QueryTooComplexError;

export function isQueryError(err: unknown): err is QueryError {
  return (
    err instanceof QuerySyntaxError ||
    err instanceof QueryValueError ||
    err instanceof QueryOperatorError ||
    err instanceof QueryTooComplexError
  );
}

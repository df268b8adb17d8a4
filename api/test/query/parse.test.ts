import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatQuery,
  MAX_QUERY_DEPTH,
  MAX_QUERY_LENGTH,
  MAX_QUERY_TERMS,
  parseQuery,
  QuerySyntaxError,
  QueryTooComplexError,
  type BoolNode,
  type QueryNode,
} from '../../src/query/index.ts';
import { show, withoutPositions } from './helpers.ts';
import { queryLike } from './arbitraries.ts';

const s = (q: string): string => show(parseQuery(q));

/** The error parseQuery throws for q. */
function errorOf(q: string): QuerySyntaxError | QueryTooComplexError {
  try {
    parseQuery(q);
  } catch (err) {
    if (err instanceof QuerySyntaxError || err instanceof QueryTooComplexError) return err;
    throw err;
  }
  throw new Error(`no error for ${q}`);
}

function syntaxErrorOf(q: string): QuerySyntaxError {
  const err = errorOf(q);
  if (err instanceof QuerySyntaxError) return err;
  throw new Error(`not a syntax error for ${q}: ${err.message}`);
}

describe('parseQuery: terms', () => {
  it('parses an empty or blank query to null (match everything)', () => {
    expect(parseQuery('')).toBeNull();
    expect(parseQuery(' \t\n ')).toBeNull();
  });

  it('parses a free-text word with its position', () => {
    expect(parseQuery('  timeout ')).toEqual({
      type: 'text',
      value: 'timeout',
      phrase: false,
      wildcard: false,
      start: 2,
      end: 9,
    });
  });

  it('parses a quoted phrase, unescaping backslashes', () => {
    expect(parseQuery('"connection \\"reset\\" by \\\\peer"')).toEqual({
      type: 'text',
      value: 'connection "reset" by \\peer',
      phrase: true,
      wildcard: false,
      start: 0,
      end: 32,
    });
    // Any escaped character stands for itself; * in quotes is no wildcard.
    expect(s('"a\\*b\\n"')).toBe('"a*bn"');
    expect(s('"a*b"')).toBe('"a*b"');
    expect(s('""')).toBe('""');
  });

  it('marks unquoted words with * as wildcards', () => {
    expect(parseQuery('conn*refused')).toMatchObject({ type: 'text', value: 'conn*refused', wildcard: true });
    expect(s('*')).toBe('*~');
  });

  it('parses field:value with its value position', () => {
    expect(parseQuery('service:checkout')).toEqual({
      type: 'match',
      field: 'service',
      op: 'eq',
      value: 'checkout',
      quoted: false,
      wildcard: false,
      start: 0,
      end: 16,
      valueStart: 8,
    });
  });

  it('parses field:"quoted value" with escapes', () => {
    expect(parseQuery('msg:"it\'s \\"x\\""')).toEqual({
      type: 'match',
      field: 'msg',
      op: 'eq',
      value: 'it\'s "x"',
      quoted: true,
      wildcard: false,
      start: 0,
      end: 16,
      valueStart: 4,
    });
    expect(s('path:"/api/*"')).toBe('path="/api/*"');
  });

  it('parses comparisons', () => {
    expect(s('duration_ms:>500')).toBe('duration_ms>500');
    expect(s('duration_ms:>=500')).toBe('duration_ms>=500');
    expect(s('duration_ms:<500')).toBe('duration_ms<500');
    expect(s('duration_ms:<=1.5e3')).toBe('duration_ms<=1.5e3');
    expect(s('delta:>=-5')).toBe('delta>=-5');
    expect(s('severity:>=warn')).toBe('severity>=warn');
    expect(s('x:>="a b"')).toBe('x>="a b"');
    expect(parseQuery('x:>=5')).toMatchObject({ op: 'gte', valueStart: 2, start: 0, end: 5 });
  });

  it('parses field:* as exists, and field:"*" as a literal star', () => {
    expect(parseQuery('k8s.pod.name:*')).toEqual({
      type: 'exists',
      field: 'k8s.pod.name',
      start: 0,
      end: 14,
    });
    expect(s('x:"*"')).toBe('x="*"');
    expect(s('x:**')).toBe('x=**~');
  });

  it('parses wildcard values: prefix, suffix, infix', () => {
    expect(s('service:check*')).toBe('service=check*~');
    expect(s('service:*out')).toBe('service=*out~');
    expect(s('path:/api/*/items')).toBe('path=/api/*/items~');
  });

  it('accepts OTel field names and values with colons, dashes and symbols', () => {
    expect(s('http.response.status_code:500')).toBe('http.response.status_code=500');
    expect(s('k8s.pod.name:web-7f9c')).toBe('k8s.pod.name=web-7f9c');
    expect(s('user_id:u-1')).toBe('user_id=u-1');
    expect(s('deployment.environment.name:prod')).toBe('deployment.environment.name=prod');
    expect(s('url:http://x.test/a?b=c')).toBe('url=http://x.test/a?b=c');
    expect(s('x:a\\b')).toBe('x=a\\b');
    expect(s("x:it's")).toBe("x=it's");
    expect(s('x:=5')).toBe('x==5');
  });
});

describe('parseQuery: operators', () => {
  it('joins adjacent terms with an implicit AND, flattened', () => {
    expect(s('a b c')).toBe('(and a b c)');
    expect(s('a AND b c')).toBe('(and a b c)');
    expect(s('foo"bar"')).toBe('(and foo "bar")');
    expect(s('a(b)')).toBe('(and a b)');
    expect(s('a\tb\nc')).toBe('(and a b c)');
  });

  it('flattens OR chains', () => {
    expect(s('a OR b OR c')).toBe('(or a b c)');
  });

  it('binds NOT tighter than AND, and AND tighter than OR', () => {
    expect(s('a b OR c d')).toBe('(or (and a b) (and c d))');
    expect(s('a OR b AND c')).toBe('(or a (and b c))');
    expect(s('a AND b OR c')).toBe('(or (and a b) c)');
    expect(s('NOT a b')).toBe('(and (not a) b)');
    expect(s('NOT a OR b')).toBe('(or (not a) b)');
    expect(s('-a OR b c')).toBe('(or (not a) (and b c))');
  });

  it('groups with parentheses, keeping the group as a node', () => {
    expect(s('(a OR b) c')).toBe('(and (or a b) c)');
    expect(s('a (b OR (c d))')).toBe('(and a (or b (and c d)))');
    expect(s('(a b) c')).toBe('(and (and a b) c)');
    expect(s('( a )')).toBe('a');
  });

  it('negates with NOT and with a leading -', () => {
    expect(s('NOT a')).toBe('(not a)');
    expect(s('NOT NOT a')).toBe('(not (not a))');
    expect(s('NOT -a')).toBe('(not (not a))');
    expect(s('-service:checkout')).toBe('(not service=checkout)');
    expect(s('-"a b"')).toBe('(not "a b")');
    expect(s('-(a OR b)')).toBe('(not (or a b))');
    expect(s('-x:*')).toBe('(not x?)');
    expect(s('NOT(a)')).toBe('(not a)');
  });

  it('treats - inside a word, and lowercase and/or/not, as text', () => {
    expect(s('a-b')).toBe('a-b');
    expect(s('and or not')).toBe('(and and or not)');
    expect(s('ANDROID ORACLE NOTE')).toBe('(and ANDROID ORACLE NOTE)');
    expect(s('a AND(b)')).toBe('(and a b)');
    expect(s('NOT:x')).toBe('NOT=x');
  });

  it('records the span of every node', () => {
    const node = parseQuery('a OR -(b c:d)') as QueryNode & { children: QueryNode[] };
    expect(node).toMatchObject({ type: 'or', start: 0, end: 13 });
    expect(node.children[1]).toMatchObject({
      type: 'not',
      start: 5,
      end: 13,
      expr: {
        type: 'and',
        start: 7,
        end: 12,
        children: [
          { start: 7, end: 8 },
          { type: 'match', start: 9, end: 12, valueStart: 11 },
        ],
      },
    });
  });
});

describe('parseQuery: syntax errors', () => {
  it.each([
    // query, position, expected, found
    ['service:', 8, ['a value'], null],
    ['service: checkout', 8, ['a value'], ' '],
    ['x:>', 3, ['a value'], null],
    ['(a OR b', 7, ['")"'], null],
    ['((a) b', 6, ['")"'], null],
    ['a AND', 5, ['a term'], null],
    ['a OR', 4, ['a term'], null],
    ['a OR OR b', 5, ['a term'], 'O'],
    ['NOT', 3, ['a term'], null],
    ['AND', 0, ['a term'], 'A'],
    ['-', 1, ['a term'], null],
    ['a - b', 3, ['a term'], ' '],
    ['--a', 1, ['a term'], '-'],
    ['()', 1, ['a term'], ')'],
    [')', 0, ['a term'], ')'],
    [':x', 0, ['a term'], ':'],
    ['a)', 1, ['end of query'], ')'],
    ['a b) c', 3, ['end of query'], ')'],
    ['"abc', 4, ['a closing quote'], null],
    ['a "b" c"', 8, ['a closing quote'], null],
    ['x:"abc', 6, ['a closing quote'], null],
    ['"abc\\', 5, ['a closing quote'], null],
  ] as const)('%j: position %d, expected %j', (query, position, expected, found) => {
    const err = errorOf(query);
    expect(err).toBeInstanceOf(QuerySyntaxError);
    expect(err).toMatchObject({ code: 'HUB_QUERY_SYNTAX', statusCode: 400, position, expected, found });
  });

  it('says where and what in the message', () => {
    expect(errorOf('service:').message).toBe(
      'Query syntax error at position 8: expected a value but found end of query',
    );
    expect(errorOf('(a OR b').message).toBe(
      'Query syntax error at position 7: expected ")" but found end of query',
    );
    expect(errorOf('a)').message).toBe(
      'Query syntax error at position 1: expected end of query but found ")"',
    );
  });

  it('reports a whole non-BMP character as found', () => {
    expect(syntaxErrorOf('a)😀').found).toBe(')');
    expect(syntaxErrorOf('😀:').found).toBe(null);
    expect(errorOf(':😀')).toMatchObject({ position: 0, found: ':' });
    expect(errorOf('(😀 😀')).toMatchObject({ position: 6, expected: ['")"'] });
  });
});

describe('parseQuery: limits', () => {
  it(`accepts ${MAX_QUERY_LENGTH} characters and refuses more`, () => {
    expect(parseQuery('a'.repeat(MAX_QUERY_LENGTH))).toMatchObject({ type: 'text' });
    const err = errorOf('a'.repeat(MAX_QUERY_LENGTH + 1));
    expect(err).toBeInstanceOf(QueryTooComplexError);
    expect(err).toMatchObject({ code: 'HUB_QUERY_TOO_COMPLEX', statusCode: 400, position: MAX_QUERY_LENGTH });
    expect(err.message).toBe(
      `Query too complex at position ${MAX_QUERY_LENGTH}: the query is ${MAX_QUERY_LENGTH + 1} characters long; the limit is ${MAX_QUERY_LENGTH}`,
    );
  });

  it(`accepts ${MAX_QUERY_DEPTH} levels of nesting and refuses more, pointing at the first one too deep`, () => {
    const nest = (n: number): string => '('.repeat(n) + 'a' + ')'.repeat(n);
    expect(s(nest(MAX_QUERY_DEPTH))).toBe('a');
    expect(errorOf(nest(MAX_QUERY_DEPTH + 1))).toMatchObject({
      code: 'HUB_QUERY_TOO_COMPLEX',
      position: MAX_QUERY_DEPTH,
    });
    expect(parseQuery('NOT '.repeat(MAX_QUERY_DEPTH) + 'a')).toMatchObject({ type: 'not' });
    expect(errorOf('NOT '.repeat(MAX_QUERY_DEPTH + 1) + 'a')).toMatchObject({
      code: 'HUB_QUERY_TOO_COMPLEX',
      position: 4 * MAX_QUERY_DEPTH,
    });
    expect(errorOf('-('.repeat(MAX_QUERY_DEPTH / 2 + 1) + 'a')).toMatchObject({
      code: 'HUB_QUERY_TOO_COMPLEX',
      position: MAX_QUERY_DEPTH,
    });
    // Unclosed parentheses past the limit: the depth is what is reported, no stack overflow.
    expect(errorOf('('.repeat(MAX_QUERY_LENGTH)).code).toBe('HUB_QUERY_TOO_COMPLEX');
  });

  it(`accepts ${MAX_QUERY_TERMS} terms in a flat, shallow tree, quickly, and refuses more`, () => {
    const q = Array<string>(MAX_QUERY_TERMS).fill('a:b').join(' OR ');
    const started = performance.now();
    const node = parseQuery(q) as BoolNode;
    expect(performance.now() - started).toBeLessThan(1000);
    expect(node.type).toBe('or');
    expect(node.children.length).toBe(MAX_QUERY_TERMS);
    const err = errorOf(`${q} -(x "y")`);
    expect(err).toMatchObject({ code: 'HUB_QUERY_TOO_COMPLEX', position: q.length + 3 });
    expect(err.message).toBe(
      `Query too complex at position ${q.length + 3}: the query has more than ${MAX_QUERY_TERMS} terms`,
    );
  });
});

/** Every node's span lies inside the query and inside its parent's span. */
function checkSpans(node: QueryNode, min: number, max: number): void {
  expect(node.start).toBeGreaterThanOrEqual(min);
  expect(node.end).toBeLessThanOrEqual(max);
  expect(node.start).toBeLessThan(node.end);
  if (node.type === 'and' || node.type === 'or') {
    expect(node.children.length).toBeGreaterThanOrEqual(2);
    for (const c of node.children) checkSpans(c, node.start, node.end);
  } else if (node.type === 'not') checkSpans(node.expr, node.start, node.end);
}

const EXPECTATIONS = new Set(['a term', 'a value', 'a closing quote', '")"', 'end of query']);

/** parseQuery's outcome for any text: an AST with sane spans, or one of its own errors. */
function parseOrQueryError(text: string): QueryNode | null | undefined {
  let node: QueryNode | null;
  try {
    node = parseQuery(text);
  } catch (err) {
    if (err instanceof QuerySyntaxError) {
      expect(err.position).toBeGreaterThanOrEqual(0);
      expect(err.position).toBeLessThanOrEqual(text.length);
      expect(err.expected.length).toBeGreaterThan(0);
      for (const e of err.expected) expect(EXPECTATIONS).toContain(e);
      return undefined;
    }
    expect(err).toBeInstanceOf(QueryTooComplexError);
    return undefined;
  }
  if (node !== null) checkSpans(node, 0, text.length);
  return node;
}

describe('parseQuery: properties', () => {
  it('answers any string with an AST or a query error, never anything else', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), queryLike), (text) => {
        parseOrQueryError(text);
      }),
      { numRuns: 2000 },
    );
  });

  it('parses formatQuery(ast) back to the same tree', () => {
    fc.assert(
      fc.property(queryLike, (text) => {
        const node = parseOrQueryError(text);
        if (node === undefined) return;
        expect(withoutPositions(parseQuery(formatQuery(node)))).toEqual(withoutPositions(node));
      }),
      { numRuns: 2000 },
    );
  });

  it('finds enough query-like strings that parse for the properties to mean something', () => {
    const samples = fc.sample(queryLike, { numRuns: 2000, seed: 42 });
    const parsed = samples.filter((t) => parseOrQueryError(t) !== undefined).length;
    expect(parsed / samples.length).toBeGreaterThan(0.2);
  });
});

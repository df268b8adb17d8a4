import { readFileSync } from 'node:fs';
import peggy from 'peggy';
import type { QueryNode } from './ast.ts';
import { QuerySyntaxError, QueryTooComplexError } from './errors.ts';

/** Longest query accepted, in UTF-16 code units. */
export const MAX_QUERY_LENGTH = 4096;
/** Deepest nesting of parentheses, NOT and "-" accepted. */
export const MAX_QUERY_DEPTH = 64;
/**
 * Most terms (words, phrases, field terms) accepted. A term compiles to up to
 * ~250 characters of SQL; 512 of them stay well inside ClickHouse's default
 * max_query_size (256 KiB) with room for the rest of the query.
 */
export const MAX_QUERY_TERMS = 512;

/**
 * The grammar lives in grammar.peggy and is compiled once, when this module
 * loads (about 60 ms, measured). Generating at load rather than committing peggy's
 * output keeps one source of truth, needs no build step (this code base runs
 * directly under tsx) and keeps generated JavaScript out of lint and format checks.
 */
const parser = peggy.generate(readFileSync(new URL('./grammar.peggy', import.meta.url), 'utf8'), {
  grammarSource: 'grammar.peggy',
});

type Expectation = peggy.parser.Expectation;

/** What closes the construct being parsed; the usual answer when one is expected. */
const CLOSERS = new Set(['")"', 'end of query', 'a closing quote']);
/**
 * Always possible after a complete term, so they add nothing when a closer is
 * expected too: `(a OR b` says expected ")" rather than listing AND, OR and a term.
 */
const CONTINUATIONS = new Set(['"AND"', '"OR"', 'a term']);

function describeExpectation(e: Expectation): string {
  switch (e.type) {
    case 'end':
      return 'end of query';
    case 'other':
      return e.description;
    case 'literal':
      return JSON.stringify(e.text);
    case 'any':
      return 'any character';
    case 'class':
      // Every character class sits inside a named rule; this is a fallback.
      return 'a character';
  }
}

/** Human-readable, deduplicated, sorted expectations for an error message. */
function describeExpected(raw: readonly Expectation[]): string[] {
  let items = [...new Set(raw.map(describeExpectation))];
  if (items.some((i) => CLOSERS.has(i))) items = items.filter((i) => !CONTINUATIONS.has(i));
  return items.sort();
}

function charAt(text: string, position: number): string | null {
  const cp = text.codePointAt(position);
  return cp === undefined ? null : String.fromCodePoint(cp);
}

/**
 * Parses a log search query into its AST; an empty or blank query is null
 * (match everything). Throws QuerySyntaxError (HUB_QUERY_SYNTAX) with the
 * position and what was expected there, or QueryTooComplexError
 * (HUB_QUERY_TOO_COMPLEX) past the length, depth or term limit. Field names and
 * values are checked by compileQuery, which knows the fields.
 */
export function parseQuery(text: string): QueryNode | null {
  if (text.length > MAX_QUERY_LENGTH) {
    throw new QueryTooComplexError(
      MAX_QUERY_LENGTH,
      `the query is ${text.length} characters long; the limit is ${MAX_QUERY_LENGTH}`,
    );
  }
  let node: QueryNode | null;
  try {
    node = parser.parse(text, {
      maxDepth: MAX_QUERY_DEPTH,
      onTooDeep(position: number): never {
        throw new QueryTooComplexError(
          position,
          `parentheses, NOT and "-" nest deeper than ${MAX_QUERY_DEPTH} levels`,
        );
      },
    }) as QueryNode | null;
  } catch (err) {
    if (err instanceof parser.SyntaxError) {
      const position = err.location.start.offset;
      throw new QuerySyntaxError(position, describeExpected(err.expected ?? []), charAt(text, position));
    }
    throw err;
  }
  checkTermCount(node);
  return node;
}

/** Throws at the first term past MAX_QUERY_TERMS, in reading order. */
function checkTermCount(root: QueryNode | null): void {
  const stack: QueryNode[] = root === null ? [] : [root];
  let terms = 0;
  while (stack.length > 0) {
    const node = stack.pop() as QueryNode;
    if (node.type === 'and' || node.type === 'or') {
      for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i] as QueryNode);
    } else if (node.type === 'not') {
      stack.push(node.expr);
    } else if (++terms > MAX_QUERY_TERMS) {
      throw new QueryTooComplexError(node.start, `the query has more than ${MAX_QUERY_TERMS} terms`);
    }
  }
}

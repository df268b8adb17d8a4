/**
 * The AST of the log search language (docs/query-language.md), produced by
 * parseQuery() and compiled to SQL by compileQuery(). Every node carries the
 * UTF-16 offsets [start, end) of the query text it came from, so errors and a
 * UI can point at it. An empty query parses to null (match everything).
 */

/** Comparison of a field:value term: field:v, field:>v, field:>=v, field:<v, field:<=v. */
export type CompareOp = 'eq' | 'gt' | 'gte' | 'lt' | 'lte';

interface Span {
  /** Offset of the node's first character. */
  readonly start: number;
  /** Offset just past the node's last character. */
  readonly end: number;
}

/**
 * AND / OR of two or more terms, flattened: `a b c` is one node with three
 * children, so a long query builds a shallow tree and flat SQL. Parentheses
 * leave their own node: `(a b) c` is and(and(a, b), c).
 */
export interface BoolNode extends Span {
  readonly type: 'and' | 'or';
  readonly children: readonly QueryNode[];
}

/** NOT term, -term. */
export interface NotNode extends Span {
  readonly type: 'not';
  readonly expr: QueryNode;
}

/** Free text (`timeout`, `conn*refused`) or a "quoted phrase", searched in the body. */
export interface TextNode extends Span {
  readonly type: 'text';
  /** Unescaped text. */
  readonly value: string;
  /** Written in quotes: matched literally, `*` included. */
  readonly phrase: boolean;
  /** Unquoted and contains `*`: each `*` stands for any run of characters. */
  readonly wildcard: boolean;
}

/** field:value, field:"quoted value", field:>=500, field:prefix*. */
export interface MatchNode extends Span {
  readonly type: 'match';
  /** Field name as written: an alias (service, severity) or an OTel attribute name. */
  readonly field: string;
  readonly op: CompareOp;
  /** Unescaped value. */
  readonly value: string;
  readonly quoted: boolean;
  /** Unquoted and contains `*`. */
  readonly wildcard: boolean;
  /** Offset of the value (after the colon), for errors about the value. */
  readonly valueStart: number;
}

/** field:* (the field is present). */
export interface ExistsNode extends Span {
  readonly type: 'exists';
  readonly field: string;
}

export type QueryNode = BoolNode | NotNode | TextNode | MatchNode | ExistsNode;

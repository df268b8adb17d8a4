import type { CompareOp, QueryNode } from './ast.ts';

const OPERATOR_TEXT: Readonly<Record<CompareOp, string>> = {
  eq: '',
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
};

/**
 * A value or phrase in quotes, with `"` and `\` escaped: the safe way to put
 * any text into a query (a UI's "filter on this value" builds terms with it).
 */
export function quoteQueryValue(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&')}"`;
}

function operand(node: QueryNode): string {
  return node.type === 'and' || node.type === 'or' ? `(${formatQuery(node)})` : formatQuery(node);
}

/**
 * Query text for an AST: parseQuery(formatQuery(ast)) gives the same tree
 * (positions aside). Unquoted values and words are written as they are, so a
 * node built by hand should set `quoted` / `phrase` unless its value is a
 * plain word.
 */
export function formatQuery(node: QueryNode | null): string {
  if (node === null) return '';
  switch (node.type) {
    case 'and':
      return node.children.map(operand).join(' ');
    case 'or':
      return node.children.map(operand).join(' OR ');
    case 'not':
      return `NOT ${operand(node.expr)}`;
    case 'text':
      return node.phrase ? quoteQueryValue(node.value) : node.value;
    case 'exists':
      return `${node.field}:*`;
    case 'match':
      return `${node.field}:${OPERATOR_TEXT[node.op]}${node.quoted ? quoteQueryValue(node.value) : node.value}`;
  }
}

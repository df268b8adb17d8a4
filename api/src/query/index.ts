export type { BoolNode, CompareOp, ExistsNode, MatchNode, NotNode, QueryNode, TextNode } from './ast.ts';
export { parseQuery, MAX_QUERY_DEPTH, MAX_QUERY_LENGTH, MAX_QUERY_TERMS } from './parse.ts';
export { formatQuery, quoteQueryValue } from './format.ts';
export { compileQuery, compileSearch, likePattern, parseNumber } from './compile.ts';
export {
  LOG_FIELDS,
  SEVERITY_NAMES,
  resolveField,
  severityRange,
  type FieldKind,
  type FieldSpec,
  type LogColumn,
  type ResolvedField,
  type SeverityRange,
} from './fields.ts';
export {
  QueryErrors,
  QuerySyntaxError,
  QueryValueError,
  QueryOperatorError,
  QueryTooComplexError,
  isQueryError,
  type QueryError,
} from './errors.ts';

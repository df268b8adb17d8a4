/**
 * Building query text in the browser, mirroring api/src/query/format.ts:
 * values are always quoted with `"` and `\` escaped, so a value from a log
 * record (untrusted, any characters) can never change the query's shape.
 */
export function quoteQueryValue(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&')}"`;
}

/**
 * Whether a name can be written as a field of the language: the grammar's
 * FieldName (no blank, parenthesis, colon or quote; no leading "-"), and no `*`.
 */
export function isQueryFieldName(name: string): boolean {
  return /^[^\s():"*-][^\s():"*]*$/u.test(name) && !/^(AND|OR|NOT)$/.test(name);
}

/** `field:"value"`, or `-field:"value"` to exclude it. */
export function fieldTerm(field: string, value: string, exclude = false): string {
  return `${exclude ? '-' : ''}${field}:${quoteQueryValue(value)}`;
}

/**
 * The query with one more term ANDed to it. An OR at the top level would bind
 * the new term to its last operand only, so such a query is parenthesised.
 */
export function addTerm(query: string, term: string): string {
  const q = query.trim();
  if (!q) return term;
  if (q.split(/\s+/).includes(term)) return q;
  return hasTopLevelOr(q) ? `(${q}) ${term}` : `${q} ${term}`;
}

/** Whether " OR " occurs outside quotes and parentheses. */
function hasTopLevelOr(q: string): boolean {
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < q.length; i++) {
    const c = q[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && /\s/.test(c ?? '') && q.startsWith('OR', i + 1) && /\s/.test(q[i + 3] ?? '')) {
      return true;
    }
  }
  return false;
}

/** Field names of the language that are columns (api/src/query/fields.ts LOG_FIELDS). */
const STATUS_NAMES = new Set(['status', 'http.response.status_code', 'http.status_code']);
const COLUMN_NAMES = new Set([
  'service',
  'service.name',
  'env',
  'environment',
  'deployment.environment.name',
  'deployment.environment',
  'version',
  'service.version',
  'host',
  'host.name',
  'service.namespace',
  'instance',
  'service.instance.id',
  'trace_id',
  'traceId',
  'span_id',
  'spanId',
  'severity',
  'level',
  'severity_text',
  'body',
  'message',
  'event_name',
  'scope',
  'scope.name',
  ...STATUS_NAMES,
]);

/**
 * OTel attribute names that are also column aliases with the same meaning:
 * filtering on them by name finds the same records.
 */
const SAME_AS_COLUMN = new Set([
  'service.name',
  'service.version',
  'host.name',
  'service.namespace',
  'service.instance.id',
  'deployment.environment.name',
  'deployment.environment',
  'http.response.status_code',
  'http.status_code',
]);

/**
 * The query term that filters on an attribute's value, or undefined when the
 * key cannot be written as a field (spaces, colons...) or names a built-in
 * field with another meaning (an attribute called "level" would be read as
 * the severity).
 */
export function attributeTerm(key: string, value: string, exclude = false): string | undefined {
  if (!isQueryFieldName(key)) return undefined;
  if (COLUMN_NAMES.has(key) && !SAME_AS_COLUMN.has(key)) return undefined;
  return columnTerm(key, value, exclude);
}

/**
 * A term on a column field: quoted, except a status code, which the language
 * compares as a number (a quoted number is not one).
 */
export function columnTerm(field: string, value: string, exclude = false): string | undefined {
  if (STATUS_NAMES.has(field)) {
    if (!/^\d{1,3}$/.test(value)) return undefined;
    return `${exclude ? '-' : ''}${field}:${value}`;
  }
  return fieldTerm(field, value, exclude);
}

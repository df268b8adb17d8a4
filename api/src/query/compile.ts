import { ident, join, sql, trusted, type SqlFragment } from '@obshub/core';
import type { CompareOp, ExistsNode, MatchNode, QueryNode } from './ast.ts';
import { QueryOperatorError, QueryValueError } from './errors.ts';
import { resolveField, SEVERITY_NAMES, severityRange, type LogColumn } from './fields.ts';
import { parseQuery } from './parse.ts';

/**
 * Compiles a query AST to a boolean SQL expression over the logs table. Every
 * value reaches the SQL through core's `sql` template (quoted and escaped);
 * column names through ident(); only fixed text of this file through trusted().
 * Only functions that ClickHouse 18.16 has: positionCaseInsensitiveUTF8,
 * lowerUTF8, LIKE, arrayExists with a lambda, has, toString. Resource
 * attributes are looked up in log_resources by fingerprint (resourceWhere).
 *
 * Every fragment returned is parenthesised, so the result can be combined with
 * AND, OR or NOT by the caller without precedence surprises.
 */
export function compileQuery(node: QueryNode | null): SqlFragment {
  return node === null ? trusted('1') : compileNode(node);
}

/** parseQuery then compileQuery: the WHERE condition for a search box's text. */
export function compileSearch(text: string): SqlFragment {
  return compileQuery(parseQuery(text));
}

const COMPARISON_SQL: Readonly<Record<Exclude<CompareOp, 'eq'>, SqlFragment>> = {
  gt: trusted('>'),
  gte: trusted('>='),
  lt: trusted('<'),
  lte: trusted('<='),
};

const COMPARISON_TEXT: Readonly<Record<CompareOp, string>> = {
  eq: ':',
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
};

const BODY = ident('body');
const ATTR = { keys: ident('attr_keys'), values: ident('attr_values') };
const ATTR_NUM = { keys: ident('attr_num_keys'), values: ident('attr_num_values') };
/** log_resources' arrays: the resource's attributes are read there, never from logs (docs/schema.md#log-resources). */
const RESOURCE = { keys: ident('resource_keys'), values: ident('resource_values') };

const SEVERITY_LIST = `${Object.keys(SEVERITY_NAMES).join(', ')} or a number 1-24`;

function compileNode(node: QueryNode): SqlFragment {
  switch (node.type) {
    // The parser gives and/or two children or more; an empty one built by hand is neutral.
    case 'and':
      return node.children.length === 0
        ? trusted('1')
        : sql`(${join(node.children.map(compileNode), ' AND ')})`;
    case 'or':
      return node.children.length === 0
        ? trusted('0')
        : sql`(${join(node.children.map(compileNode), ' OR ')})`;
    case 'not':
      return sql`(NOT ${compileNode(node.expr)})`;
    case 'text':
      return bodyContains(node.value, node.wildcard);
    case 'exists':
      return compileExists(node);
    case 'match':
      return compileMatch(node);
  }
}

const STRICT_NUMBER = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

/** A decimal number as written in a query (500, -1.5, 2e3); hex, Infinity and NaN are not. */
export function parseNumber(value: string): number | undefined {
  if (!STRICT_NUMBER.test(value)) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * A LIKE pattern from a value with `*` wildcards: LIKE's own wildcards and its
 * escape character in the value are escaped, then each `*` becomes `%`.
 */
export function likePattern(value: string): string {
  return value.replace(/[\\%_]/g, '\\$&').replaceAll('*', '%');
}

/** Case-insensitive substring of the body; with wildcards, in order. */
function bodyContains(value: string, wildcard: boolean): SqlFragment {
  if (!wildcard) return sql`(positionCaseInsensitiveUTF8(${BODY}, ${value}) > 0)`;
  return sql`(lowerUTF8(${BODY}) LIKE lowerUTF8(${`%${likePattern(value)}%`}))`;
}

function compileExists(node: ExistsNode): SqlFragment {
  const field = resolveField(node.field);
  switch (field.kind) {
    case 'attribute':
      return sql`(has(${ATTR.keys}, ${field.name}) OR ${resourceWhere(sql`has(${RESOURCE.keys}, ${field.name})`)})`;
    case 'severity':
    case 'status':
      return sql`(${ident(field.column)} != 0)`;
    default:
      return sql`(${ident(field.column)} != '')`;
  }
}

function compileMatch(node: MatchNode): SqlFragment {
  const field = resolveField(node.field);
  switch (field.kind) {
    case 'attribute':
      return attributeMatch(node);
    case 'text':
      return textColumnMatch(node, field.column, node.value);
    case 'id':
      // Ids are stored as lower-case hex.
      return textColumnMatch(node, field.column, node.value.toLowerCase());
    case 'body':
      refuseComparison(node, 'the body is text');
      return bodyContains(node.value, node.wildcard);
    case 'severity':
      return severityMatch(node, field.column);
    case 'status':
      return statusMatch(node, field.column);
  }
}

function refuseComparison(node: MatchNode, why: string): void {
  if (node.op === 'eq') return;
  throw new QueryOperatorError(
    node.valueStart,
    `${node.field}:${COMPARISON_TEXT[node.op]} is not possible because ${why}; ` +
      `comparisons (>, >=, <, <=) need a numeric field; use ${node.field}:value, ${node.field}:"a value" or ${node.field}:prefix*`,
  );
}

function textColumnMatch(node: MatchNode, column: LogColumn, value: string): SqlFragment {
  refuseComparison(node, `${node.field} is text`);
  if (node.wildcard) return sql`(${ident(column)} LIKE ${likePattern(value)})`;
  return sql`(${ident(column)} = ${value})`;
}

function severityMatch(node: MatchNode, column: LogColumn): SqlFragment {
  const range = node.wildcard ? undefined : severityRange(node.value);
  if (range === undefined) {
    throw new QueryValueError(
      node.valueStart,
      `unknown severity ${JSON.stringify(node.value)}; use ${SEVERITY_LIST}`,
    );
  }
  const col = ident(column);
  switch (node.op) {
    case 'eq':
      return range.min === range.max
        ? sql`(${col} = ${range.min})`
        : sql`(${col} >= ${range.min} AND ${col} <= ${range.max})`;
    // A name stands for its range: >warn is above WARN (ERROR and up), <=warn is WARN and
    // below. 0 (unspecified) is no severity, so it is never below another.
    case 'gt':
      return sql`(${col} > ${range.max})`;
    case 'gte':
      return sql`(${col} >= ${range.min})`;
    case 'lt':
      return sql`(${col} != 0 AND ${col} < ${range.min})`;
    case 'lte':
      return sql`(${col} != 0 AND ${col} <= ${range.max})`;
  }
}

function needNumber(node: MatchNode, what: string): number {
  const n = node.wildcard ? undefined : parseNumber(node.value);
  if (n === undefined) {
    throw new QueryValueError(node.valueStart, `${what} needs a number, not ${JSON.stringify(node.value)}`);
  }
  return n;
}

/** http_status: 0 means the record has none, so it never satisfies < or <=. */
function statusMatch(node: MatchNode, column: LogColumn): SqlFragment {
  const col = ident(column);
  if (node.wildcard && node.op === 'eq') {
    return sql`(${col} != 0 AND toString(${col}) LIKE ${likePattern(node.value)})`;
  }
  const n = needNumber(node, `${node.field}${COMPARISON_TEXT[node.op]}`);
  switch (node.op) {
    case 'eq':
      return sql`(${col} = ${n})`;
    case 'gt':
    case 'gte':
      return sql`(${col} ${COMPARISON_SQL[node.op]} ${n})`;
    case 'lt':
    case 'lte':
      return sql`(${col} != 0 AND ${col} ${COMPARISON_SQL[node.op]} ${n})`;
  }
}

/**
 * The record's resource satisfies `cond` (over log_resources' columns). GLOBAL
 * IN, since the cluster variant's tables are Distributed, where a plain IN
 * with a subquery is refused; duplicate log_resources rows of a fingerprint
 * (refreshes, unmerged parts) are harmless in an IN list. Never a condition
 * on logs' own resource arrays: rows written by the collector leave them
 * empty, and 18.16 cannot read the DEFAULT resource_fingerprint of an old part
 * in a WHERE that also reads them.
 */
function resourceWhere(cond: SqlFragment): SqlFragment {
  return sql`${ident('resource_fingerprint')} GLOBAL IN (SELECT ${ident('fingerprint')} FROM ${ident('log_resources')} WHERE ${cond})`;
}

/** Some attribute named `name` in (keys, values) satisfies `cond` (over the lambda's `v`). */
function anyAttribute(
  arrays: { keys: SqlFragment; values: SqlFragment },
  name: string,
  cond: SqlFragment,
): SqlFragment {
  return sql`arrayExists((k, v) -> k = ${name} AND ${cond}, ${arrays.keys}, ${arrays.values})`;
}

/**
 * Attributes: text matches look in the record's and the resource's attributes
 * (every attribute keeps its text form; the resource's are in log_resources);
 * numeric comparisons in the record's numeric attributes. An equality with a number also matches the numeric
 * form, so latency_ms:1.50 finds a double attribute stored as 1.5.
 */
function attributeMatch(node: MatchNode): SqlFragment {
  const name = node.field;
  if (node.op === 'eq') {
    const cond = node.wildcard ? sql`v LIKE ${likePattern(node.value)}` : sql`v = ${node.value}`;
    const parts = [anyAttribute(ATTR, name, cond), resourceWhere(anyAttribute(RESOURCE, name, cond))];
    const n = node.wildcard || node.quoted ? undefined : parseNumber(node.value);
    if (n !== undefined) parts.push(anyAttribute(ATTR_NUM, name, sql`v = ${n}`));
    return sql`(${join(parts, ' OR ')})`;
  }
  const n = needNumber(node, `${name}:${COMPARISON_TEXT[node.op]}`);
  return sql`(${anyAttribute(ATTR_NUM, name, sql`v ${COMPARISON_SQL[node.op]} ${n}`)})`;
}

import { join, sql, trusted, type SqlFragment } from '@obshub/core';
import { scopeCondition, type Principal } from '../access/principal.ts';
import { ApiErrors } from '../errors.ts';
import type { Matcher } from './schemas.ts';

/**
 * Series selection on metric_series (small: one row per series and refresh):
 * labels, matchers, the caller's scope and "active in the range". Samples and
 * rollups are then read for the selected fingerprints only.
 */

/** The collector refreshes a series row hourly (last_seen): a series active at t has a row within an hour before t. */
export const SERIES_REFRESH_SECONDS = 3600;

/** Labels with their own columns; every other label is a point attribute, else a resource attribute. */
const COLUMN_LABELS: Record<string, string> = {
  'service.name': 'service_name',
  'service.version': 'service_version',
  'deployment.environment.name': 'environment',
};

/** A label's value for a series ('' when the series does not have it, as in Prometheus). */
export function labelExpr(key: string): SqlFragment {
  const column = COLUMN_LABELS[key];
  if (column) return trusted(column);
  return sql`if(has(attr_keys, ${key}), attr_values[indexOf(attr_keys, ${key})], resource_values[indexOf(resource_keys, ${key})])`;
}

/**
 * Constructs RE2 (ClickHouse's regex engine) does not have, refused before the
 * query runs; anything else RE2 rejects comes back from ClickHouse as a 400 too.
 */
const UNSUPPORTED_REGEX: ReadonlyArray<[RegExp, string]> = [
  [/\(\?<?[=!]/, 'lookaround ((?=, (?!, (?<=, (?<!) is not supported (RE2 syntax)'],
  [/(^|[^\\])\\[1-9]/, 'backreferences (\\1) are not supported (RE2 syntax)'],
];

export function checkRegex(pattern: string, key: string): void {
  for (const [re, why] of UNSUPPORTED_REGEX) {
    if (re.test(pattern)) throw new ApiErrors.BAD_REQUEST(`invalid regular expression for "${key}": ${why}`);
  }
  let depth = 0;
  let escaped = false;
  let inClass = false;
  for (const c of pattern) {
    if (escaped) escaped = false;
    else if (c === '\\') escaped = true;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')' && --depth < 0) break;
  }
  if (depth !== 0 || inClass || escaped) {
    throw new ApiErrors.BAD_REQUEST(
      `invalid regular expression for "${key}": unbalanced ${inClass ? 'brackets' : escaped ? 'trailing backslash' : 'parentheses'}`,
    );
  }
}

/** Matchers are anchored (the whole value must match), as in Prometheus. */
export function matcherCondition(m: Matcher): SqlFragment {
  const value = labelExpr(m.key);
  switch (m.op) {
    case '=':
      return sql`${value} = ${m.value}`;
    case '!=':
      return sql`${value} != ${m.value}`;
    case '=~':
      checkRegex(m.value, m.key);
      return sql`match(${value}, ${`^(?:${m.value})$`})`;
    case '!~':
      checkRegex(m.value, m.key);
      return sql`NOT match(${value}, ${`^(?:${m.value})$`})`;
  }
}

/** A ClickHouse answer that means the regular expression was bad: a 400, not a 500. */
export function isRegexError(err: unknown): boolean {
  return /cannot compile re2|Code: 427\b|CANNOT_COMPILE_REGEXP/i.test(
    (err as Error | undefined)?.message ?? '',
  );
}

export interface SeriesScope {
  principal: Principal;
  service?: string | undefined;
  environment?: string | undefined;
  fromMs: number;
  toMs: number;
}

/** Series the caller may see, of the service/environment asked for, with a row near the range. */
export function scopeWhere(s: SeriesScope): SqlFragment {
  const from = Math.max(0, Math.floor(s.fromMs / 1000) - SERIES_REFRESH_SECONDS);
  const to = Math.ceil(s.toMs / 1000) + SERIES_REFRESH_SECONDS;
  const parts = [
    sql`last_seen >= toDateTime(${from}) AND last_seen < toDateTime(${to})`,
    scopeCondition(s.principal),
  ];
  if (s.service !== undefined) parts.push(sql`service_name = ${s.service}`);
  if (s.environment !== undefined) parts.push(sql`environment = ${s.environment}`);
  return join(parts, ' AND ');
}

export function matchersWhere(matchers: readonly Matcher[]): SqlFragment {
  return matchers.length === 0 ? trusted('1') : join(matchers.map(matcherCondition), ' AND ');
}

/** [label1, label2, …] of a series: its group under a group-by. */
export function groupKeyExpr(groupBy: readonly string[]): SqlFragment {
  return sql`[${join(
    groupBy.map((k) => sql`toString(${labelExpr(k)})`),
    ', ',
  )}]`;
}

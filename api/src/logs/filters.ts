import { sql, type SqlFragment } from '@obshub/core';
import { scopeCondition, type Principal } from '../access/principal.ts';
import { compileSearch } from '../query/index.ts';
import { msToNanos, type TimeRange } from '../common/time-range.ts';

/**
 * The WHERE clause every log query starts from: the time range (on the
 * partition/sort-key column timestamp, then exactly on time_unix_nano), the
 * caller's services, and the search query. Nothing is ever read outside the
 * caller's scope: the scope is part of the SQL, not a filter applied afterwards.
 */
export function baseWhere(range: TimeRange, principal: Principal, q: string): SqlFragment {
  const fromSec = Math.floor(range.fromMs / 1000);
  const toSec = Math.ceil(range.toMs / 1000);
  return sql`timestamp >= toDateTime(${fromSec}) AND timestamp <= toDateTime(${toSec})
    AND time_unix_nano >= ${msToNanos(range.fromMs)} AND time_unix_nano < ${msToNanos(range.toMs)}
    AND ${scopeCondition(principal)} AND ${compileSearch(q)}`;
}

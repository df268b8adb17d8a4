import { int, sql, trusted, type Db } from '@obshub/core';
import type { Principal } from '../access/principal.ts';
import { resolveField } from '../query/index.ts';
import { baseWhere } from './filters.ts';
import { runQuery } from '../common/run-query.ts';
import { parseRange } from '../common/time-range.ts';

/**
 * Top values of one field among the records that match the current query:
 * a column is grouped directly; an attribute is looked up in both the record's
 * and the resource's attributes (the latter in log_resources, by fingerprint;
 * the JOIN sits in a subquery because 18.16 cannot ARRAY JOIN a right-table
 * column straight after a JOIN; GLOBAL for the cluster variant's Distributed
 * tables).
 */
export async function logFacets(
  db: Db,
  principal: Principal,
  p: { q: string; from: string; to: string; field: string; limit: number },
  signal?: AbortSignal,
) {
  const range = parseRange(p.from, p.to);
  const where = baseWhere(range, principal, p.q);
  const field = resolveField(p.field);
  const limit = int(p.limit, 1, 100);
  let valuesQuery;
  if (field.kind === 'attribute') {
    const key = field.name;
    // One pass over the matching records, grouped by resource and by the record's own values
    // of the key; the resource's values are joined from log_resources (once per resource),
    // then both lists are counted per value, weighted by the records in each group.
    // The search condition appears once: it can be long, and ClickHouse's query size is bounded.
    const resourceHasKey = sql`SELECT fingerprint FROM log_resources WHERE has(resource_keys, ${key})`;
    valuesQuery = sql`SELECT v, sum(n) AS c FROM (
        SELECT n, arrayConcat(avs, rvs) AS vs FROM (
          SELECT resource_fingerprint AS fingerprint, arrayFilter((v, k) -> k = ${key}, attr_values, attr_keys) AS avs,
                 count() AS n
          FROM logs WHERE ${where} AND (has(attr_keys, ${key}) OR resource_fingerprint GLOBAL IN (${resourceHasKey}))
          GROUP BY fingerprint, avs)
        GLOBAL ANY LEFT JOIN (
          SELECT fingerprint, arrayFilter((v, k) -> k = ${key}, rv, rk) AS rvs FROM (
            SELECT fingerprint, argMax(resource_keys, last_seen) AS rk, argMax(resource_values, last_seen) AS rv
            FROM log_resources WHERE has(resource_keys, ${key}) GROUP BY fingerprint))
        USING fingerprint)
      ARRAY JOIN vs AS v GROUP BY v ORDER BY c DESC, v LIMIT ${limit}`;
  } else if (field.kind === 'severity') {
    valuesQuery = sql`SELECT multiIf(severity_number = 0, 'unknown', severity_number <= 4, 'trace', severity_number <= 8, 'debug',
          severity_number <= 12, 'info', severity_number <= 16, 'warn', severity_number <= 20, 'error', 'fatal') AS v, count() AS c
        FROM logs WHERE ${where} GROUP BY v ORDER BY c DESC, v LIMIT ${limit}`;
  } else {
    const column = trusted(field.column);
    valuesQuery = sql`SELECT toString(${column}) AS v, count() AS c FROM logs WHERE ${where}
        GROUP BY v ORDER BY c DESC, v LIMIT ${limit}`;
  }
  const [values, total] = await Promise.all([
    runQuery<{ v: string; c: string }>(db, valuesQuery, signal),
    runQuery<{ c: string }>(db, sql`SELECT count() AS c FROM logs WHERE ${where}`, signal),
  ]);
  return {
    field: p.field,
    values: values.rows.map((r) => ({ value: r.v, count: Number(r.c) })),
    total: Number(total.rows[0]?.c ?? 0),
    stats: {
      readRows: values.stats.readRows + total.stats.readRows,
      readBytes: values.stats.readBytes + total.stats.readBytes,
      elapsedMs: Math.max(values.stats.elapsedMs, total.stats.elapsedMs),
    },
  };
}

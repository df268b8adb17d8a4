import { int, sql, trusted, type Db } from '@obshub/core';
import type { Principal } from '../access/principal.ts';
import { resolveField } from '../query/index.ts';
import { baseWhere } from './filters.ts';
import { runQuery } from '../common/run-query.ts';
import { parseRange } from '../common/time-range.ts';

/**
 * Top values of one field among the records that match the current query:
 * a column is grouped directly; an attribute is looked up in both the record's
 * and the resource's attributes.
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
    valuesQuery = sql`SELECT v, count() AS c FROM (
        SELECT arrayConcat(arrayFilter((v, k) -> k = ${key}, attr_values, attr_keys),
                           arrayFilter((v, k) -> k = ${key}, resource_values, resource_keys)) AS vs
        FROM logs WHERE ${where} AND (has(attr_keys, ${key}) OR has(resource_keys, ${key})))
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

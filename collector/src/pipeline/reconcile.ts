import { qualified, sql, type Db, type SqlFragment } from '@obshub/core';
import { batchIdRange } from '../otlp/ids.ts';
import type { Batch } from './batch.ts';

/**
 * Exactly-once after an ambiguous failure: an INSERT that timed out or lost its
 * connection may or may not have landed (and one spanning partitions may have
 * landed in part). Before trying again, count the batch's rows by their id
 * range, within the batch's time range so ClickHouse prunes partitions:
 * all there → done; none → insert; some → delete them (a mutation) and insert.
 */
export type ReconcileOutcome = 'present' | 'absent' | 'partial-removed';

const ID_TABLES = new Set(['logs', 'metric_samples']);
const MAX_DATETIME = 4294967295;

function clampDateTime(seconds: number, fallback: number): number {
  if (!Number.isFinite(seconds)) return fallback;
  return Math.max(0, Math.min(MAX_DATETIME, Math.floor(seconds)));
}

/**
 * The rows of a batch in its table: its id range, within its time range so
 * ClickHouse reads only the partitions concerned.
 */
export function batchRowsWhere(batch: Batch): SqlFragment {
  const { first, last } = batchIdRange(batch.key);
  // Rows store timestamps clamped to DateTime's range, and toDateTime() wraps a larger
  // number modulo 2^32 (measured on 18.16): bound the range the same way, or rows
  // dated past 2106 fall outside it and a landed batch looks partial or absent.
  const minTs = clampDateTime(batch.minTs, 0);
  const maxTs = clampDateTime(batch.maxTs, MAX_DATETIME);
  return sql`id BETWEEN ${first} AND ${last} AND timestamp BETWEEN toDateTime(${minTs}) AND toDateTime(${maxTs})`;
}

export async function reconcileBatch(db: Db, batch: Batch): Promise<ReconcileOutcome> {
  if (!ID_TABLES.has(batch.table)) return 'absent'; // series rows are idempotent (ReplacingMergeTree)
  const table = qualified(db.database, batch.table);
  const where = batchRowsWhere(batch);
  const rows = await db.query<{ c: string }>(sql`SELECT count() AS c FROM ${table} WHERE ${where}`);
  const present = Number(rows[0]?.c ?? 0);
  if (present === 0) return 'absent';
  if (present === batch.rows) return 'present';
  await db.command(sql`ALTER TABLE ${table} DELETE WHERE ${where}`);
  // Mutations are asynchronous (no mutations_sync on 18.16): wait until the rows are gone.
  for (let i = 0; i < 600; i++) {
    const left = await db.query<{ c: string }>(sql`SELECT count() AS c FROM ${table} WHERE ${where}`);
    if (Number(left[0]?.c ?? 0) === 0) return 'partial-removed';
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`partial batch ${batch.key.toString(16)} in ${batch.table} could not be removed`);
}

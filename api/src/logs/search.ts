import { int, sql, trusted, type Db } from '@obshub/core';
import type { Principal } from '../access/principal.ts';
import { ApiErrors } from '../errors.ts';
import { baseWhere } from './filters.ts';
import { RECORD_COLUMNS, type RecordRow } from './rows.ts';
import { recordsOf } from './resources.ts';
import { runQuery } from '../common/run-query.ts';
import type { LogRecord } from './schemas.ts';
import { parseRange } from '../common/time-range.ts';

/**
 * Newest-first search with keyset pagination: the cursor is the (time, id) of
 * the last record shown, and the next page starts strictly after it, so pages
 * neither repeat nor skip records while new ones arrive.
 */
interface Cursor {
  t: string;
  i: string;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

export function decodeCursor(text: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<Cursor>;
    if (
      typeof c.t === 'string' &&
      /^\d{1,20}$/.test(c.t) &&
      typeof c.i === 'string' &&
      /^\d{1,20}$/.test(c.i)
    ) {
      return { t: c.t, i: c.i };
    }
  } catch {
    // fall through
  }
  throw new ApiErrors.BAD_REQUEST('invalid cursor');
}

export interface SearchParams {
  q: string;
  from: string;
  to: string;
  limit: number;
  cursor?: string | undefined;
}

export async function searchLogs(db: Db, principal: Principal, p: SearchParams, signal?: AbortSignal) {
  const range = parseRange(p.from, p.to);
  const cursor = p.cursor ? decodeCursor(p.cursor) : undefined;
  const after = cursor
    ? sql`AND (time_unix_nano < ${BigInt(cursor.t)} OR (time_unix_nano = ${BigInt(cursor.t)} AND id < ${BigInt(cursor.i)}))
          AND timestamp <= toDateTime(${Math.ceil(Number(BigInt(cursor.t) / 1_000_000n) / 1000)})`
    : trusted('');
  const { rows, stats } = await runQuery<RecordRow>(
    db,
    sql`SELECT ${RECORD_COLUMNS} FROM logs
        WHERE ${baseWhere(range, principal, p.q)} ${after}
        ORDER BY timestamp DESC, time_unix_nano DESC, id DESC
        LIMIT ${int(p.limit + 1, 1, 1001)}`,
    signal,
  );
  const page = rows.slice(0, p.limit);
  const last = page[page.length - 1];
  const resolved = await recordsOf(db, page, signal);
  const records: LogRecord[] = resolved.records;
  return {
    records,
    nextCursor: rows.length > p.limit && last ? encodeCursor({ t: last.t, i: last.record_id }) : null,
    from: new Date(range.fromMs).toISOString(),
    to: new Date(range.toMs).toISOString(),
    stats: {
      readRows: stats.readRows + resolved.stats.readRows,
      readBytes: stats.readBytes + resolved.stats.readBytes,
      elapsedMs: stats.elapsedMs + resolved.stats.elapsedMs,
    },
  };
}

import { randomUUID } from 'node:crypto';
import { sql, type Db, type QueryStats, type SqlFragment } from '@obshub/core';

/**
 * Every API query is bounded: execution time, rows and bytes read, result
 * rows; and cancelled (KILL QUERY) when the client goes away, since ClickHouse
 * 18.16 does not stop an HTTP query on its own when the connection closes.
 */
export interface QueryBounds {
  maxExecutionSeconds: number;
  maxRowsToRead: number;
  maxResultRows: number;
}

export const DEFAULT_BOUNDS: QueryBounds = {
  maxExecutionSeconds: 15,
  maxRowsToRead: 2_000_000_000,
  maxResultRows: 100_000,
};

export async function runQuery<T>(
  db: Db,
  query: SqlFragment,
  signal: AbortSignal | undefined,
  bounds: QueryBounds = DEFAULT_BOUNDS,
): Promise<{ rows: T[]; stats: QueryStats }> {
  const queryId = randomUUID();
  const onAbort = (): void => {
    db.command(sql`KILL QUERY WHERE query_id = ${queryId} ASYNC`).catch(() => undefined);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await db.queryWithStats<T>(query, {
      queryId,
      ...(signal ? { abortSignal: signal } : {}),
      settings: {
        max_execution_time: bounds.maxExecutionSeconds,
        max_rows_to_read: bounds.maxRowsToRead,
        max_result_rows: bounds.maxResultRows,
        result_overflow_mode: 'throw',
      },
    });
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * An AbortSignal that fires when the HTTP client disconnects before the answer.
 * Pass the response (reply.raw): its "close" before the response has ended
 * means the client went away. (The request's own "close" fires as soon as a
 * POST body has been read, so it cannot tell.)
 */
export function clientGone(response: {
  once(event: 'close', fn: () => void): unknown;
  readonly writableEnded: boolean;
}): AbortSignal {
  const controller = new AbortController();
  response.once('close', () => {
    if (!response.writableEnded) controller.abort();
  });
  return controller.signal;
}

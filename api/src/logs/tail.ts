import type { FastifyReply, FastifyRequest } from 'fastify';
import { sql, type Db } from '@obshub/core';
import { scopeCondition, type Principal } from '../access/principal.ts';
import { compileSearch } from '../query/index.ts';
import { RECORD_COLUMNS, type RecordRow } from './rows.ts';
import { ResourceCache, withResources } from './resources.ts';
import { runQuery } from '../common/run-query.ts';

export interface TailOptions {
  pollMs: number;
  /** Records whose time is up to this old when they arrive are still shown. */
  lateArrivalSeconds: number;
}

const DEFAULTS: TailOptions = { pollMs: 1000, lateArrivalSeconds: 300 };

/**
 * Live tail as Server-Sent Events: polls for records matching the query in a
 * sliding window and sends each record once (ids already sent are remembered
 * for the window), so late arrivals still show and nothing repeats. Starts from
 * "now": what was already there when the tail began is not replayed.
 */
export function tailLogs(
  db: Db,
  principal: Principal,
  q: string,
  request: FastifyRequest,
  reply: FastifyReply,
  options: Partial<TailOptions> = {},
): void {
  const opts = { ...DEFAULTS, ...options };
  const condition = compileSearch(q); // a bad query is a 400 before the stream starts
  const controller = new AbortController();
  const seen = new Map<string, number>();
  const resources = new ResourceCache();
  let first = true;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.write(': tail started\n\n');

  const close = (): void => {
    if (closed) return;
    closed = true;
    if (timer) clearTimeout(timer);
    controller.abort();
    res.end();
  };
  request.raw.once('close', close);

  const poll = async (): Promise<void> => {
    const { rows } = await runQuery<RecordRow>(
      db,
      sql`SELECT ${RECORD_COLUMNS} FROM logs
          WHERE timestamp >= now() - ${opts.lateArrivalSeconds} AND ${scopeCondition(principal)} AND ${condition}
          ORDER BY timestamp ASC, time_unix_nano ASC, id ASC LIMIT 1000`,
      controller.signal,
    );
    const nowSec = Date.now() / 1000;
    const fresh = rows.filter((row) => !seen.has(seenKey(row)));
    // One resource lookup per batch, for the fingerprints this stream has not seen yet;
    // records are marked as sent only once it answered, so a failed lookup is retried.
    const known = first
      ? new Map<string, Record<string, string>>()
      : await resources.resolve(
          db,
          fresh.map((r) => r.resource_fp),
          controller.signal,
        );
    for (const row of fresh) seen.set(seenKey(row), nowSec);
    if (!first) {
      for (const record of withResources(fresh, known)) {
        res.write(`event: record\ndata: ${JSON.stringify(record)}\n\n`);
      }
    }
    first = false;
    for (const [key, at] of seen) if (nowSec - at > opts.lateArrivalSeconds * 2) seen.delete(key);
  };

  let sinceHeartbeat = 0;
  const loop = (): void => {
    if (closed) return;
    poll()
      .then(() => {
        sinceHeartbeat += opts.pollMs;
        if (sinceHeartbeat >= 15_000) {
          sinceHeartbeat = 0;
          res.write(': ping\n\n');
        }
      })
      .catch((err: unknown) => {
        if (!closed)
          res.write(`event: error\ndata: ${JSON.stringify({ error: (err as Error).message })}\n\n`);
      })
      .finally(() => {
        if (!closed) timer = setTimeout(loop, opts.pollMs);
      });
  };
  loop();
}

/** A record's identity in the stream's memory of what it sent. */
function seenKey(row: RecordRow): string {
  return `${row.record_id}.${row.t}`;
}

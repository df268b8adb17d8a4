import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { ident, sql, type Db, type SqlFragment } from '../../core/src/index.ts';
import { seedChunkStatements } from './dataset.ts';

/**
 * Seeding and the state of the table afterwards: chunks of INSERT ... SELECT
 * run `concurrency` at a time; then background merges are given time to settle,
 * as they would on a server that has been ingesting for a week.
 */
export interface SeedOptions {
  /** ClickHouse HTTP URL and database. */
  url: string;
  database: string;
  rows: number;
  chunkRows: number;
  concurrency: number;
  /** Newest possible timestamp (seconds). */
  endSec: number;
  onChunk?: (doneRows: number, elapsedMs: number) => void;
}

/**
 * POSTs one statement over plain HTTP with no client-side timeout: on a busy
 * machine a chunk can take longer than any sensible query timeout, and
 * @clickhouse/client's socket timeout would abandon an INSERT that the server
 * still completes.
 */
export function post(
  url: string,
  database: string,
  statement: SqlFragment,
  queryId = randomUUID(),
): Promise<void> {
  const target = new URL(url);
  target.searchParams.set('database', database);
  target.searchParams.set('query_id', queryId);
  target.searchParams.set('log_queries', '1');
  return new Promise((resolve, reject) => {
    const req = http.request(target, { method: 'POST' }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () =>
        res.statusCode === 200
          ? resolve()
          : reject(new Error(`seed insert answered ${res.statusCode}: ${text.slice(0, 500)}`)),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(statement.text);
  });
}

/** Seeds; returns the wall time and the query ids of the inserts (for their CPU time in query_log). */
export async function seedLogs(o: SeedOptions): Promise<{ elapsedMs: number; queryIds: string[] }> {
  const started = performance.now();
  const chunks: { offset: number; count: number }[] = [];
  for (let offset = 0; offset < o.rows; offset += o.chunkRows) {
    chunks.push({ offset, count: Math.min(o.chunkRows, o.rows - offset) });
  }
  let next = 0;
  let done = 0;
  const queryIds: string[] = [];
  const worker = async (): Promise<void> => {
    for (let chunk = chunks[next++]; chunk; chunk = chunks[next++]) {
      // log_resources first, then the logs that point to it, as the collector writes them.
      for (const statement of seedChunkStatements(o.endSec, chunk.offset, chunk.count)) {
        const queryId = randomUUID();
        queryIds.push(queryId);
        await post(o.url, o.database, statement, queryId);
      }
      done += chunk.count;
      o.onChunk?.(done, performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.concurrency) }, worker));
  return { elapsedMs: performance.now() - started, queryIds };
}

export interface TableState {
  rows: number;
  parts: number;
  partitions: number;
  compressedBytes: number;
  uncompressedBytes: number;
  merging: number;
}

/** Parts, rows and bytes of the active parts of `tables` (summed), and the merges running on them. */
export async function tableState(db: Db, tables: readonly string[] = ['logs']): Promise<TableState> {
  const [parts] = await db.query<{
    rows: string;
    parts: string;
    partitions: string;
    compressed: string;
    uncompressed: string;
  }>(
    sql`SELECT sum(rows) AS rows, count() AS parts, uniqExact(partition_id) AS partitions,
          sum(data_compressed_bytes) AS compressed, sum(data_uncompressed_bytes) AS uncompressed
        FROM system.parts WHERE database = ${db.database} AND has(${[...tables]}, table) AND active`,
  );
  const [merges] = await db.query<{ n: string }>(
    sql`SELECT count() AS n FROM system.merges WHERE database = ${db.database} AND has(${[...tables]}, table)`,
  );
  return {
    rows: Number(parts?.rows ?? 0),
    parts: Number(parts?.parts ?? 0),
    partitions: Number(parts?.partitions ?? 0),
    compressedBytes: Number(parts?.compressed ?? 0),
    uncompressedBytes: Number(parts?.uncompressed ?? 0),
    merging: Number(merges?.n ?? 0),
  };
}

/**
 * Waits until no merge has run and the part count has not changed for
 * `quietMs` (ClickHouse picks merges every few seconds, so a short quiet
 * period can be a pause between two merges), or until `timeoutMs`.
 */
export async function settleMerges(
  db: Db,
  quietMs: number,
  timeoutMs: number,
  tables: readonly string[] = ['logs'],
): Promise<{ elapsedMs: number; state: TableState; settled: boolean }> {
  const started = performance.now();
  let state = await tableState(db, tables);
  let quietSince = performance.now();
  while (performance.now() - started < timeoutMs) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = await tableState(db, tables);
    if (now.merging > 0 || now.parts !== state.parts) quietSince = performance.now();
    state = now;
    if (performance.now() - quietSince >= quietMs) {
      return { elapsedMs: performance.now() - started, state, settled: true };
    }
  }
  return { elapsedMs: performance.now() - started, state, settled: false };
}

/** OPTIMIZE ... FINAL partition by partition (every partition down to one part). */
export async function optimizeFinal(db: Db, url: string, table = 'logs'): Promise<{ elapsedMs: number }> {
  const started = performance.now();
  const partitions = await db.query<{ id: string }>(
    sql`SELECT DISTINCT partition_id AS id FROM system.parts
        WHERE database = ${db.database} AND table = ${table} AND active ORDER BY id`,
  );
  for (const p of partitions) {
    await post(url, db.database, sql`OPTIMIZE TABLE ${ident(table)} PARTITION ID ${p.id} FINAL`);
  }
  return { elapsedMs: performance.now() - started };
}

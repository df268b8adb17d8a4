import http from 'node:http';
import { LOG_INSERT_COLUMNS, type Db } from '../../core/src/index.ts';
import {
  LogResourceFingerprints,
  RowIds,
  SeriesFingerprints,
  decodeLogsProto,
  newBatchKey,
} from '../../collector/src/index.ts';

/**
 * The reference: the same log rows inserted straight into ClickHouse, in the
 * batches the collector's pipeline would form (a batch seals once it reaches
 * flushRows or flushBytes, checked after each request's rows are appended),
 * with the collector's insert concurrency. RowBinary is what the collector
 * sends; JSONEachRow and TabSeparated are measured for context.
 */
export interface RawBatch {
  rowBinary: Buffer;
  rows: number;
}

export interface RawResult {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  batches: number;
  avgBatchRows: number;
  avgBatchBytes: number;
  /** ClickHouse server CPU seconds used during the run (filled in by the caller). */
  clickhouseCpuSeconds: number;
}

/**
 * Decodes the requests as the collector would (untimed) and groups the rows into
 * batches as a busy collector seals them: full batches only, going round the
 * requests as often as needed (each batch with its own row ids), until every
 * request is in one and a batch has just sealed. A partial batch would be a
 * small INSERT that the collector under load never sends.
 */
export function buildBatches(requests: readonly Buffer[], flushRows: number, flushBytes: number): RawBatch[] {
  const batches: RawBatch[] = [];
  let chunks: Buffer[] = [];
  let rows = 0;
  let bytes = 0;
  let ids = new RowIds(newBatchKey(), 0);
  const received = BigInt(Date.now()) * 1_000_000n;
  const logResources = new LogResourceFingerprints();
  let rowsThisPass = 0;
  for (let i = 0; i < requests.length || chunks.length > 0; i++) {
    if (i % requests.length === 0 && i > 0) {
      if (rowsThisPass === 0) throw new Error('buildBatches: the requests hold no log rows');
      rowsThisPass = 0;
    }
    const body = requests[i % requests.length] as Buffer;
    const outcome = decodeLogsProto(body, {
      limits: { maxAttributes: 256, maxDepth: 16 },
      ids: () => ids,
      receivedLo: Number(received & 0xffffffffn),
      receivedHi: Number(received >> 32n),
      fingerprints: new SeriesFingerprints(),
      logResources,
    });
    outcome.onDurable?.(); // the reference inserts log rows only; each resource's row is written once
    const logs = outcome.tables.logs;
    if (!logs) continue;
    rowsThisPass += logs.rows;
    chunks.push(logs.bytes);
    rows += logs.rows;
    bytes += logs.bytes.length;
    if (rows >= flushRows || bytes >= flushBytes) {
      batches.push({ rowBinary: Buffer.concat(chunks, bytes), rows });
      chunks = [];
      rows = 0;
      bytes = 0;
      ids = new RowIds(newBatchKey(), 0);
    }
  }
  return batches;
}

/** How much one phase of insertLoop inserts: a number of rows (whole batches), or for a time. */
export type InsertBudget = { rows: number } | { seconds: number };

/**
 * Inserts batches round-robin with `concurrency` INSERTs in flight: a warm-up
 * (untimed, waited for), then the timed window. The benchmark gives both the
 * logs run's row counts, so the reference does the same work on a table in the
 * same state: a table that starts empty has no merges to do yet, and a short
 * window leaves the merges of its last parts until after it ends, so a cold,
 * short window flatters the rate (docs/benchmarks.md, runs Q-R). `windowStarts`
 * is called as the timed window opens (to sample CPU).
 */
export async function insertLoop(
  batches: readonly { body: Buffer; rows: number }[],
  window: { warmup: InsertBudget; timed: InsertBudget },
  concurrency: number,
  insert: (body: Buffer) => Promise<void>,
  windowStarts: () => void = () => undefined,
  /** Ends each phase once its INSERTs are done (the benchmark waits for the table's merges). */
  settle: () => Promise<void> = () => Promise.resolve(),
): Promise<RawResult> {
  let next = 0;
  const phase = async (budget: InsertBudget): Promise<RawResult> => {
    const started = performance.now();
    const deadline = 'seconds' in budget ? started + budget.seconds * 1000 : Infinity;
    const rowLimit = 'rows' in budget ? budget.rows : Infinity;
    let taken = 0;
    let rows = 0;
    let count = 0;
    let bytes = 0;
    const lane = async () => {
      while (taken < rowLimit && performance.now() < deadline) {
        const b = batches[next++ % batches.length] as { body: Buffer; rows: number };
        taken += b.rows;
        await insert(b.body);
        rows += b.rows;
        bytes += b.body.length;
        count++;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
    await settle();
    const elapsed = (performance.now() - started) / 1000;
    return {
      rows,
      seconds: elapsed,
      rowsPerSecond: rows / Math.max(elapsed, 1e-9),
      batches: count,
      avgBatchRows: rows / Math.max(1, count),
      avgBatchBytes: bytes / Math.max(1, count),
      clickhouseCpuSeconds: 0,
    };
  };
  await phase(window.warmup);
  windowStarts();
  return phase(window.timed);
}

export const LOG_COLUMN_NAMES = LOG_INSERT_COLUMNS;

export function rowBinaryInsert(db: Db, table: string): (body: Buffer) => Promise<void> {
  return (body) => db.insertRowBinary(table, LOG_COLUMN_NAMES, body);
}

/** INSERT ... FORMAT <format> over HTTP with a keep-alive agent (as the client does for RowBinary). */
export function textInsert(
  clickhouseUrl: string,
  database: string,
  table: string,
  format: 'JSONEachRow' | 'TabSeparated',
): (body: Buffer) => Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const url = new URL(clickhouseUrl);
  url.searchParams.set('database', database);
  url.searchParams.set('query', `INSERT INTO ${table} (${LOG_COLUMN_NAMES.join(', ')}) FORMAT ${format}`);
  return (body) =>
    new Promise((resolve, reject) => {
      const req = http.request(
        url,
        { method: 'POST', agent, headers: { 'Content-Length': body.length } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            if (res.statusCode === 200) resolve();
            else reject(new Error(`${format} insert: ${res.statusCode} ${Buffer.concat(chunks).toString()}`));
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
}

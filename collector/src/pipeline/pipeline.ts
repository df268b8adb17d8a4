import { unlink } from 'node:fs/promises';
import { metrics } from '@opentelemetry/api';
import { isRetryableDbError, type Db, type Logger } from '@obshub/core';
import { CollectorErrors } from '../errors.ts';
import type { DecodeOutcome, TableName } from '../otlp/decoded.ts';
import { newBatchKey, MAX_ROWS_PER_BATCH, type RowIds } from '../otlp/ids.ts';
import { Batch } from './batch.ts';
import { INSERT_COLUMNS } from './insert-columns.ts';
import { LEGACY_LOG_INSERT_COLUMNS, copyLegacyLogResources } from './legacy-logs.ts';
import { ArenaPool } from './row-arena.ts';
import type { RowWriter } from '../otlp/row-writer.ts';
import { reconcileBatch } from './reconcile.ts';
import { WalFile, recoverWal } from './wal.ts';

export interface PipelineOptions {
  walDir: string;
  walFsync: boolean;
  flushRows: number;
  flushBytes: number;
  flushIntervalMs: number;
  maxPendingBytes: number;
  maxConcurrentInserts: number;
  retryAfterSeconds: number;
  /** Largest decompressed request: a batch seals early if the next request might overflow its ids. */
  maxBodyBytes: number;
}

/** Room in a batch's arena beyond flushBytes: the last request before it seals. */
const ARENA_SLACK_BYTES = 4 * 1024 * 1024;

export interface PipelineStats {
  pendingBytes: number;
  pendingRows: number;
  sealedBatches: number;
  insertsInFlight: number;
  storageAvailable: boolean;
  insertedRows: Record<TableName, number>;
  lastInsertError: string;
}

/**
 * The path from decoded rows to ClickHouse. Requests append their rows to the
 * open batch of each table (in memory and in that batch's WAL file) and are
 * acknowledged when the WAL entry is durable. A batch seals by rows, bytes or
 * age and is inserted with a single INSERT; failures are retried with backoff,
 * reconciling first so each row lands exactly once. Memory is bounded by
 * maxPendingBytes: above it new requests get 429; while ClickHouse fails, 503.
 */
export class IngestPipeline {
  private readonly open = new Map<TableName, Batch>();
  private readonly sealed: Batch[] = [];
  private readonly committing = new Set<Promise<void>>();
  private inFlight = 0;
  private pendingBytes = 0;
  private pendingRows = 0;
  private storageAvailable = true;
  private lastInsertError = '';
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly insertedRows: Record<TableName, number> = {
    logs: 0,
    log_resources: 0,
    metric_samples: 0,
    metric_series: 0,
  };
  private readonly meter = metrics.getMeter('hub-collector');
  private readonly insertCounter = this.meter.createCounter('hub.collector.inserted_rows', {
    description: 'Rows inserted into ClickHouse',
  });
  private readonly insertFailures = this.meter.createCounter('hub.collector.insert_failures', {
    description: 'Failed INSERT attempts (retried)',
  });

  /** Batch memory: a batch seals past flushBytes, so an arena holds that plus a request's worth. */
  private readonly arenas: ArenaPool;

  constructor(
    private readonly db: Db,
    private readonly options: PipelineOptions,
    private readonly log: Logger,
  ) {
    // Idle arenas kept: enough for the open batch and the inserts in flight, so a busy
    // collector writes into memory that is already resident instead of fresh pages.
    this.arenas = new ArenaPool(options.flushBytes + ARENA_SLACK_BYTES, options.maxConcurrentInserts + 2);
    this.meter
      .createObservableGauge('hub.collector.pending_bytes', {
        description: 'Acknowledged bytes not yet inserted',
      })
      .addCallback((obs) => obs.observe(this.pendingBytes));
  }

  /** Replays what the WAL holds from a previous run, then starts the flush timer. */
  async start(): Promise<number> {
    const recovered = await recoverWal(this.options.walDir);
    let rows = 0;
    for (const r of recovered) {
      if (r.discardedBytes > 0) {
        this.log.warn(
          { file: r.file, bytes: r.discardedBytes },
          'WAL tail was incomplete (never acknowledged); ignored',
        );
      }
      const batch = new Batch(r.table, r.batchKey, undefined, true, r.file);
      batch.legacyLayout = r.legacyLayout && r.table === 'logs';
      batch.chunks.push(...r.chunks);
      batch.rows = r.rows;
      batch.bytes = r.bytes;
      batch.minTs = r.minTs;
      batch.maxTs = r.maxTs;
      rows += r.rows;
      this.pendingBytes += batch.bytes;
      this.pendingRows += batch.rows;
      this.enqueue(batch);
    }
    if (recovered.length > 0) this.log.info({ batches: recovered.length, rows }, 'replaying write-ahead log');
    const tick = Math.max(5, Math.min(100, Math.floor(this.options.flushIntervalMs / 2)));
    this.timer = setInterval(() => this.sealAged(), tick);
    this.timer.unref();
    return rows;
  }

  /** Undefined when a request may be accepted, else the error to answer with. */
  admission(): Error | undefined {
    if (this.stopping) return new CollectorErrors.SHUTTING_DOWN();
    if (!this.storageAvailable) {
      this.probeStorage();
      return new CollectorErrors.STORAGE_UNAVAILABLE();
    }
    if (this.pendingBytes >= this.options.maxPendingBytes) {
      return new CollectorErrors.OVERLOADED(`${this.pendingBytes} bytes waiting for ClickHouse`);
    }
    return undefined;
  }

  get retryAfterSeconds(): number {
    return this.options.retryAfterSeconds;
  }

  /** Row ids in the batch that the next commit() of this table will join. */
  ids(table: TableName): RowIds {
    return this.openBatch(table, true).ids();
  }

  /**
   * A writer into the open batch's memory with at least sizeHint bytes free, for
   * the rows of the request being decoded (with ids() of this same tick); undefined
   * when the batch has no room left: the decoder then uses its own buffer.
   */
  writer(table: TableName, sizeHint: number): RowWriter | undefined {
    const batch = this.openBatch(table);
    batch.arena ??= this.arenas.take();
    return batch.arena.writer(sizeHint);
  }

  /**
   * The open batch of a table. Only ids() checks capacity: commit() must append to
   * the very batch whose ids the decoder used, which ids() opened in this tick.
   */
  private openBatch(table: TableName, checkCapacity = false): Batch {
    let batch = this.open.get(table);
    // A request can hold at most maxBodyBytes / 2 records: never let ids overflow the batch.
    if (checkCapacity && batch && batch.nextRow + this.options.maxBodyBytes / 2 >= MAX_ROWS_PER_BATCH) {
      this.seal(batch);
      batch = undefined;
    }
    if (!batch) {
      const key = newBatchKey();
      batch = new Batch(table, key, new WalFile(this.options.walDir, table, key, this.options.walFsync));
      this.open.set(table, batch);
    }
    return batch;
  }

  /**
   * Appends decoded rows to the open batches. Must run in the same tick as the
   * decode that took ids(). Resolves when every row is durable (acknowledgeable).
   */
  commit(outcome: DecodeOutcome): Promise<void> {
    const durable: Promise<void>[] = [];
    for (const table of Object.keys(outcome.tables) as TableName[]) {
      const rows = outcome.tables[table];
      if (!rows || rows.rows === 0) continue;
      const batch = this.openBatch(table);
      batch.arena?.claim(rows.bytes);
      durable.push(
        batch.append(rows.bytes, rows.rows, rows.minTs, rows.maxTs).catch((err: unknown) => {
          // Withdrawn from the batch (never acknowledged): no longer pending.
          this.pendingBytes -= rows.bytes.length;
          this.pendingRows -= rows.rows;
          throw this.walFailed(batch, err);
        }),
      );
      this.pendingBytes += rows.bytes.length;
      this.pendingRows += rows.rows;
      if (batch.rows >= this.options.flushRows || batch.bytes >= this.options.flushBytes) this.seal(batch);
    }
    return Promise.all(durable).then(() => undefined);
  }

  /**
   * A WAL file that failed once refuses every later append: seal its batch (what
   * was durable in it is still inserted) so the next request opens a new file
   * instead of failing until restart. The client is told to retry (503), not
   * that its data is bad.
   */
  private walFailed(batch: Batch, err: unknown): Error {
    if (!batch.sealed) {
      this.log.error(
        { table: batch.table, file: batch.walPath, err: (err as Error).message },
        'write-ahead log append failed; requests refused until a new WAL file works',
      );
      this.seal(batch);
    }
    const refusal = new CollectorErrors.STORAGE_UNAVAILABLE();
    refusal.cause = err;
    return refusal;
  }

  private sealAged(): void {
    const now = Date.now();
    for (const batch of this.open.values()) {
      if (batch.rows > 0 && now - batch.openedAt >= this.options.flushIntervalMs) this.seal(batch);
    }
  }

  private seal(batch: Batch): void {
    if (batch.sealed) return;
    batch.sealed = true;
    if (this.open.get(batch.table) === batch) this.open.delete(batch.table);
    this.enqueue(batch);
  }

  private enqueue(batch: Batch): void {
    this.sealed.push(batch);
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < this.options.maxConcurrentInserts && this.sealed.length > 0) {
      const batch = this.sealed.shift() as Batch;
      this.inFlight++;
      const p = this.commitBatch(batch).finally(() => {
        this.inFlight--;
        this.committing.delete(p);
        this.pump();
      });
      this.committing.add(p);
    }
  }

  private async commitBatch(batch: Batch): Promise<void> {
    // Every request in the batch must be durable (or withdrawn) before the INSERT.
    await batch.wal?.close();
    if (batch.rows > 0) {
      for (;;) {
        try {
          const outcome =
            batch.attempts > 0 || batch.recovered ? await reconcileBatch(this.db, batch) : 'absent';
          if (outcome !== 'present') {
            batch.attempts++;
            const columns = batch.legacyLayout ? LEGACY_LOG_INSERT_COLUMNS : INSERT_COLUMNS[batch.table];
            await this.db.insertRowBinary(batch.table, columns, batch.body());
          }
          if (batch.legacyLayout) await copyLegacyLogResources(this.db, batch);
          this.storageAvailable = true;
          this.insertedRows[batch.table] += batch.rows;
          this.insertCounter.add(batch.rows, { table: batch.table });
          break;
        } catch (err) {
          batch.attempts = Math.max(batch.attempts, 1);
          const retryable = isRetryableDbError(err);
          if (retryable) this.storageAvailable = false;
          this.lastInsertError = (err as Error).message;
          this.insertFailures.add(1, { table: batch.table });
          this.log.warn(
            { table: batch.table, rows: batch.rows, attempt: batch.attempts, err: (err as Error).message },
            retryable ? 'ClickHouse unavailable; batch kept in WAL, retrying' : 'INSERT failed; retrying',
          );
          if (this.stopping && this.stopDeadline !== undefined && Date.now() > this.stopDeadline) return;
          const delay =
            Math.min(10_000, 200 * 2 ** Math.min(batch.attempts, 6)) * (0.75 + Math.random() * 0.5);
          await new Promise((r) => setTimeout(r, delay));
        }
      }
    }
    // Inserted, and the WAL closed: nothing reads the chunks (views of the arena) any more.
    if (batch.arena) this.arenas.give(batch.arena);
    batch.arena = undefined;
    const walFile = batch.walPath;
    if (walFile) await unlink(walFile).catch(() => undefined);
    this.pendingBytes -= batch.bytes;
    this.pendingRows -= batch.rows;
  }

  private stopDeadline: number | undefined;

  /** Flushes everything; what cannot be inserted by the deadline stays in the WAL for the next start. */
  async stop(timeoutMs = 30_000): Promise<void> {
    this.stopping = true;
    this.stopDeadline = Date.now() + timeoutMs;
    if (this.timer) clearInterval(this.timer);
    for (const batch of [...this.open.values()]) this.seal(batch);
    const deadline = new Promise<void>((r) => setTimeout(r, timeoutMs + 1000).unref());
    while (this.committing.size > 0 || this.sealed.length > 0) {
      const done = await Promise.race([
        Promise.all([...this.committing]).then(() => true),
        deadline.then(() => false),
      ]);
      if (!done) break;
    }
  }

  private probing = false;
  private lastProbeMs = 0;

  /**
   * While ClickHouse is marked unavailable, a ping at most once a second (driven
   * by incoming requests) lets ingest resume as soon as the server answers,
   * instead of waiting for the failed batch's next backoff retry.
   */
  private probeStorage(): void {
    const now = Date.now();
    if (this.probing || now - this.lastProbeMs < 1000) return;
    this.probing = true;
    this.lastProbeMs = now;
    this.db
      .ping()
      .then((ok) => {
        if (ok) this.storageAvailable = true;
      })
      .catch(() => undefined)
      .finally(() => {
        this.probing = false;
      });
  }

  stats(): PipelineStats {
    return {
      pendingBytes: this.pendingBytes,
      pendingRows: this.pendingRows,
      sealedBatches: this.sealed.length,
      insertsInFlight: this.inFlight,
      storageAvailable: this.storageAvailable,
      insertedRows: { ...this.insertedRows },
      lastInsertError: this.lastInsertError,
    };
  }
}

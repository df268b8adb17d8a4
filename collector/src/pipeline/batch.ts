import type { TableName } from '../otlp/decoded.ts';
import { RowIds } from '../otlp/ids.ts';
import type { RowArena } from './row-arena.ts';
import type { WalFile } from './wal.ts';

/**
 * Rows of one table waiting for one INSERT. A batch opens on the first request
 * after the previous one sealed; its WAL file opens with it.
 */
export class Batch {
  readonly chunks: Buffer[] = [];
  rows = 0;
  /** Next row id; never goes back, so ids stay unique even when a chunk is withdrawn. */
  nextRow = 0;
  bytes = 0;
  minTs = Infinity;
  maxTs = -Infinity;
  attempts = 0;
  sealed = false;
  readonly openedAt = Date.now();
  /** Memory that requests decode their rows into (live batches of tables that use one). */
  arena: RowArena | undefined;
  /** Logs rows recovered from a WAL file written before log_resources (legacy-logs.ts). */
  legacyLayout = false;

  constructor(
    readonly table: TableName,
    readonly key: number,
    readonly wal: WalFile | undefined,
    /** Rows recovered from the WAL may already be in ClickHouse: reconcile before inserting. */
    readonly recovered = false,
    /** The WAL file of a recovered batch (a live batch's is wal.file). */
    private readonly recoveredFile?: string,
  ) {}

  get walPath(): string | undefined {
    return this.wal?.file ?? this.recoveredFile;
  }

  /** Row ids for rows that will be appended next, in this tick. */
  ids(): RowIds {
    return new RowIds(this.key, this.nextRow);
  }

  /** Adds rows in memory and to the WAL; resolves when they are durable, else withdraws them and rejects. */
  append(bytes: Buffer, rows: number, minTs: number, maxTs: number): Promise<void> {
    this.chunks.push(bytes);
    this.rows += rows;
    this.nextRow += rows;
    this.bytes += bytes.length;
    if (minTs < this.minTs) this.minTs = minTs;
    if (maxTs > this.maxTs) this.maxTs = maxTs;
    if (!this.wal) return Promise.resolve();
    return this.wal.append(bytes, rows, minTs, maxTs).catch((err: unknown) => {
      // Not durable, so not acknowledged: the client will resend, so this copy must not be
      // inserted, even if the batch sealed meanwhile. Safe: the INSERT reads the chunks only
      // after wal.close(), which settles after this handler has run.
      const i = this.chunks.indexOf(bytes);
      if (i >= 0) {
        this.chunks.splice(i, 1);
        this.rows -= rows;
        this.bytes -= bytes.length;
      }
      throw err;
    });
  }

  /** The rows to insert: the chunks themselves, sent one after another (no concatenated copy). */
  body(): readonly Buffer[] {
    return this.chunks;
  }
}

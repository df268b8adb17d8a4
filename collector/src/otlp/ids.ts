import { randomBytes } from 'node:crypto';

/**
 * Row ids: id = batch * 2^24 + row, where batch is 40 random bits chosen when a
 * batch opens. All rows of one INSERT share the batch part, so after an
 * ambiguous failure the writer can ask ClickHouse how many rows of that batch
 * arrived (an id range) and insert exactly once.
 */
export const MAX_ROWS_PER_BATCH = 1 << 24;

export function newBatchKey(): number {
  const b = randomBytes(5);
  return b.readUInt32LE(0) * 256 + (b[4] as number);
}

/** Low and high halves of the id of a row. */
export function rowIdParts(batchKey: number, row: number): { lo: number; hi: number } {
  return { lo: ((batchKey & 0xff) * 16777216 + row) >>> 0, hi: Math.floor(batchKey / 256) >>> 0 };
}

/** First and last id of a batch, as decimal strings for SQL. */
export function batchIdRange(batchKey: number): { first: bigint; last: bigint } {
  const first = BigInt(batchKey) << 24n;
  return { first, last: first + BigInt(MAX_ROWS_PER_BATCH - 1) };
}

/** Writes consecutive ids of one batch starting at firstRow. */
export class RowIds {
  private readonly hi: number;
  /** The batch key's low byte: the top byte of every id's low half. */
  readonly lowByte: number;
  row: number;

  constructor(batchKey: number, firstRow: number) {
    this.hi = Math.floor(batchKey / 256) >>> 0;
    this.lowByte = batchKey & 0xff;
    this.row = firstRow;
  }

  /**
   * The low 32 bits of the next id, as an int32 (RowWriter.u64Parts writes the
   * same bytes for either sign; an int32 is never boxed, a uint32 above 2^31 is).
   */
  nextLo(): number {
    if (this.row >= MAX_ROWS_PER_BATCH) throw new RangeError('batch row limit reached');
    return (this.lowByte * 16777216 + this.row++) | 0;
  }

  get high(): number {
    return this.hi;
  }
}

import { RowWriter } from '../otlp/row-writer.ts';

/**
 * The memory of one batch: requests' rows are decoded straight into it, one
 * after another, so a request's rows are neither copied out of a scratch
 * buffer nor concatenated into the INSERT (the batch sends its chunks, which
 * are views of this memory). Reused through an ArenaPool once the batch is
 * inserted: a busy collector allocates no row memory per request, which is what
 * otherwise drives V8's full collections ("external memory pressure").
 */
export class RowArena {
  /** Bytes claimed by committed requests; what lies past it is free (or a failed decode's leftovers). */
  used = 0;

  constructor(readonly buf: Buffer) {}

  /** A writer at the free space, when at least minBytes are free; else undefined (decode elsewhere). */
  writer(minBytes: number): RowWriter | undefined {
    return this.buf.length - this.used >= minBytes ? RowWriter.at(this.buf, this.used) : undefined;
  }

  /**
   * Claims rows a writer from writer() produced, if they still lie at the free
   * position (a writer that outgrew the arena moved them elsewhere: not claimed).
   */
  claim(rows: Buffer): boolean {
    if (rows.buffer !== this.buf.buffer || rows.byteOffset !== this.buf.byteOffset + this.used) return false;
    this.used += rows.length;
    return true;
  }
}

/** Arenas of one size, allocated on demand and kept for reuse up to maxIdle. */
export class ArenaPool {
  private readonly idle: Buffer[] = [];

  constructor(
    readonly arenaBytes: number,
    private readonly maxIdle = 2,
  ) {}

  take(): RowArena {
    // Unpooled, uninitialised memory: pages become resident only as rows are written.
    return new RowArena(this.idle.pop() ?? Buffer.allocUnsafeSlow(this.arenaBytes));
  }

  give(arena: RowArena): void {
    if (this.idle.length < this.maxIdle) this.idle.push(arena.buf);
  }
}

import { ident, sql, type Db } from '../../../core/src/index.ts';

/**
 * A real Db with faults injected at the INSERT: what a network failure does to
 * the collector's writer, made deterministic. The rows go to the real server;
 * only the outcome the writer sees is changed.
 */
export type InsertFault =
  /** The INSERT runs to completion, then the writer sees a connection reset: it landed, but ambiguously. */
  | 'lose-answer'
  /**
   * The connection drops halfway through the body: ClickHouse has already
   * committed the first blocks (as it does for an INSERT above min_insert_block_size_rows), not the rest.
   */
  | 'cut-body';

export interface FaultObservation {
  fault: InsertFault;
  /** Id range of the batch (ids are batch key << 24 | row). */
  firstId: bigint;
  lastId: bigint;
  /** Rows of the batch in the table right after the fault. */
  landed: number;
}

export interface FaultyDb {
  db: Db;
  /** Faults to apply to the next INSERTs into `logs`, in order. */
  readonly planned: InsertFault[];
  /** Faults applied so far. */
  readonly applied: InsertFault[];
  readonly observed: FaultObservation[];
  /** Rows in the table with ids in [firstId, lastId]. */
  countIds(table: string, firstId: bigint, lastId: bigint): Promise<number>;
}

function connectionReset(): Error {
  return Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
}

export function faultyDb(real: Db, url: string): FaultyDb {
  const planned: InsertFault[] = [];
  const applied: InsertFault[] = [];
  const observed: FaultObservation[] = [];
  const countIds = async (table: string, firstId: bigint, lastId: bigint): Promise<number> => {
    const rows = await real.query<{ c: string }>(
      sql`SELECT count() AS c FROM ${ident(table)} WHERE id BETWEEN ${firstId} AND ${lastId}`,
    );
    return Number(rows[0]?.c ?? 0);
  };

  const db: Db = {
    get database() {
      return real.database;
    },
    get capabilities() {
      return real.capabilities;
    },
    get cluster() {
      return real.cluster;
    },
    query: (q, o) => real.query(q, o),
    queryWithStats: (q, o) => real.queryWithStats(q, o),
    command: (q, o) => real.command(q, o),
    ping: () => real.ping(),
    close: () => real.close(),
    async insertRowBinary(table, columns, body) {
      const fault = table === 'logs' ? planned.shift() : undefined;
      if (!fault) return real.insertRowBinary(table, columns, body);
      applied.push(fault);
      body = Buffer.isBuffer(body) ? body : Buffer.concat(body);
      // Every row starts with its UInt64 id; all rows of a batch share the key in the high 40 bits.
      const firstId = (body.readBigUInt64LE(0) >> 24n) << 24n;
      const lastId = firstId + (1n << 24n) - 1n;
      if (fault === 'lose-answer') {
        await real.insertRowBinary(table, columns, body);
      } else {
        // Half the bytes end mid-row ("Cannot read all data"): the whole blocks before the cut stay.
        const target = new URL(url);
        target.searchParams.set('database', real.database);
        target.searchParams.set('query', `INSERT INTO ${table} (${columns.join(', ')}) FORMAT RowBinary`);
        // Small blocks, not squashed: each is committed as it is parsed, as a huge INSERT's are.
        target.searchParams.set('max_insert_block_size', '10');
        target.searchParams.set('min_insert_block_size_rows', '0');
        target.searchParams.set('min_insert_block_size_bytes', '0');
        const res = await fetch(target, {
          method: 'POST',
          body: body.subarray(0, Math.floor(body.length / 2)),
        });
        await res.arrayBuffer();
      }
      observed.push({ fault, firstId, lastId, landed: await countIds(table, firstId, lastId) });
      throw connectionReset();
    },
  };
  return { db, planned, applied, observed, countIds };
}

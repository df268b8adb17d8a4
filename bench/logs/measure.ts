import { randomUUID } from 'node:crypto';
import { sql, type Db, type QueryOptions, type QueryStats, type SqlFragment } from '../../core/src/index.ts';

/**
 * What each measured call cost, from ClickHouse's own accounting. The API's
 * `stats` come from the X-ClickHouse-Summary response header, which ClickHouse
 * 18.16 does not send (read_rows/read_bytes are 0 there); system.query_log has
 * the numbers on every version. So the API functions get a Db that adds
 * log_queries=1 to each query (a per-query setting; 18.16 does not log by
 * default) and remembers its query_id, and the numbers are read back from
 * query_log after SYSTEM FLUSH LOGS.
 */
export class RecordingDb implements Db {
  private ids: string[] = [];

  constructor(private readonly inner: Db) {}

  get database(): string {
    return this.inner.database;
  }
  get capabilities(): Db['capabilities'] {
    return this.inner.capabilities;
  }
  get cluster(): string {
    return this.inner.cluster;
  }

  /** The query ids recorded since the last call. */
  take(): string[] {
    const ids = this.ids;
    this.ids = [];
    return ids;
  }

  private logged(options: QueryOptions): QueryOptions {
    const queryId = options.queryId ?? randomUUID();
    this.ids.push(queryId);
    return { ...options, queryId, settings: { ...options.settings, log_queries: 1 } };
  }

  query<T = Record<string, unknown>>(q: SqlFragment, options: QueryOptions = {}): Promise<T[]> {
    return this.inner.query<T>(q, this.logged(options));
  }
  queryWithStats<T = Record<string, unknown>>(
    q: SqlFragment,
    options: QueryOptions = {},
  ): Promise<{ rows: T[]; stats: QueryStats }> {
    return this.inner.queryWithStats<T>(q, this.logged(options));
  }
  command(q: SqlFragment, options?: QueryOptions): Promise<void> {
    return this.inner.command(q, options);
  }
  insertRowBinary(
    table: string,
    columns: readonly string[],
    body: Buffer | readonly Buffer[],
  ): Promise<void> {
    return this.inner.insertRowBinary(table, columns, body);
  }
  ping(): Promise<boolean> {
    return this.inner.ping();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** One query as system.query_log saw it. */
export interface LoggedQuery {
  durationMs: number;
  readRows: number;
  readBytes: number;
  resultRows: number;
  memoryBytes: number;
  /** User + system CPU of all the query's threads. */
  cpuMs: number;
  /** Time the query's threads were runnable but waiting for a CPU: other load on the machine. */
  cpuWaitMs: number;
  selectedMarks: number;
}

interface LogRow {
  query_id: string;
  query_duration_ms: string;
  read_rows: string;
  read_bytes: string;
  result_rows: string;
  memory_usage: string;
  user_us: string;
  system_us: string;
  wait_us: string;
  marks: string;
}

const event = (name: string): SqlFragment => sql`ProfileEvents.Values[indexOf(ProfileEvents.Names, ${name})]`;

/** query_log entries of finished (or failed) queries by query id; flushes the log first. */
export async function loggedQueries(db: Db, ids: readonly string[]): Promise<Map<string, LoggedQuery>> {
  const out = new Map<string, LoggedQuery>();
  if (ids.length === 0) return out;
  await db.command(sql`SYSTEM FLUSH LOGS`);
  for (let i = 0; i < ids.length; i += 500) {
    const batch = ids.slice(i, i + 500);
    const rows = await db.query<LogRow>(
      sql`SELECT query_id, query_duration_ms, read_rows, read_bytes, result_rows, memory_usage,
            ${event('UserTimeMicroseconds')} AS user_us, ${event('SystemTimeMicroseconds')} AS system_us,
            ${event('OSCPUWaitMicroseconds')} AS wait_us, ${event('SelectedMarks')} AS marks
          FROM system.query_log
          WHERE type IN (2, 3, 4) AND event_date >= yesterday() AND has(${batch}, query_id)`,
    );
    for (const r of rows) {
      out.set(r.query_id, {
        durationMs: Number(r.query_duration_ms),
        readRows: Number(r.read_rows),
        readBytes: Number(r.read_bytes),
        resultRows: Number(r.result_rows),
        memoryBytes: Number(r.memory_usage),
        cpuMs: (Number(r.user_us) + Number(r.system_us)) / 1000,
        cpuWaitMs: Number(r.wait_us) / 1000,
        selectedMarks: Number(r.marks),
      });
    }
  }
  return out;
}

/**
 * One API call's cost: the ClickHouse queries it ran are summed (rows, bytes,
 * CPU); their duration is the longest, as logFacets runs its two in parallel.
 */
export function combine(queries: readonly LoggedQuery[]): LoggedQuery {
  const sum = (f: (q: LoggedQuery) => number): number => queries.reduce((a, q) => a + f(q), 0);
  return {
    durationMs: Math.max(0, ...queries.map((q) => q.durationMs)),
    readRows: sum((q) => q.readRows),
    readBytes: sum((q) => q.readBytes),
    resultRows: sum((q) => q.resultRows),
    memoryBytes: sum((q) => q.memoryBytes),
    cpuMs: sum((q) => q.cpuMs),
    cpuWaitMs: sum((q) => q.cpuWaitMs),
    selectedMarks: sum((q) => q.selectedMarks),
  };
}

/** Nearest-rank percentile (p in 0-100) of a non-empty list. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? Number.NaN;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** What a measured call answered: how many records, values or series, and the API's stats.readRows. */
export interface CallOutcome {
  answered: number;
  apiReadRows: number;
}

/** A measured call: one API function (or reference query) run with the recording Db. */
export interface RoundCase<O extends CallOutcome> {
  key: string;
  run(db: Db, round: number): Promise<O>;
}

/** One call of one case: wall time around it, what it answered, and what ClickHouse logged for it. */
export interface RoundSample<O extends CallOutcome> {
  wallMs: number;
  answered: number;
  apiReadRows: number;
  outcome: O;
  logged: LoggedQuery[];
}

/**
 * Runs every case round-robin (warm-up rounds first, not kept), so a
 * disturbance spreads over all cases; then reads each call's queries back
 * from system.query_log.
 */
export async function measureRounds<O extends CallOutcome>(
  rdb: RecordingDb,
  cases: readonly RoundCase<O>[],
  rounds: { warmup: number; runs: number },
): Promise<Map<string, RoundSample<O>[]>> {
  const out = new Map(cases.map((c) => [c.key, [] as { sample: RoundSample<O>; ids: string[] }[]]));
  for (let round = 0; round < rounds.warmup + rounds.runs; round++) {
    for (const c of cases) {
      rdb.take();
      const started = performance.now();
      const outcome = await c.run(rdb, round);
      const wallMs = performance.now() - started;
      const ids = rdb.take();
      if (round < rounds.warmup) continue;
      out.get(c.key)?.push({
        sample: { wallMs, answered: outcome.answered, apiReadRows: outcome.apiReadRows, outcome, logged: [] },
        ids,
      });
    }
  }
  const entries = [...out.values()].flat();
  const logged = await loggedQueries(
    rdb,
    entries.flatMap((e) => e.ids),
  );
  for (const e of entries) {
    for (const id of e.ids) {
      const q = logged.get(id);
      if (!q) throw new Error(`query ${id} is missing from system.query_log`);
      e.sample.logged.push(q);
    }
  }
  return new Map([...out].map(([key, list]) => [key, list.map((e) => e.sample)]));
}

import { join, sql, type Db, type QueryStats } from '@obshub/core';
import { runQuery } from '../common/run-query.ts';
import { toRecord, zip, type RecordRow } from './rows.ts';
import type { LogRecord } from './schemas.ts';

/**
 * The resource attributes of log records. A log row holds only its resource's
 * fingerprint; the attributes are stored once per fingerprint in log_resources
 * (docs/schema.md#log-resources), so a page of records costs one more query:
 * the resources of the page's distinct fingerprints. log_resources can hold
 * several rows of one fingerprint (hourly refreshes, parts not merged yet):
 * the newest one (argMax by last_seen) is read.
 */

/** Resource attributes by fingerprint (UInt64 as decimal text). */
export type ResourceMap = ReadonlyMap<string, Record<string, string>>;

const NO_STATS: QueryStats = { readRows: 0, readBytes: 0, elapsedMs: 0 };
const UINT64_TEXT = /^[0-9]{1,20}$/;

/**
 * A fingerprint read back from toString(resource_fingerprint), as a bigint for
 * sql``; anything else (cannot come from ClickHouse) is left out.
 */
function fingerprintValue(fp: string): bigint | undefined {
  if (!UINT64_TEXT.test(fp)) return undefined;
  const n = BigInt(fp);
  return n < 2n ** 64n ? n : undefined;
}

/** The attributes of the given resources; a fingerprint with no log_resources row is absent from the map. */
export async function fetchResources(
  db: Db,
  fingerprints: Iterable<string>,
  signal?: AbortSignal,
): Promise<{ resources: Map<string, Record<string, string>>; stats: QueryStats }> {
  const wanted = [...new Set(fingerprints)].flatMap((fp) => {
    const n = fingerprintValue(fp);
    return n === undefined ? [] : [sql`${n}`];
  });
  const resources = new Map<string, Record<string, string>>();
  if (wanted.length === 0) return { resources, stats: NO_STATS };
  const { rows, stats } = await runQuery<{ fp: string; k: string[]; v: string[] }>(
    db,
    sql`SELECT toString(fingerprint) AS fp, argMax(resource_keys, last_seen) AS k, argMax(resource_values, last_seen) AS v
        FROM log_resources WHERE fingerprint IN (${join(wanted, ', ')}) GROUP BY fingerprint`,
    signal,
  );
  for (const row of rows) resources.set(row.fp, zip(row.k, row.v));
  return { resources, stats };
}

/** Records of rows with their resources, in the rows' order; an unknown resource is {}. */
export function withResources(rows: readonly RecordRow[], resources: ResourceMap): LogRecord[] {
  return rows.map((row) => toRecord(row, resources.get(row.resource_fp) ?? zip([], [])));
}

/** fetchResources then withResources: the records of a page of rows, and what the lookup read. */
export async function recordsOf(
  db: Db,
  rows: readonly RecordRow[],
  signal?: AbortSignal,
): Promise<{ records: LogRecord[]; stats: QueryStats }> {
  const { resources, stats } = await fetchResources(
    db,
    rows.map((r) => r.resource_fp),
    signal,
  );
  return { records: withResources(rows, resources), stats };
}

/**
 * Resources already fetched, for a stream that asks again and again (the live
 * tail): a fingerprint names one set of attributes for good, so a hit never
 * goes stale; a miss is not remembered (its row may still be on its way).
 * Bounded: when full it starts over.
 */
export class ResourceCache {
  private readonly known = new Map<string, Record<string, string>>();

  constructor(private readonly maxEntries = 1000) {}

  /** The resources of these fingerprints: cached ones, and one query for the rest (if any). */
  async resolve(db: Db, fingerprints: Iterable<string>, signal?: AbortSignal): Promise<ResourceMap> {
    const found = new Map<string, Record<string, string>>();
    const missing: string[] = [];
    for (const fp of new Set(fingerprints)) {
      const attrs = this.known.get(fp);
      if (attrs === undefined) missing.push(fp);
      else found.set(fp, attrs);
    }
    if (missing.length === 0) return found;
    const { resources } = await fetchResources(db, missing, signal);
    if (this.known.size + resources.size > this.maxEntries) this.known.clear();
    for (const [fp, attrs] of resources) {
      this.known.set(fp, attrs);
      found.set(fp, attrs);
    }
    return found;
  }
}

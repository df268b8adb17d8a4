import { sql, type Db } from '../../core/src/index.ts';
import { LOCAL_ADMIN } from '../../api/src/access/principal.ts';
import { logFacets } from '../../api/src/logs/facets.ts';
import { logHistogram } from '../../api/src/logs/histogram.ts';
import { runQuery } from '../../api/src/common/run-query.ts';
import { searchLogs } from '../../api/src/logs/search.ts';
import { MID_SERVICES, RARE_TERMS } from './vocabulary.ts';

/**
 * The measured queries, each through the API function the HTTP route calls,
 * as the all-services principal. Times are absolute (epoch ms) and end at the
 * newest seeded record, so "the last hour" holds a full hour of data however
 * long seeding and merging took; the SQL is the same as for "now-1h" (the API
 * turns both into epoch seconds). ClickHouse 18.16 has no query result cache,
 * so a repeated query is re-executed (with warm OS page and mark caches: the
 * table fits in memory here, as the recent days of a real one usually do);
 * the service and the term still rotate so consecutive runs read different
 * data and find different records.
 */
export interface QueryCase {
  key: string;
  title: string;
  /** The query as a person would type it, for the report. */
  describe(run: number): string;
  /** p95 target from the issue, if any. */
  targetMs?: number;
  /** Range of the reference count, in hours before the end. */
  rangeHours: number;
  /** Calls the API: how many records, values or buckets it answered with, and its stats.readRows. */
  run(db: Db, run: number): Promise<Outcome>;
}

export interface Outcome {
  answered: number;
  apiReadRows: number;
}

const HOUR_MS = 3_600_000;
const outcome = (answered: number, stats: { readRows: number }): Outcome => ({
  answered,
  apiReadRows: stats.readRows,
});

export function queryCases(endMs: number): QueryCase[] {
  const range = (hours: number) => ({ from: String(endMs - hours * HOUR_MS), to: String(endMs) });
  const service = (run: number): string => MID_SERVICES[run % MID_SERVICES.length] as string;
  const term = (run: number): string => RARE_TERMS[run % RARE_TERMS.length] as string;
  return [
    {
      key: 'service-1h',
      title: 'one service, last hour, newest 100',
      describe: (i) => `q=service:${service(i)} 1h limit 100`,
      targetMs: 300,
      rangeHours: 1,
      run: async (db, i) => {
        const r = await searchLogs(db, LOCAL_ADMIN, { q: `service:${service(i)}`, ...range(1), limit: 100 });
        return outcome(r.records.length, r.stats);
      },
    },
    {
      key: 'service-attr-1h',
      title: 'same records by a non-key field (k8s.deployment.name), last hour',
      describe: (i) => `q=k8s.deployment.name:${service(i)} 1h limit 100`,
      rangeHours: 1,
      run: async (db, i) => {
        const q = `k8s.deployment.name:${service(i)}`;
        const r = await searchLogs(db, LOCAL_ADMIN, { q, ...range(1), limit: 100 });
        return outcome(r.records.length, r.stats);
      },
    },
    {
      key: 'text-24h',
      title: 'free-text term, 24 hours, all services, newest 100',
      describe: (i) => `q=${term(i)} 24h limit 100`,
      targetMs: 2000,
      rangeHours: 24,
      run: async (db, i) => {
        const r = await searchLogs(db, LOCAL_ADMIN, { q: term(i), ...range(24), limit: 100 });
        return outcome(r.records.length, r.stats);
      },
    },
    {
      key: 'facets-route-24h',
      title: 'facets of http.route (attribute), 24 hours',
      describe: () => 'field=http.route 24h limit 10',
      rangeHours: 24,
      run: async (db) => {
        const r = await logFacets(db, LOCAL_ADMIN, { q: '', ...range(24), field: 'http.route', limit: 10 });
        return outcome(r.values.length, r.stats);
      },
    },
    {
      key: 'facets-service-24h',
      title: 'facets of service (column), 24 hours',
      describe: () => 'field=service 24h limit 10',
      rangeHours: 24,
      run: async (db) => {
        const r = await logFacets(db, LOCAL_ADMIN, { q: '', ...range(24), field: 'service', limit: 10 });
        return outcome(r.values.length, r.stats);
      },
    },
    {
      key: 'histogram-7d',
      title: 'histogram, 7 days, 100 buckets asked (84 of 2 h)',
      describe: () => 'q= 7d buckets=100',
      rangeHours: 7 * 24,
      run: async (db) => {
        const r = await logHistogram(db, LOCAL_ADMIN, { q: '', ...range(7 * 24), buckets: 100 });
        return outcome(r.buckets.length, r.stats);
      },
    },
  ];
}

/**
 * The same-run references: count() of every record in a range (all services,
 * no search), so their rows read are what a query that cannot use the sort key
 * beyond the time range reads, and their answer is the number of rows in the
 * range.
 */
export function referenceCases(endMs: number): QueryCase[] {
  return [1, 24, 7 * 24].map((hours) => {
    const label = hours % 24 === 0 ? `${hours / 24}d` : `${hours}h`;
    const fromSec = Math.floor((endMs - hours * HOUR_MS) / 1000);
    const toSec = Math.ceil(endMs / 1000);
    return {
      key: `count-${label}`,
      title: `reference: count() of the whole range (${label})`,
      describe: () => `SELECT count() FROM logs WHERE timestamp in the last ${label}`,
      rangeHours: hours,
      run: async (db: Db) => {
        const { rows, stats } = await runQuery<{ c: string }>(
          db,
          sql`SELECT count() AS c FROM logs WHERE timestamp >= toDateTime(${fromSec}) AND timestamp <= toDateTime(${toSec})`,
          undefined,
        );
        return outcome(Number(rows[0]?.c ?? 0), stats);
      },
    };
  });
}

/** Share of bodies in the last 24 hours that contain each rare term (as the search matches it). */
export async function termShares(db: Db, endMs: number): Promise<{ term: string; share: number }[]> {
  const fromSec = Math.floor((endMs - 24 * HOUR_MS) / 1000);
  const out: { term: string; share: number }[] = [];
  for (const term of RARE_TERMS) {
    const rows = await db.query<{ share: number }>(
      sql`SELECT avg(positionCaseInsensitiveUTF8(body, ${term}) > 0) AS share FROM logs
          WHERE timestamp >= toDateTime(${fromSec})`,
    );
    out.push({ term, share: Number(rows[0]?.share ?? 0) });
  }
  return out;
}

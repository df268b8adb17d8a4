import { sql, trusted, type Db, type SqlFragment } from '@obshub/core';
import {
  CUMULATIVE_COUNTERS,
  CUMULATIVE_HISTOGRAMS,
  DELTA_INCREASES,
  INCREASE_SERIES,
  cumulativeIncrements,
  deltaIncrements,
  seriesOfClass,
} from './increments.ts';

/**
 * Writes and reads of the increase tables (metric_increase_1m / _1h and the
 * job's watermark): computing the increases of a window of minutes from raw
 * samples, deriving the hours from the minutes, and the watermark.
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
const JOB = 'increases';
/** The job's statements may take long while catching up; they are not user queries. */
const JOB_SETTINGS = { max_execution_time: 600 };

const floorTo = (ms: number, unit: number) => Math.floor(ms / unit) * unit;
const ceilTo = (ms: number, unit: number) => Math.ceil(ms / unit) * unit;
const ns = (ms: number) => BigInt(ms) * 1_000_000n;
const dateTime = (ms: number) => sql`toDateTime(${Math.floor(ms / 1000)})`;

const COLUMNS = trusted(
  'metric_name, fingerprint, bucket, layout, samples, known, inc, inc_sum, bounds, inc_buckets, version',
);

/** Groups per-sample increments into one row per (metric, series, minute, bucket layout). */
function minuteRows(increments: SqlFragment, version: number): SqlFragment {
  return sql`SELECT metric_name, fingerprint,
      toDateTime(intDiv(intDiv(t, 1000000000), 60) * 60) AS minute, cityHash64(bounds) AS lay,
      toUInt32(count()), toUInt32(sum(known)), sumIf(inc, isFinite(inc)), sumIf(inc_sum, isFinite(inc_sum)),
      any(bounds), sumForEach(inc_k), toUInt64(${version})
    FROM (${increments}) GROUP BY metric_name, fingerprint, minute, lay`;
}

/**
 * Computes the increases of every sample with a time in [fromMs, toMs)
 * (minute-aligned) into metric_increase_1m, then re-derives the hours those
 * minutes touch in metric_increase_1h. Safe to repeat and to run
 * concurrently: rows of the same key replace each other (latest version).
 */
export async function computeIncreases(
  db: Db,
  fromMs: number,
  toMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const from = floorTo(fromMs, MINUTE_MS);
  const to = ceilTo(toMs, MINUTE_MS);
  if (to <= from) return;
  const window = { fromNs: ns(from), toNs: ns(to) };
  const options = { settings: JOB_SETTINGS, abortSignal: signal };
  const version = Date.now();
  const parts = [
    cumulativeIncrements({ ...window, where: seriesOfClass(CUMULATIVE_COUNTERS), buckets: false }),
    cumulativeIncrements({ ...window, where: seriesOfClass(CUMULATIVE_HISTOGRAMS), buckets: true }),
    deltaIncrements({ ...window, where: seriesOfClass(DELTA_INCREASES), buckets: true }),
  ];
  for (const increments of parts) {
    await db.command(
      sql`INSERT INTO metric_increase_1m (${COLUMNS}) ${minuteRows(increments, version)}`,
      options,
    );
  }
  const hourFrom = floorTo(from, HOUR_MS);
  const hourTo = ceilTo(to, HOUR_MS);
  await db.command(
    sql`INSERT INTO metric_increase_1h (${COLUMNS})
        SELECT metric_name, fingerprint, toDateTime(intDiv(toUInt32(bucket), 3600) * 3600) AS hour, layout,
          toUInt32(sum(samples)), toUInt32(sum(known)), sum(inc), sum(inc_sum), any(bounds),
          sumForEach(inc_buckets), toUInt64(${Date.now()})
        FROM metric_increase_1m FINAL
        WHERE bucket >= ${dateTime(hourFrom)} AND bucket < ${dateTime(hourTo)}
        GROUP BY metric_name, fingerprint, hour, layout`,
    options,
  );
}

/** Every bucket before the watermark (epoch ms) has been computed; 0 when none has (or not migrated). */
export async function readWatermark(db: Db): Promise<number> {
  try {
    const [row] = await db.query<{ w: number | string }>(
      sql`SELECT toUInt32(max(watermark)) AS w FROM metric_increase_watermark WHERE job = ${JOB}`,
    );
    return Number(row?.w ?? 0) * 1000;
  } catch {
    return 0;
  }
}

export async function writeWatermark(db: Db, ms: number): Promise<void> {
  await db.command(
    sql`INSERT INTO metric_increase_watermark (job, watermark, updated_at) VALUES (${JOB}, ${dateTime(ms)}, now())`,
  );
}

/** The oldest sample (epoch ms) of a series the increase tables hold, before `beforeMs`; undefined when none. */
export async function oldestIncreaseSample(db: Db, beforeMs: number): Promise<number | undefined> {
  const [row] = await db.query<{ n: string; first: number | string }>(
    sql`SELECT count() AS n, toUInt32(min(timestamp)) AS first FROM metric_samples
        WHERE timestamp < ${dateTime(beforeMs)} AND bitAnd(flags, 1) = 0
          AND ${seriesOfClass(INCREASE_SERIES)}`,
    { settings: JOB_SETTINGS },
  );
  return row && Number(row.n) > 0 ? Number(row.first) * 1000 : undefined;
}

/**
 * Hours in [fromMs, toMs) whose raw sample count (of the series the increase
 * tables hold) differs from the samples the hour's increases were computed
 * from: samples that arrived after their minutes were last computed.
 */
export async function staleHours(db: Db, fromMs: number, toMs: number): Promise<number[]> {
  const from = floorTo(fromMs, HOUR_MS);
  const to = floorTo(toMs, HOUR_MS);
  if (to <= from) return [];
  const rows = await db.query<{ h: number | string }>(
    sql`SELECT toUInt32(hr) AS h FROM (
          SELECT toDateTime(intDiv(toUInt32(timestamp), 3600) * 3600) AS hr, count() AS raw FROM metric_samples
          WHERE timestamp >= ${dateTime(from)} AND timestamp < ${dateTime(to)} AND bitAnd(flags, 1) = 0
            AND ${seriesOfClass(INCREASE_SERIES)}
          GROUP BY hr
        ) ANY LEFT JOIN (
          SELECT bucket AS hr, sum(samples) AS computed FROM metric_increase_1h FINAL
          WHERE bucket >= ${dateTime(from)} AND bucket < ${dateTime(to)} GROUP BY hr
        ) USING hr
        WHERE raw != computed ORDER BY h`,
    { settings: JOB_SETTINGS },
  );
  return rows.map((r) => Number(r.h) * 1000);
}

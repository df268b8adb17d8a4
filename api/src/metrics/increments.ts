import { sql, trusted, type SqlFragment } from '@obshub/core';

/**
 * Per-sample increases of counters and explicit-bucket histograms, as SQL.
 * One definition serves the increase job (grouped per minute into
 * metric_increase_1m) and the query engine's raw samples (grouped per step),
 * so the two agree exactly and a range answered half from each adds up.
 *
 * Cumulative series, each sample next to its predecessor in the same series:
 * - the predecessor counts only when it is at most LOOKBACK before the
 *   sample (a longer gap: the sample is treated as the series' first);
 * - a reset (a changed start time, a lower value or count, changed bucket
 *   bounds) counts the sample's own value as the increase (the counter
 *   counted it since its restart); otherwise the difference;
 * - a sample without predecessor counts its value in full when its series
 *   started at most LOOKBACK before it (a new process), else it is only a
 *   baseline: `known` = 0 and no increase.
 * Delta series: every sample is its own increase.
 *
 * The rule depends only on the samples, not on the window computed, so any
 * split of a range into windows gives the same per-sample increases.
 */

/** How far back a sample's predecessor is looked for (and what counts as a new series). */
export const LOOKBACK_SECONDS = 600;
const LOOKBACK_NS = BigInt(LOOKBACK_SECONDS) * 1_000_000_000n;

/** Conditions on metric_series for the series the increase tables hold. */
export const CUMULATIVE_COUNTERS = trusted("metric_type = 'sum' AND is_monotonic = 1 AND temporality != 1");
export const CUMULATIVE_HISTOGRAMS = trusted("metric_type = 'histogram' AND temporality != 1");
export const DELTA_INCREASES = trusted(
  "(metric_type = 'histogram' OR (metric_type = 'sum' AND is_monotonic = 1)) AND temporality = 1",
);
/** Every series with rows in the increase tables. */
export const INCREASE_SERIES = trusted(
  "(metric_type = 'histogram' OR (metric_type = 'sum' AND is_monotonic = 1))",
);

export interface IncrementsWindow {
  /** Conditions on metric_samples rows (metric, fingerprints); time and flags are added. */
  where: SqlFragment;
  /** Samples with time_unix_nano in [fromNs, toNs). */
  fromNs: bigint;
  toNs: bigint;
  /** Histograms: compute sums and bucket increases; counters leave them empty. */
  buckets: boolean;
}

/**
 * Columns of every increments query: metric_name, fingerprint, t (ns),
 * known (UInt8), inc, inc_sum (Float64), bounds, inc_k (Array(Float64)).
 */
function timeWhere(fromNs: bigint, toNs: bigint): SqlFragment {
  const fromSec = fromNs / 1_000_000_000n;
  const toSec = (toNs + 999_999_999n) / 1_000_000_000n;
  return sql`timestamp >= toDateTime(${Number(fromSec)}) AND timestamp <= toDateTime(${Number(toSec)})
    AND time_unix_nano >= ${fromNs} AND time_unix_nano < ${toNs} AND bitAnd(flags, 1) = 0`;
}

/** Cumulative series: each sample's increase over its predecessor (see above). */
export function cumulativeIncrements(w: IncrementsWindow): SqlFragment {
  const readFromNs = w.fromNs > LOOKBACK_NS ? w.fromNs - LOOKBACK_NS : 0n;
  const cols = w.buckets ? ['st', 'v', 's', 'b', 'k'] : ['st', 'v'];
  const sorted = ['arraySort(groupArray(t)) AS t_s'].concat(
    cols.map((c) => `arraySort((x, y) -> y, groupArray(${c}), groupArray(t)) AS ${c}_s`),
  );
  // Each row zipped with the row before it (a copy shifted by one): indexing the arrays from
  // the unrolled rows would copy them onto every row (quadratic in the samples per series).
  const zipped = ['t', ...cols]
    .map((c) => `${c}_s AS c_${c}, arrayPushFront(arrayPopBack(${c}_s), ${c}_s[1]) AS p_${c}`)
    .concat('arrayEnumerate(t_s) AS i');
  const inner = w.buckets
    ? trusted(
        'sum AS s, bucket_bounds AS b, arrayMap(x -> toFloat64(x), bucket_counts) AS k, start_time_unix_nano AS st',
      )
    : trusted('start_time_unix_nano AS st');
  const resetBuckets = w.buckets ? trusted(' OR c_b != p_b') : trusted('');
  const histogramColumns = w.buckets
    ? trusted(`if(known, if(grows, c_s - p_s, c_s), 0) AS inc_sum, c_b AS bounds,
        if(known, if(grows, arrayMap((x, j) -> x - p_k[j], c_k, arrayEnumerate(c_k)), c_k),
           arrayMap(x -> 0., c_k)) AS inc_k`)
    : trusted('toFloat64(0) AS inc_sum, emptyArrayFloat64() AS bounds, emptyArrayFloat64() AS inc_k');
  return sql`SELECT metric_name, fingerprint, c_t AS t,
      i > 1 AND p_t + ${LOOKBACK_NS} >= c_t AS has_prev,
      has_prev AND NOT (c_st != p_st OR c_v < p_v${resetBuckets}) AS grows,
      toUInt8(has_prev OR (c_st != 0 AND c_st + ${LOOKBACK_NS} >= c_t)) AS known,
      if(known, if(grows, c_v - p_v, c_v), 0) AS inc,
      ${histogramColumns}
    FROM (
      SELECT metric_name, fingerprint, ${trusted(sorted.join(', '))}
      FROM (
        SELECT metric_name, fingerprint, time_unix_nano AS t,
          if(isNaN(value), toFloat64(count), value) AS v, ${inner}
        FROM metric_samples WHERE ${w.where} AND ${timeWhere(readFromNs, w.toNs)}
      )
      GROUP BY metric_name, fingerprint
    )
    ARRAY JOIN ${trusted(zipped.join(', '))}
    WHERE c_t >= ${w.fromNs}`;
}

/** Delta series: every sample is an increase (a sum's value, a histogram's count, sum and buckets). */
export function deltaIncrements(w: IncrementsWindow): SqlFragment {
  const histogramColumns = w.buckets
    ? trusted(
        'if(isFinite(sum), sum, 0) AS inc_sum, bucket_bounds AS bounds, arrayMap(x -> toFloat64(x), bucket_counts) AS inc_k',
      )
    : trusted('toFloat64(0) AS inc_sum, emptyArrayFloat64() AS bounds, emptyArrayFloat64() AS inc_k');
  return sql`SELECT metric_name, fingerprint, time_unix_nano AS t, toUInt8(1) AS known,
      if(isNaN(value), toFloat64(count), value) AS inc, ${histogramColumns}
    FROM metric_samples WHERE ${w.where} AND ${timeWhere(w.fromNs, w.toNs)}`;
}

/** Samples of the series matching a metric_series condition. */
export function seriesOfClass(condition: SqlFragment): SqlFragment {
  return sql`fingerprint IN (SELECT fingerprint FROM metric_series WHERE ${condition})`;
}

import { int, sql, trusted, type Db, type SqlFragment } from '@obshub/core';
import { combineExp, type ExpHistogram } from './math.ts';
import { lookbackMs, newSeriesFromMs, type Source, type StepPlan } from './plan.ts';
import {
  fingerprintsIn,
  histogramStepsFromRows,
  place,
  run,
  seriesSubquery,
  stepIndex,
  type HistogramRow,
  type HistogramStep,
  type Selection,
  type Steps,
  type Temporality,
} from './engine-common.ts';
import { counterIncreaseSteps, histogramIncreaseSteps } from './increase-read.ts';

export type { HistogramStep, Selection, Steps, Temporality } from './engine-common.ts';

/**
 * The query engine: per group and step, the partial results each metric kind
 * needs (gauge statistics, counter increases, summed histogram buckets, summary
 * quantiles), computed in ClickHouse from raw samples or a rollup. Counter
 * increases need each series' samples in order (resets), which 18.16 can only
 * do with arrays: a series' rows are collected with groupArray, sorted, and
 * unrolled again with ARRAY JOIN zipped with a copy shifted by one (each row
 * next to its predecessor). Indexing the array from the unrolled rows instead
 * (rs[i - 1], or a lambda capturing rs) would copy the whole array onto every
 * row: quadratic in the rows per series.
 */

export interface GaugeStep {
  min: number | null;
  max: number | null;
  /** Mean over series of each series' mean in the step. */
  avg: number | null;
  /** Sum over series of each series' mean in the step. */
  sum: number | null;
  /** Mean over series of each series' last value in the step. */
  last: number | null;
}

export interface ExpHistogramStep {
  count: number;
  /** In the selection's unit (scaled). */
  sum: number;
  /** Bucket bounds in the metric's own unit: multiply quantiles by `factor`. */
  hist: ExpHistogram;
  factor: number;
}

export interface SummaryStep {
  quantiles: number[];
  /** Mean over series of the last reported values. */
  values: Array<number | null>;
  series: number;
}

const ROLLUP_TABLE: Record<'1m' | '1h', SqlFragment> = {
  '1m': trusted('metric_rollup_1m'),
  '1h': trusted('metric_rollup_1h'),
};

/** Max rows of per-series exponential histogram points brought to the API (they are combined here). */
export const MAX_EXP_ROWS = 200_000;

/** Raw samples of the selection in [fromMs, endMs). */
function rawWhere(sel: Selection, fromMs: number, endMs: number): SqlFragment {
  const fromNs = BigInt(Math.floor(fromMs)) * 1_000_000n;
  const endNs = BigInt(Math.ceil(endMs)) * 1_000_000n;
  return sql`metric_name = ${sel.metric} AND ${fingerprintsIn(sel)}
    AND timestamp >= toDateTime(${Math.floor(fromMs / 1000)}) AND timestamp <= toDateTime(${Math.ceil(endMs / 1000)})
    AND time_unix_nano >= ${fromNs} AND time_unix_nano < ${endNs} AND bitAnd(flags, 1) = 0`;
}

/** Rollup rows of the selection with buckets in [fromMs, endMs) (both on bucket boundaries). */
function rollupWhere(sel: Selection, fromMs: number, endMs: number): SqlFragment {
  return sql`metric_name = ${sel.metric} AND ${fingerprintsIn(sel)}
    AND bucket >= toDateTime(${Math.floor(fromMs / 1000)}) AND bucket < toDateTime(${Math.floor(endMs / 1000)})`;
}

const RAW_MS = trusted('toInt64(intDiv(time_unix_nano, 1000000))');
const BUCKET_MS = trusted('(toInt64(toUInt32(bucket)) * 1000)');

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

// ---------------------------------------------------------------- gauges

/** Gauges and non-monotonic sums: min, max, mean, sum of means and last value per step. */
export async function gaugeSteps(
  db: Db,
  sel: Selection,
  plan: StepPlan,
  source: Source,
  signal?: AbortSignal,
): Promise<Steps<GaugeStep>> {
  const perSeries =
    source === 'raw'
      ? sql`SELECT fingerprint, ${stepIndex(plan, RAW_MS)} AS idx,
              minIf(value, isFinite(value)) AS mn, maxIf(value, isFinite(value)) AS mx,
              sumIf(value, isFinite(value)) AS sm, countIf(isFinite(value)) AS n,
              argMaxIf(value, time_unix_nano, isFinite(value)) AS lst
            FROM metric_samples WHERE ${rawWhere(sel, plan.startMs, plan.endMs)}
            GROUP BY fingerprint, idx`
      : sql`SELECT fingerprint, ${stepIndex(plan, BUCKET_MS)} AS idx,
              minIfMerge(g_min) AS mn, maxIfMerge(g_max) AS mx, sumIfMerge(g_sum) AS sm,
              countIfMerge(g_count) AS n, argMaxIfMerge(g_last) AS lst
            FROM ${ROLLUP_TABLE[source]} WHERE ${rollupWhere(sel, plan.startMs, plan.endMs)}
            GROUP BY fingerprint, idx`;
  const rows = await run<{
    g: number;
    idx: string;
    mn: number;
    mx: number;
    sa: number;
    ns: string;
    sl: number;
  }>(
    db,
    sql`SELECT g, idx, min(mn) AS mn, max(mx) AS mx, sum(sm / n) AS sa, count() AS ns, sum(lst) AS sl
        FROM (${perSeries}) ANY INNER JOIN (${seriesSubquery(sel)}) USING fingerprint
        WHERE n > 0 GROUP BY g, idx`,
    signal,
  );
  const out: Steps<GaugeStep> = new Map();
  for (const r of rows) {
    const n = Number(r.ns);
    const sa = num(r.sa);
    const sl = num(r.sl);
    place(out, plan, Number(r.g), Number(r.idx), {
      min: num(r.mn),
      max: num(r.mx),
      avg: sa === null ? null : sa / n,
      sum: sa,
      last: sl === null ? null : sl / n,
    });
  }
  return out;
}

// ---------------------------------------------------------------- counters

/**
 * Each series' rows in time order as parallel arrays (numbers only: 18.16
 * collects and unrolls arrays of tuples or of arrays through a generic path
 * several times slower), unrolled again with ARRAY JOIN, each row zipped with
 * the previous row's `prev` columns (a copy shifted by one). Indexing the
 * arrays from the unrolled rows instead (xs[i - 1], or a lambda capturing xs)
 * would copy whole arrays onto every row: quadratic in the rows per series.
 */
function ordered(rows: SqlFragment, columns: readonly string[], prev: readonly string[]): SqlFragment {
  const sorted = columns.map((c) => `arraySort((x, k) -> k, groupArray(${c}), groupArray(t)) AS ${c}_s`);
  const zipped = [
    ...columns.map((c) => `${c}_s AS c_${c}`),
    ...prev.map((c) => `arrayPushFront(arrayPopBack(${c}_s), ${c}_s[1]) AS p_${c}`),
    'arrayEnumerate(t_s) AS i',
  ];
  return sql`SELECT fingerprint, i, ${trusted([...columns.map((c) => `c_${c}`), ...prev.map((c) => `p_${c}`)].join(', '))}
    FROM (SELECT fingerprint, ${trusted(sorted.join(', '))} FROM (${rows}) GROUP BY fingerprint)
    ARRAY JOIN ${trusted(zipped.join(', '))}`;
}

/**
 * Monotonic sums: the increase per group and step (cumulative: with resets;
 * delta: the sum of deltas), from the increase tables and raw samples
 * (increase-read.ts).
 */
export async function counterSteps(
  db: Db,
  sel: Selection,
  plan: StepPlan,
  source: Source,
  temporality: Temporality,
  signal?: AbortSignal,
  watermarkMs?: number,
  rawTail?: boolean,
): Promise<Steps<number>> {
  return counterIncreaseSteps(db, sel, plan, { source, watermarkMs, rawTail }, temporality, signal);
}

// ---------------------------------------------------------------- histograms

/** Explicit buckets packed as in the rollups: [n, bounds (n), counts (n + 1)], all Float64. */
const PACKED_BUCKETS = trusted(
  'arrayConcat([toFloat64(length(bucket_bounds))], bucket_bounds, arrayMap(x -> toFloat64(x), bucket_counts))',
);

/**
 * As counterRows, for histograms and summaries: t, samples, first start,
 * count and sum (fs, fc, fsum), tail count and sum (tc, tsum), last start,
 * count and sum (ls, lc, lsum), and the last buckets (lb, packed as
 * PACKED_BUCKETS).
 */
function histogramRows(sel: Selection, plan: StepPlan, source: Source, readFromMs: number): SqlFragment {
  if (source === 'raw') {
    return sql`SELECT fingerprint, time_unix_nano AS t, toUInt64(1) AS n, start_time_unix_nano AS fs,
                 toFloat64(count) AS fc, sum AS fsum, fc AS tc, sum AS tsum, start_time_unix_nano AS ls,
                 fc AS lc, sum AS lsum, ${PACKED_BUCKETS} AS lb
               FROM metric_samples WHERE ${rawWhere(sel, readFromMs, plan.endMs)}`;
  }
  return sql`SELECT fingerprint, toUInt64(toUInt32(bucket)) * 1000000000 AS t, countMerge(samples) AS n,
               argMinMerge(f_start) AS fs, argMinMerge(f_v) AS fc, argMinMerge(f_sum) AS fsum,
               argMinMerge(t_v) AS tc, argMinMerge(t_sum) AS tsum, argMaxMerge(l_start) AS ls,
               argMaxMerge(l_v) AS lc, argMaxMerge(l_sum) AS lsum, argMaxIfMerge(b_last) AS lb
             FROM ${ROLLUP_TABLE[source]} WHERE ${rollupWhere(sel, readFromMs, plan.endMs)}
             GROUP BY fingerprint, bucket`;
}

/** a - b element-wise over a's length (missing elements of b are 0). */
const minus = (a: string, b: string) => `arrayMap((x, j) -> x - (${b})[j], ${a}, arrayEnumerate(${a}))`;
/** [n, bounds] and the counts of packed buckets. */
const boundsOf = (x: string) => `arraySlice(${x}, 1, toUInt32((${x})[1]) + 1)`;
const countsOf = (x: string) => `arraySlice(${x}, toUInt32((${x})[1]) + 2)`;

/**
 * Histogram increases, with the counter rules: a reset is a changed start
 * time, a lower count, or changed bounds. Count and sum follow the counter
 * rules exactly (first, tail and last of each bucket). Bucket counts are the
 * difference of consecutive last buckets. A row without that (a reset at its
 * start, a restart or drop inside a rollup bucket, or a series' first row
 * when its earlier samples are outside the read window) takes its last
 * buckets scaled to its count increase: exact for raw samples, resets between
 * buckets and new series; otherwise an estimate that assumes the row's new
 * observations are distributed like its last buckets (count and sum stay
 * exact). Everything is Float64: no difference in unsigned arithmetic.
 */
const HISTOGRAM_INCREASE = (newFromNs: bigint) =>
  trusted(`
    ${boundsOf('c_lb')} AS lbn, ${countsOf('c_lb')} AS lk, ${boundsOf('p_lb')} AS pbn, ${countsOf('p_lb')} AS pk,
    c_fs != p_ls OR c_fc < p_lc OR lbn != pbn AS reset_b,
    i = 1 AND NOT (c_fs != 0 AND c_fs >= ${newFromNs.toString()}) AS unknown_b,
    if(reset_b OR i = 1, c_fc, c_fc - p_lc) AS b_count,
    if(reset_b OR i = 1, c_fsum, c_fsum - p_lsum) AS b_sum,
    c_ls = c_fs AS single,
    c_lc < c_fc AS reset_i,
    c_tc < c_fc AS reset_t,
    if(single, if(reset_i, c_lc, c_lc - c_fc), if(reset_t, c_tc, c_tc - c_fc) + c_lc) AS i_count,
    if(single, if(reset_i, c_lsum, c_lsum - c_fsum), if(reset_t, c_tsum, c_tsum - c_fsum) + c_lsum) AS i_sum,
    NOT unknown_b OR c_n > 1 AS known,
    if(unknown_b, i_count, b_count + i_count) AS inc_count,
    if(unknown_b, i_sum, if(isFinite(b_sum), b_sum, 0) + i_sum) AS inc_sum,
    if(NOT unknown_b AND NOT reset_b AND i > 1 AND single AND NOT reset_i, ${minus('lk', 'pk')},
       arrayMap(x -> x * if(c_lc > 0, inc_count / c_lc, 0), lk)) AS inc_k,
    arraySlice(c_lb, 2, toUInt32(c_lb[1])) AS lb`);

/**
 * Explicit-bucket histograms: per group and step, the count, sum and bucket
 * counts of the values recorded in the step, bounds scaled by the
 * selection's factor, from the increase tables and raw samples
 * (increase-read.ts). Series of a group with different bounds are merged by
 * mergeHistograms.
 */
export async function histogramSteps(
  db: Db,
  sel: Selection,
  plan: StepPlan,
  source: Source,
  temporality: Temporality,
  signal?: AbortSignal,
  watermarkMs?: number,
  rawTail?: boolean,
): Promise<Steps<HistogramStep>> {
  return histogramIncreaseSteps(db, sel, plan, { source, watermarkMs, rawTail }, temporality, signal);
}

/**
 * Summaries' count and sum (count_rate, mean), from raw samples or the
 * rollups (first, tail and last of each bucket; summaries carry no buckets):
 * per group and step, with the counter rules.
 */
export async function summaryCountSteps(
  db: Db,
  sel: Selection,
  plan: StepPlan,
  source: Source,
  temporality: Temporality,
  signal?: AbortSignal,
): Promise<Steps<HistogramStep>> {
  let perSeries: SqlFragment;
  if (temporality === 'delta') {
    perSeries =
      source === 'raw'
        ? sql`SELECT fingerprint, ${stepIndex(plan, RAW_MS)} AS idx, toFloat64(sum(count)) AS cnt,
                sumIf(sum, isFinite(sum)) AS sm, sumForEach(bucket_counts) AS k,
                argMax(bucket_bounds, time_unix_nano) AS b
              FROM metric_samples WHERE ${rawWhere(sel, plan.startMs, plan.endMs)} GROUP BY fingerprint, idx`
        : sql`SELECT fingerprint, ${stepIndex(plan, BUCKET_MS)} AS idx, toFloat64(sumMerge(d_count)) AS cnt,
                sumIfMerge(d_sum) AS sm, sumForEachMerge(d_buckets) AS k, argMaxIfMerge(b_last) AS lb,
                arraySlice(lb, 2, toUInt32(lb[1])) AS b
              FROM ${ROLLUP_TABLE[source]} WHERE ${rollupWhere(sel, plan.startMs, plan.endMs)}
              GROUP BY fingerprint, idx`;
  } else {
    const readFromMs = plan.startMs - lookbackMs(source);
    const rows = histogramRows(sel, plan, source, readFromMs);
    const columns = ['t', 'n', 'fs', 'fc', 'fsum', 'tc', 'tsum', 'ls', 'lc', 'lsum', 'lb'];
    perSeries = sql`SELECT fingerprint, idx, sum(inc_count) AS cnt, sum(inc_sum) AS sm, sumForEach(inc_k) AS k,
          argMax(lb, c_t) AS b
        FROM (
          SELECT fingerprint, c_t, ${HISTOGRAM_INCREASE(BigInt(newSeriesFromMs(plan)) * 1_000_000n)},
            ${stepIndex(plan, trusted('toInt64(intDiv(c_t, 1000000))'))} AS idx
          FROM (${ordered(rows, columns, ['ls', 'lc', 'lsum', 'lb'])})
        ) WHERE known AND idx >= 0 AND idx < ${int(plan.points, 1)} GROUP BY fingerprint, idx`;
  }
  const rows = await run<HistogramRow>(
    db,
    sql`SELECT g, idx, sum(cnt) AS cnt, sum(sm * sc) AS sm, sumForEach(k) AS k, arrayMap(x -> x * sc, b) AS b
        FROM (${perSeries}) ANY INNER JOIN (${seriesSubquery(sel)}) USING fingerprint
        GROUP BY g, idx, b, sc`,
    signal,
  );
  return histogramStepsFromRows(plan, rows);
}

// ---------------------------------------------------------------- summaries

/** Summary quantiles per group and step: each series' last reported values, averaged over the group. */
export async function summarySteps(
  db: Db,
  sel: Selection,
  plan: StepPlan,
  source: Source,
  signal?: AbortSignal,
): Promise<Steps<SummaryStep[]>> {
  const perSeries =
    source === 'raw'
      ? sql`SELECT fingerprint, ${stepIndex(plan, RAW_MS)} AS idx,
              argMax(arrayConcat(quantiles, quantile_values), time_unix_nano) AS q
            FROM metric_samples WHERE ${rawWhere(sel, plan.startMs, plan.endMs)} GROUP BY fingerprint, idx`
      : sql`SELECT fingerprint, ${stepIndex(plan, BUCKET_MS)} AS idx, argMaxIfMerge(q_last) AS q
            FROM ${ROLLUP_TABLE[source]} WHERE ${rollupWhere(sel, plan.startMs, plan.endMs)}
            GROUP BY fingerprint, idx`;
  const rows = await run<{ g: number; idx: string; qs: number[]; v: Array<number | null>; n: string }>(
    db,
    sql`SELECT g, idx, arraySlice(q, 1, intDiv(length(q), 2)) AS qs,
          avgForEach(arraySlice(q, intDiv(length(q), 2) + 1)) AS v, count() AS n
        FROM (${perSeries}) ANY INNER JOIN (${seriesSubquery(sel)}) USING fingerprint
        WHERE length(q) > 0 GROUP BY g, idx, qs`,
    signal,
  );
  const out: Steps<SummaryStep[]> = new Map();
  for (const r of rows) {
    const g = Number(r.g);
    const idx = Number(r.idx);
    const existing = out.get(g)?.[idx] ?? [];
    existing.push({ quantiles: r.qs.map(Number), values: r.v.map(num), series: Number(r.n) });
    place(out, plan, g, idx, existing);
  }
  return out;
}

// ---------------------------------------------------------------- exponential histograms

interface ExpPoint {
  start: number;
  count: number;
  sum: number;
  hist: ExpHistogram;
}

/** Exponential buckets packed as in the rollups: [scale, zero, positive offset, positive length, negative offset, positive…, negative…]. */
const PACKED_EXP = trusted(
  'arrayConcat([toFloat64(exp_scale), toFloat64(exp_zero_count), toFloat64(exp_positive_offset), toFloat64(length(exp_positive_counts)), toFloat64(exp_negative_offset)], arrayMap(x -> toFloat64(x), exp_positive_counts), arrayMap(x -> toFloat64(x), exp_negative_counts))',
);

function expOf(packed: readonly (number | null)[]): ExpHistogram {
  const n = (i: number) => Number(packed[i] ?? 0);
  const positiveLength = n(3);
  return {
    scale: n(0),
    zeroCount: n(1),
    positive: { offset: n(2), counts: packed.slice(5, 5 + positiveLength).map(Number) },
    negative: { offset: n(4), counts: packed.slice(5 + positiveLength).map(Number) },
  };
}

/** The increase from a to b (same lifetime unless reset): counts subtracted at the coarser scale. */
function expIncrease(prev: ExpPoint, cur: ExpPoint): ExpPoint {
  if (cur.start !== prev.start || cur.count < prev.count) return cur;
  return {
    start: cur.start,
    count: cur.count - prev.count,
    sum: cur.sum - prev.sum,
    hist: combineExp(cur.hist, prev.hist, -1),
  };
}

function addExp(a: ExpPoint | undefined, b: ExpPoint): ExpPoint {
  if (!a) return b;
  return {
    start: b.start,
    count: a.count + b.count,
    sum: a.sum + b.sum,
    hist: combineExp(a.hist, b.hist, 1),
  };
}

/**
 * Exponential histograms: bucket indexes depend on each point's scale, so
 * points are combined here rather than in SQL (at the coarsest scale among
 * them, which is exact). Cumulative ones read the rollups like explicit
 * histograms; delta ones always read raw samples. At most MAX_EXP_ROWS points.
 */
export async function expHistogramSteps(
  db: Db,
  sel: Selection,
  plan: StepPlan,
  source: Source,
  temporality: Temporality,
  signal?: AbortSignal,
): Promise<Steps<ExpHistogramStep>> {
  const src: Source = temporality === 'delta' ? 'raw' : source;
  const readFromMs = temporality === 'delta' ? plan.startMs : plan.startMs - lookbackMs(src);
  const rowsQuery =
    src === 'raw'
      ? sql`SELECT fingerprint, toString(time_unix_nano) AS t, 1 AS n, toString(start_time_unix_nano) AS fs,
              toString(start_time_unix_nano) AS ls, toFloat64(count) AS fc, fc AS tc, fc AS lc,
              sum AS fsum, sum AS tsum, sum AS lsum, ${PACKED_EXP} AS fe, fe AS te, fe AS le
            FROM metric_samples WHERE ${rawWhere(sel, readFromMs, plan.endMs)}`
      : sql`SELECT fingerprint, toString(toUInt64(toUInt32(bucket)) * 1000000000) AS t, n,
              toString(fs0) AS fs, toString(ls0) AS ls, fc, tc, lc, fsum, tsum, lsum, fe, te, le
            FROM (SELECT fingerprint, bucket, countMerge(samples) AS n, argMinMerge(f_start) AS fs0,
                    argMaxMerge(l_start) AS ls0, argMinMerge(f_v) AS fc, argMinMerge(t_v) AS tc,
                    argMaxMerge(l_v) AS lc, argMinMerge(f_sum) AS fsum, argMinMerge(t_sum) AS tsum,
                    argMaxMerge(l_sum) AS lsum, argMinIfMerge(e_first) AS fe, argMinIfMerge(e_tail) AS te,
                    argMaxIfMerge(e_last) AS le
                  FROM ${ROLLUP_TABLE[src]} WHERE ${rollupWhere(sel, readFromMs, plan.endMs)}
                  GROUP BY fingerprint, bucket)`;
  type Row = {
    fingerprint: string;
    g: number;
    sc: number;
    t: string;
    n: number | string;
    fs: string;
    ls: string;
    fc: number;
    tc: number;
    lc: number;
    fsum: number | null;
    tsum: number | null;
    lsum: number | null;
    fe: Array<number | null>;
    te: Array<number | null>;
    le: Array<number | null>;
  };
  const rows = await run<Row>(
    db,
    sql`SELECT * FROM (${rowsQuery}) ANY INNER JOIN (${seriesSubquery(sel)}) USING fingerprint
        ORDER BY fingerprint, t`,
    signal,
    MAX_EXP_ROWS,
  );
  const newFromNs = BigInt(newSeriesFromMs(plan)) * 1_000_000n;
  const point = (start: string, count: number, sum: number | null, e: Array<number | null>): ExpPoint => ({
    start: Number(start),
    count: Number(count),
    sum: sum === null ? 0 : Number(sum),
    hist: expOf(e),
  });
  const out: Steps<ExpHistogramStep> = new Map();
  const acc = new Map<string, { g: number; idx: number; sc: number; p: ExpPoint }>();
  let prev: { fingerprint: string; last: ExpPoint } | undefined;
  for (const r of rows) {
    const idx = Math.floor((Number(BigInt(r.t) / 1_000_000n) - plan.startMs) / plan.stepMs);
    const first = point(r.fs, r.fc, r.fsum, r.fe);
    const last = point(r.ls, r.lc, r.lsum, r.le);
    const several = Number(r.n) > 1;
    let inc: ExpPoint | undefined;
    if (temporality === 'delta') {
      inc = first;
    } else {
      // The tail belongs to the first lifetime: its start is the first start.
      const tail = point(r.fs, r.tc, r.tsum, r.te);
      const internal =
        last.start === first.start ? expIncrease(first, last) : addExp(expIncrease(first, tail), last);
      const sameSeries = prev?.fingerprint === r.fingerprint;
      const isNew = first.start !== 0 && BigInt(r.fs) >= newFromNs;
      let boundary: ExpPoint | undefined;
      if (sameSeries && prev) boundary = expIncrease(prev.last, first);
      else if (isNew) boundary = first;
      if (!several) inc = boundary;
      else inc = boundary ? addExp(boundary, internal) : internal;
      prev = { fingerprint: r.fingerprint, last };
    }
    if (!inc || idx < 0 || idx >= plan.points) continue;
    const key = `${r.g}/${idx}/${r.sc}`;
    const a = acc.get(key);
    acc.set(key, { g: Number(r.g), idx, sc: Number(r.sc), p: addExp(a?.p, inc) });
  }
  for (const { g, idx, sc, p } of acc.values()) {
    const existing = out.get(g)?.[idx];
    if (existing) {
      // Series of one group in different units cannot share exponential buckets: the first unit wins.
      existing.count += p.count;
      existing.sum += p.sum * sc;
      if (sc === existing.factor) existing.hist = combineExp(existing.hist, p.hist, 1);
    } else {
      place(out, plan, g, idx, { count: p.count, sum: p.sum * sc, hist: p.hist, factor: sc });
    }
  }
  return out;
}

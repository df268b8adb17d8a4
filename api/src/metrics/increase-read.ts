import { int, sql, trusted, type Db, type SqlFragment } from '@obshub/core';
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
import { HOUR_MS, MINUTE_MS, readWatermark } from './increase-store.ts';
import { cumulativeIncrements, deltaIncrements } from './increments.ts';
import type { Source, StepPlan } from './plan.ts';

/**
 * Counters and explicit-bucket histograms from the increase tables: the part
 * of the range before the job's watermark is read from metric_increase_1h
 * (whole hours, when the planner chose 1h) and metric_increase_1m, the rest
 * from raw samples with the same per-sample rule (increments.ts), and the
 * parts are added. Every part is a plain sum per group and step.
 */

/** Time ranges [from, to) (epoch ms) each storage answers; empty ranges are left out. */
export interface IncreaseParts {
  hours?: [number, number];
  minutes?: [number, number];
  raw?: [number, number];
  /** What answered the bulk of the range: raw when the tables cover none of it. */
  answered: Source;
}

/**
 * Freshness: a range at least this long is answered from the increase tables
 * only, up to the job's watermark (typically 1-2 minutes behind the newest
 * sample); its steps after the watermark are gaps. The raw samples after the
 * watermark are a few thousand rows but cost a whole 8,192-row mark per series
 * (with its bucket arrays) plus the per-sample array stage: 70-110 ms of
 * ClickHouse CPU per query, most of a day's or a week's answer, for the last
 * minute or two of a chart whose step is a minute or hours. Shorter ranges
 * (service pages, alert and verification windows) keep reading them: they are
 * fresh to the second.
 */
export const PRECOMPUTED_ONLY_FROM_MS = 24 * HOUR_MS;

/** Whether a plan's range reads the raw samples after the watermark (see PRECOMPUTED_ONLY_FROM_MS). */
export function readsRawTail(plan: StepPlan): boolean {
  return plan.toMs - plan.fromMs < PRECOMPUTED_ONLY_FROM_MS;
}

/**
 * Splits a plan's range at the watermark (and the hour before it, for 1h).
 * Without the raw tail (rawTail false) the part after the watermark is left
 * out, unless the tables cover none of the range (then raw samples answer it
 * all, as they must).
 */
export function increaseParts(
  plan: StepPlan,
  source: Source,
  watermarkMs: number,
  rawTail = true,
): IncreaseParts {
  const { startMs, endMs } = plan;
  const covered = Math.min(watermarkMs, endMs);
  if (source === 'raw' || covered <= startMs) return { raw: [startMs, endMs], answered: 'raw' };
  const parts: IncreaseParts = { answered: source };
  let minutesFrom = startMs;
  if (source === '1h') {
    const hoursTo = Math.max(startMs, Math.floor(covered / HOUR_MS) * HOUR_MS);
    if (hoursTo > startMs) parts.hours = [startMs, hoursTo];
    minutesFrom = hoursTo;
  }
  if (covered > minutesFrom) parts.minutes = [minutesFrom, covered];
  if (endMs > covered && rawTail) parts.raw = [covered, endMs];
  return parts;
}

/** The instant up to which an answer from these parts holds every sample: the watermark when the raw tail is left out. */
export function completeUntil(plan: StepPlan, parts: IncreaseParts): number {
  if (parts.raw) return plan.endMs;
  return Math.max(parts.minutes?.[1] ?? plan.startMs, parts.hours?.[1] ?? plan.startMs);
}

/** Where an engine call reads: the planner's source and the watermark (read when not given). */
export interface IncreaseSource {
  source: Source;
  watermarkMs?: number;
  /**
   * Read the raw samples after the watermark (default true). queryMetric passes
   * readsRawTail(plan) and reports where its answer ends; RED figures keep it.
   */
  rawTail?: boolean;
}

async function partsOf(db: Db, plan: StepPlan, from: IncreaseSource): Promise<IncreaseParts> {
  const watermarkMs = from.watermarkMs ?? (from.source === 'raw' ? 0 : await readWatermark(db));
  return increaseParts(plan, from.source, watermarkMs, from.rawTail ?? true);
}

/**
 * Each engine call runs as two queries in parallel, over disjoint work: after
 * its first aggregation a query runs on one core on 18.16 (FINAL, the
 * per-series array stage), and the server has two. The tables' range is split
 * in time (splitting their rows by fingerprint would not: a mark holds rows of
 * several series, so each half would read and merge all of them); a range read
 * from raw samples only is split by fingerprint (a series' samples fill whole
 * marks there).
 */
interface Slice {
  sel: Selection;
  /** The series whose raw samples this slice reads. */
  rawSel: Selection;
  parts: IncreaseParts;
}

function fingerprintHalf(sel: Selection, k: number): Selection {
  return { ...sel, where: sql`${sel.where} AND cityHash64(fingerprint) % 2 = ${k}` };
}

/**
 * Splits the hours of a range so that both slices read about as many rows: an
 * hour of metric_increase_1h holds a row per series, as does a minute of
 * metric_increase_1m, so the slice with the current hour's minutes takes
 * fewer hours.
 */
function hoursMid(hours: [number, number], minutes: [number, number] | undefined): number {
  const [from, to] = hours;
  const nHours = (to - from) / HOUR_MS;
  const nMinutes = minutes ? (minutes[1] - minutes[0]) / MINUTE_MS : 0;
  const first = Math.min(nHours, Math.max(1, Math.round((nHours + nMinutes) / 2)));
  return from + first * HOUR_MS;
}

function slicesOf(sel: Selection, parts: IncreaseParts): Slice[] {
  const halves = [fingerprintHalf(sel, 0), fingerprintHalf(sel, 1)];
  const { answered } = parts;
  const raw: Pick<IncreaseParts, 'raw'> = parts.raw ? { raw: parts.raw } : {};
  if (parts.hours) {
    const [from, to] = parts.hours;
    const mid = hoursMid(parts.hours, parts.minutes);
    if (mid >= to && !parts.minutes && !parts.raw) return [{ sel, rawSel: sel, parts }];
    // Raw samples split by series; the first slice takes the older hours, the second the rest and the minutes.
    const second: IncreaseParts = { answered, ...raw };
    if (mid < to) second.hours = [mid, to];
    if (parts.minutes) second.minutes = parts.minutes;
    return [
      { sel, rawSel: halves[0]!, parts: { answered, hours: [from, mid], ...raw } },
      { sel, rawSel: halves[1]!, parts: second },
    ];
  }
  if (parts.minutes) {
    const [from, to] = parts.minutes;
    const mid = from + Math.floor((to - from) / MINUTE_MS / 2) * MINUTE_MS;
    if (mid <= from) return [{ sel, rawSel: sel, parts }];
    // Raw samples split by series, the minutes in time: both slices get half of each.
    return [
      { sel, rawSel: halves[0]!, parts: { answered, minutes: [from, mid], ...raw } },
      { sel, rawSel: halves[1]!, parts: { answered, minutes: [mid, to], ...raw } },
    ];
  }
  return halves.map((half) => ({ sel: half, rawSel: half, parts }));
}

const TABLES = { hours: trusted('metric_increase_1h'), minutes: trusted('metric_increase_1m') };
const dt = (ms: number) => sql`toDateTime(${Math.floor(ms / 1000)})`;

/**
 * Rows of every part: fingerprint, idx, kn (known samples), v (the increase)
 * [, vs (its sum), bounds, k (bucket increases)]. A part whose rows are finer
 * than the step (minutes or raw samples under a longer step) is aggregated
 * per series and step before the union: that aggregation runs on its own
 * threads, and the stages after the union and the join (one core on 18.16)
 * then see a row per series and step instead of 60 (bucket arrays included).
 * A part that would collapse fewer than AGGREGATE_FROM_ROWS rows into one is
 * passed through: aggregating it only adds a pass (measured: the 24 h rate at
 * a 1-minute step took 3x the CPU; the week of hours at a 2-hour step, 2
 * rows into 1, 25% more).
 */
const AGGREGATE_FROM_ROWS = 4;

function partRows(plan: StepPlan, slice: Slice, temporality: Temporality, buckets: boolean): SqlFragment {
  const { sel, rawSel, parts } = slice;
  const columns = (aggregate: boolean, inc: string, incSum: string, k: string): SqlFragment => {
    if (aggregate) {
      return buckets
        ? trusted(
            `sum(toUInt32(known)) AS kn, sum(${inc}) AS v, sumIf(${incSum}, isFinite(${incSum})) AS vs, bounds, sumForEach(${k}) AS k`,
          )
        : trusted(`sum(toUInt32(known)) AS kn, sumIf(${inc}, isFinite(${inc})) AS v`);
    }
    return buckets
      ? trusted(
          `toUInt32(known) AS kn, ${inc} AS v, if(isFinite(${incSum}), ${incSum}, 0) AS vs, bounds, ${k} AS k`,
        )
      : trusted(`toUInt32(known) AS kn, if(isFinite(${inc}), ${inc}, 0) AS v`);
  };
  const groupBy = (aggregate: boolean): SqlFragment =>
    aggregate
      ? buckets
        ? trusted('GROUP BY fingerprint, idx, bounds')
        : trusted('GROUP BY fingerprint, idx')
      : trusted('');
  const selects: SqlFragment[] = [];
  for (const key of ['hours', 'minutes'] as const) {
    const range = parts[key];
    if (!range) continue;
    const aggregate = plan.stepMs >= AGGREGATE_FROM_ROWS * (key === 'hours' ? HOUR_MS : MINUTE_MS);
    selects.push(
      sql`SELECT fingerprint, ${stepIndex(plan, trusted('(toInt64(toUInt32(bucket)) * 1000)'))} AS idx,
            ${columns(aggregate, 'inc', 'inc_sum', 'inc_buckets')}
          FROM ${TABLES[key]} FINAL
          WHERE metric_name = ${sel.metric} AND ${fingerprintsIn(sel)}
            AND bucket >= ${dt(range[0])} AND bucket < ${dt(range[1])}
          ${groupBy(aggregate)}`,
    );
  }
  if (parts.raw) {
    const window = {
      where: sql`metric_name = ${rawSel.metric} AND ${fingerprintsIn(rawSel)}`,
      fromNs: BigInt(Math.floor(parts.raw[0])) * 1_000_000n,
      toNs: BigInt(Math.ceil(parts.raw[1])) * 1_000_000n,
      buckets,
    };
    const increments = temporality === 'delta' ? deltaIncrements(window) : cumulativeIncrements(window);
    selects.push(
      sql`SELECT fingerprint, ${stepIndex(plan, trusted('toInt64(intDiv(t, 1000000))'))} AS idx,
            ${columns(true, 'inc', 'inc_sum', 'inc_k')}
          FROM (${increments}) ${groupBy(true)}`,
    );
  }
  return selects.reduce((all, next) => sql`${all} UNION ALL ${next}`);
}

/** Counters (monotonic sums): the summed increase per group and step; steps without a known increase are absent. */
export async function counterIncreaseSteps(
  db: Db,
  sel: Selection,
  plan: StepPlan,
  from: IncreaseSource,
  temporality: Temporality,
  signal?: AbortSignal,
): Promise<Steps<number>> {
  const halves = await Promise.all(
    slicesOf(sel, await partsOf(db, plan, from)).map(async (half) =>
      run<{ g: number; idx: string; v: number | null }>(
        db,
        sql`SELECT g, idx, sum(v) AS v, sum(kn) AS kn
            FROM (${partRows(plan, half, temporality, false)})
            ANY INNER JOIN (${seriesSubquery(half.sel)}) USING fingerprint
            WHERE idx >= 0 AND idx < ${int(plan.points, 1)}
            GROUP BY g, idx HAVING kn > 0`,
        signal,
      ),
    ),
  );
  const out: Steps<number> = new Map();
  for (const r of halves.flat()) {
    if (r.v === null) continue;
    const g = Number(r.g);
    const idx = Number(r.idx);
    place(out, plan, g, idx, (out.get(g)?.[idx] ?? 0) + Number(r.v));
  }
  return out;
}

/**
 * Explicit-bucket histograms: per group and step the count, sum and bucket
 * increases, bounds and sums scaled by the selection's factor; series of a
 * group with different bounds are merged by mergeHistograms.
 */
export async function histogramIncreaseSteps(
  db: Db,
  sel: Selection,
  plan: StepPlan,
  from: IncreaseSource,
  temporality: Temporality,
  signal?: AbortSignal,
): Promise<Steps<HistogramStep>> {
  const halves = await Promise.all(
    slicesOf(sel, await partsOf(db, plan, from)).map(async (half) =>
      run<HistogramRow>(
        db,
        sql`SELECT g, idx, sum(v) AS cnt, sum(vs * sc) AS sm, sumForEach(k) AS k,
              arrayMap(x -> x * sc, bounds) AS b, sum(kn) AS kn
            FROM (${partRows(plan, half, temporality, true)})
            ANY INNER JOIN (${seriesSubquery(half.sel)}) USING fingerprint
            WHERE idx >= 0 AND idx < ${int(plan.points, 1)}
            GROUP BY g, idx, bounds, sc HAVING kn > 0`,
        signal,
      ),
    ),
  );
  return histogramStepsFromRows(plan, halves.flat());
}

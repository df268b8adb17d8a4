import { int, sql, trusted, type Db, type SqlFragment } from '@obshub/core';
import {
  fingerprintsIn,
  place,
  run,
  seriesSubquery,
  stepIndex,
  type HistogramStep,
  type Selection,
  type Steps,
  type Temporality,
} from './engine-common.ts';
import { HOUR_MS, MINUTE_MS, readWatermark } from './increase-store.ts';
import { cumulativeIncrements, deltaIncrements } from './increments.ts';
import { mergeHistograms, type ExplicitHistogram } from './math.ts';
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

/** Splits a plan's range at the watermark (and the hour before it, for 1h). */
export function increaseParts(plan: StepPlan, source: Source, watermarkMs: number): IncreaseParts {
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
  if (endMs > covered) parts.raw = [covered, endMs];
  return parts;
}

/** Where an engine call reads: the planner's source and the watermark (read when not given). */
export interface IncreaseSource {
  source: Source;
  watermarkMs?: number;
}

async function withWatermark(db: Db, from: IncreaseSource): Promise<Required<IncreaseSource>> {
  if (from.watermarkMs !== undefined) return { source: from.source, watermarkMs: from.watermarkMs };
  return { source: from.source, watermarkMs: from.source === 'raw' ? 0 : await readWatermark(db) };
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

function slicesOf(sel: Selection, parts: IncreaseParts): Slice[] {
  const halves = [fingerprintHalf(sel, 0), fingerprintHalf(sel, 1)];
  const key = parts.hours ? 'hours' : parts.minutes ? 'minutes' : undefined;
  if (key === undefined) return halves.map((half) => ({ sel: half, rawSel: half, parts }));
  const [from, to] = parts[key]!;
  const bucketMs = key === 'hours' ? HOUR_MS : MINUTE_MS;
  const mid = from + Math.floor((to - from) / bucketMs / 2) * bucketMs;
  if (mid <= from) return [{ sel, rawSel: sel, parts }];
  // Raw samples split by series, the tables' range in time: both slices get half of each.
  return [
    { sel, rawSel: halves[0]!, parts: { [key]: [from, mid], raw: parts.raw, answered: parts.answered } },
    { sel, rawSel: halves[1]!, parts: { ...parts, [key]: [mid, to] } },
  ];
}

const TABLES = { hours: trusted('metric_increase_1h'), minutes: trusted('metric_increase_1m') };
const dt = (ms: number) => sql`toDateTime(${Math.floor(ms / 1000)})`;

/** Rows of every part: fingerprint, ms (bucket or sample time), known, inc [, inc_sum, bounds, k]. */
function partRows(slice: Slice, temporality: Temporality, buckets: boolean): SqlFragment {
  const { sel, rawSel, parts } = slice;
  const extra = buckets ? trusted(', inc_sum, bounds, inc_buckets AS k') : trusted('');
  const selects: SqlFragment[] = [];
  for (const key of ['hours', 'minutes'] as const) {
    const range = parts[key];
    if (!range) continue;
    selects.push(
      sql`SELECT fingerprint, toInt64(toUInt32(bucket)) * 1000 AS ms, toUInt32(known) AS known, inc${extra}
          FROM ${TABLES[key]} FINAL
          WHERE metric_name = ${sel.metric} AND ${fingerprintsIn(sel)}
            AND bucket >= ${dt(range[0])} AND bucket < ${dt(range[1])}`,
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
    const rawExtra = buckets ? trusted(', inc_sum, bounds, inc_k AS k') : trusted('');
    selects.push(
      sql`SELECT fingerprint, toInt64(intDiv(t, 1000000)) AS ms, toUInt32(known) AS known, inc${rawExtra}
          FROM (${increments})`,
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
  const source = await withWatermark(db, from);
  const halves = await Promise.all(
    slicesOf(sel, increaseParts(plan, source.source, source.watermarkMs)).map(async (half) =>
      run<{ g: number; idx: string; v: number | null }>(
        db,
        sql`SELECT g, idx, sumIf(inc, isFinite(inc)) AS v, sum(known) AS kn FROM (
              SELECT fingerprint, ${stepIndex(plan, trusted('ms'))} AS idx, known, inc
              FROM (${partRows(half, temporality, false)})
            ) ANY INNER JOIN (${seriesSubquery(half.sel)}) USING fingerprint
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
  const source = await withWatermark(db, from);
  const halves = await Promise.all(
    slicesOf(sel, increaseParts(plan, source.source, source.watermarkMs)).map(async (half) =>
      run<{ g: number; idx: string; cnt: number; sm: number | null; k: number[]; b: number[] }>(
        db,
        sql`SELECT g, idx, sum(inc) AS cnt, sumIf(inc_sum * sc, isFinite(inc_sum)) AS sm, sumForEach(k) AS k,
              arrayMap(x -> x * sc, bounds) AS b, sum(known) AS kn
            FROM (
              SELECT fingerprint, ${stepIndex(plan, trusted('ms'))} AS idx, known, inc, inc_sum, bounds, k
              FROM (${partRows(half, temporality, true)})
            ) ANY INNER JOIN (${seriesSubquery(half.sel)}) USING fingerprint
            WHERE idx >= 0 AND idx < ${int(plan.points, 1)}
            GROUP BY g, idx, bounds, sc HAVING kn > 0`,
        signal,
      ),
    ),
  );
  const rows = halves.flat();
  // (g, idx) may have several rows (different bounds or scales): merge them here.
  const parts = new Map<
    string,
    { g: number; idx: number; count: number; sum: number; hists: ExplicitHistogram[] }
  >();
  for (const r of rows) {
    const key = `${r.g}/${r.idx}`;
    let p = parts.get(key);
    if (!p) {
      p = { g: Number(r.g), idx: Number(r.idx), count: 0, sum: 0, hists: [] };
      parts.set(key, p);
    }
    p.count += Number(r.cnt);
    p.sum += r.sm === null ? 0 : Number(r.sm);
    if (r.k.length > 0) p.hists.push({ bounds: r.b.map(Number), counts: r.k.map(Number) });
  }
  const out: Steps<HistogramStep> = new Map();
  for (const p of parts.values()) {
    place(out, plan, p.g, p.idx, { count: p.count, sum: p.sum, hist: mergeHistograms(p.hists) });
  }
  return out;
}

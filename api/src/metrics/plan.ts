import { sql, type Db } from '@obshub/core';
import { ApiErrors } from '../errors.ts';

/**
 * Steps and storage: which time buckets a query answers, and whether raw
 * samples or a rollup (1 minute, 1 hour) can answer them exactly.
 */
export type Source = 'raw' | '1m' | '1h';

/** At most this many steps per series (as Prometheus). */
export const MAX_POINTS = 11_000;

/** Steps a person reads easily; the default is the smallest giving at most ~120 points. */
export const NICE_STEPS = [
  10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
] as const;

export function defaultStep(rangeMs: number, points = 120): number {
  const want = rangeMs / 1000 / points;
  return NICE_STEPS.find((s) => s >= want) ?? 86_400;
}

export interface StepPlan {
  /** Step in seconds. */
  step: number;
  stepMs: number;
  /** Start of the first step (epoch ms): aligned to the step, or the range start for a single window. */
  startMs: number;
  /** End of the last step (exclusive). */
  endMs: number;
  points: number;
  /** Requested range. */
  fromMs: number;
  toMs: number;
  /** When the plan was made: steps reaching past it are only partly elapsed. */
  nowMs: number;
}

/**
 * Steps covering [from, to): aligned to the step (epoch multiples) so that
 * the same step always means the same buckets. A step at least as long as the
 * range is a single window that starts at `from` and ends at `to` (the
 * before/after figures of a deploy), so it covers exactly the range.
 */
export function planSteps(fromMs: number, toMs: number, step?: number, nowMs = Date.now()): StepPlan {
  const s = step ?? defaultStep(toMs - fromMs);
  const stepMs = s * 1000;
  if (stepMs >= toMs - fromMs) {
    return { step: s, stepMs, startMs: fromMs, endMs: toMs, points: 1, fromMs, toMs, nowMs };
  }
  const startMs = Math.floor(fromMs / stepMs) * stepMs;
  const endMs = Math.ceil(toMs / stepMs) * stepMs;
  const points = Math.round((endMs - startMs) / stepMs);
  if (points > MAX_POINTS) {
    throw new ApiErrors.BAD_REQUEST(
      `a ${s} s step over this range gives ${points} points per series; the limit is ${MAX_POINTS}: use a step of at least ${Math.ceil((toMs - fromMs) / 1000 / MAX_POINTS)} s`,
    );
  }
  return { step: s, stepMs, startMs, endMs, points, fromMs, toMs, nowMs };
}

export function stepStarts(plan: StepPlan): number[] {
  return Array.from({ length: plan.points }, (_, i) => plan.startMs + i * plan.stepMs);
}

/** Seconds of step i that have elapsed: the step, or less for a step reaching past now or a short single window. */
export function stepSeconds(plan: StepPlan, i: number): number {
  const start = plan.startMs + i * plan.stepMs;
  const end = Math.min(start + plan.stepMs, plan.endMs, Math.max(plan.nowMs, start + 1000));
  return Math.max(1, (end - start) / 1000);
}

/** How far back the sample before the first step is looked for (the baseline of counter increases). */
export function lookbackMs(source: Source): number {
  return source === '1h' ? 2 * 3_600_000 : 10 * 60_000;
}

/**
 * A counter's first sample counts in full (its value is what it counted since
 * its start time) when the series started at or after this instant, whatever
 * the source: before it, the first sample is only a baseline.
 */
export function newSeriesFromMs(plan: StepPlan): number {
  return plan.startMs - 10 * 60_000;
}

/**
 * The first instant each rollup holds every sample for: 0 when the view
 * existed before any sample was stored, else the first whole bucket after the
 * view was created (older samples never went through it). Cached per
 * database; looked up again while unknown.
 */
const coverageCache = new WeakMap<Db, Record<'1m' | '1h', number>>();

export async function rollupCoverage(db: Db): Promise<Record<'1m' | '1h', number>> {
  const cached = coverageCache.get(db);
  if (cached) return cached;
  let rows: Array<{ view: string; created: number; before: string }>;
  try {
    rows = await db.query(
      sql`SELECT view, toUInt32(max(created)) AS created, toString(max(samples_before)) AS before
          FROM metric_rollup_coverage GROUP BY view`,
    );
  } catch {
    // Not migrated yet: no rollups.
    return { '1m': Infinity, '1h': Infinity };
  }
  const of = (view: string, bucketMs: number): number => {
    const row = rows.find((r) => r.view === view);
    if (!row) return Infinity;
    if (row.before === '0') return 0;
    return Math.ceil((Number(row.created) * 1000 + 1) / bucketMs) * bucketMs;
  };
  const coverage = { '1m': of('metric_rollup_1m_mv', 60_000), '1h': of('metric_rollup_1h_mv', 3_600_000) };
  if (Number.isFinite(coverage['1m']) && Number.isFinite(coverage['1h'])) coverageCache.set(db, coverage);
  return coverage;
}

/**
 * The planner: the coarsest rollup whose buckets tile the steps exactly (the
 * step a multiple of the bucket, the first step starting on a bucket) and that
 * holds every sample of the range and its look-back; raw samples otherwise.
 */
export function chooseSource(
  plan: StepPlan,
  coverage: Record<'1m' | '1h', number>,
  allowed: readonly Source[] = ['raw', '1m', '1h'],
): Source {
  const fits = (source: '1m' | '1h', bucketMs: number): boolean =>
    allowed.includes(source) &&
    plan.stepMs % bucketMs === 0 &&
    plan.startMs % bucketMs === 0 &&
    plan.endMs % bucketMs === 0 &&
    plan.startMs - lookbackMs(source) >= coverage[source];
  if (fits('1h', 3_600_000)) return '1h';
  if (fits('1m', 60_000)) return '1m';
  return 'raw';
}

import { sql, trusted, type Db, type SqlFragment } from '@obshub/core';
import { runQuery, DEFAULT_BOUNDS } from '../common/run-query.ts';
import { ApiErrors } from '../errors.ts';
import { mergeHistograms, type ExplicitHistogram } from './math.ts';
import type { StepPlan } from './plan.ts';
import { isRegexError } from './series.ts';

/**
 * What every reader of the query engine shares: the selection of series and
 * their groups, the per-step result shape, and running a bounded query.
 */

/** Which series a query reads, and how they fall into groups. */
export interface Selection {
  metric: string;
  /** Conditions on metric_series rows (scope, service, matchers, kind). */
  where: SqlFragment;
  /** Group number of a series (1, 2, …); 0 leaves the series out. */
  group: SqlFragment;
  /** Factor for histogram bounds and sums (unit conversion); 1 when absent. */
  scale?: SqlFragment;
}

export type Temporality = 'delta' | 'cumulative';

export interface HistogramStep {
  count: number;
  sum: number;
  hist: ExplicitHistogram | null;
}

/** Per group number: one entry per step (undefined: no data). */
export type Steps<T> = Map<number, Array<T | undefined>>;

export function seriesSubquery(sel: Selection): SqlFragment {
  const scale = sel.scale ?? trusted('1');
  return sql`SELECT DISTINCT fingerprint, toUInt32(${sel.group}) AS g, toFloat64(${scale}) AS sc
             FROM metric_series WHERE ${sel.where} AND metric_name = ${sel.metric} AND g > 0`;
}

export function fingerprintsIn(sel: Selection): SqlFragment {
  return sql`fingerprint IN (SELECT fingerprint FROM (${seriesSubquery(sel)}))`;
}

/** Step index of a time in epoch ms (an Int64 expression). */
export function stepIndex(plan: StepPlan, msExpr: SqlFragment): SqlFragment {
  return sql`toInt64(floor((${msExpr} - ${plan.startMs}) / ${plan.stepMs}))`;
}

export async function run<T>(db: Db, query: SqlFragment, signal: AbortSignal | undefined, maxRows?: number) {
  try {
    return (
      await runQuery<T>(db, query, signal, {
        ...DEFAULT_BOUNDS,
        maxResultRows: maxRows ?? 2_000_000,
      })
    ).rows;
  } catch (err) {
    if (isRegexError(err)) {
      const detail = /cannot compile re2: [^,]*, error: ([^.]*)/.exec((err as Error).message)?.[1];
      throw new ApiErrors.BAD_REQUEST(`invalid regular expression${detail ? `: ${detail}` : ''}`);
    }
    if (maxRows !== undefined && /Limit for result rows|TOO_MANY_ROWS/i.test((err as Error).message)) {
      throw new ApiErrors.BAD_REQUEST(
        `this query needs more than ${maxRows} points of exponential histograms: narrow it (matchers, a shorter range or a larger step)`,
      );
    }
    throw err;
  }
}

export function steps<T>(plan: StepPlan): Array<T | undefined> {
  return new Array<T | undefined>(plan.points).fill(undefined);
}

export function place<T>(out: Steps<T>, plan: StepPlan, g: number, idx: number, value: T): void {
  if (!(idx >= 0 && idx < plan.points)) return;
  let arr = out.get(g);
  if (!arr) {
    arr = steps<T>(plan);
    out.set(g, arr);
  }
  arr[idx] = value;
}

/** A histogram query's row: one group, step, bounds and scale, with its summed count, sum and bucket counts. */
export interface HistogramRow {
  g: number;
  idx: string;
  cnt: number;
  sm: number | null;
  k: number[];
  b: number[];
}

/**
 * Histogram steps from rows of raw samples or increases: a (group, step) may
 * have several rows (series with different bounds or scales), merged here by
 * mergeHistograms.
 */
export function histogramStepsFromRows(plan: StepPlan, rows: readonly HistogramRow[]): Steps<HistogramStep> {
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

import { join, sql, trusted, type Db, type SqlFragment } from '@obshub/core';
import type { Principal } from '../access/principal.ts';
import { runQuery } from '../common/run-query.ts';
import { parseRange } from '../common/time-range.ts';
import { ApiErrors } from '../errors.ts';
import {
  counterSteps,
  expHistogramSteps,
  gaugeSteps,
  histogramSteps,
  summaryCountSteps,
  summarySteps,
  type ExpHistogramStep,
  type HistogramStep,
  type Selection,
  type Steps,
  type Temporality,
} from './engine.ts';
import {
  combineExp,
  expHistogramQuantile,
  histogramQuantile,
  mergeHistograms,
  quantileOf,
  summaryQuantile,
} from './math.ts';
import {
  chooseSource,
  lookbackMs,
  planSteps,
  rollupCoverage,
  stepSeconds,
  stepStarts,
  type Source,
  type StepPlan,
} from './plan.ts';
import type { Aggregation, MetricKind, MetricQuery, MetricQueryResult } from './schemas.ts';
import { completeUntil, increaseParts, readsRawTail } from './increase-read.ts';
import { readWatermark } from './increase-store.ts';
import { groupKeyExpr, isRegexError, matchersWhere, scopeWhere } from './series.ts';

/** At most this many groups (series in the answer) per query. */
export const MAX_GROUPS = 100;

const GAUGE_AGGREGATIONS: Aggregation[] = ['avg', 'min', 'max', 'last', 'sum'];
const COUNTER_AGGREGATIONS: Aggregation[] = ['rate', 'increase'];
const DISTRIBUTION_AGGREGATIONS: Aggregation[] = ['p95', 'p50', 'p90', 'p99', 'count_rate', 'mean'];

/** The aggregations that fit a kind of metric; the first is the default. */
export function aggregationsFor(type: MetricKind, monotonic: boolean): Aggregation[] {
  switch (type) {
    case 'gauge':
      return GAUGE_AGGREGATIONS;
    case 'sum':
      return monotonic ? COUNTER_AGGREGATIONS : GAUGE_AGGREGATIONS;
    default:
      return DISTRIBUTION_AGGREGATIONS;
  }
}

function kindName(type: MetricKind, monotonic: boolean): string {
  if (type === 'sum') return monotonic ? 'monotonic sum (counter)' : 'non-monotonic sum';
  return type.replace('_', ' ');
}

/** Runs a catalog query, turning ClickHouse's "bad regex" into a 400. */
export async function catalogQuery<T>(db: Db, query: SqlFragment, signal?: AbortSignal): Promise<T[]> {
  try {
    return (await runQuery<T>(db, query, signal)).rows;
  } catch (err) {
    if (isRegexError(err)) {
      const detail = /cannot compile re2: [^,]*, error: ([^.]*)/.exec((err as Error).message)?.[1];
      throw new ApiErrors.BAD_REQUEST(`invalid regular expression${detail ? `: ${detail}` : ''}`);
    }
    throw err;
  }
}

export interface QueryMetricOptions {
  /** Force a source (tests compare rollups with raw samples); the planner decides otherwise. */
  source?: Source;
  nowMs?: number;
}

interface KindRow {
  type: MetricKind;
  mono: number;
  temp: number;
  unit: string;
  description: string;
  total: string;
  matched: string;
}

/** Partial results of one temporality class, merged when a metric has both. */
type Partial =
  | { kind: 'gauge'; steps: Awaited<ReturnType<typeof gaugeSteps>> }
  | { kind: 'counter'; steps: Steps<number> }
  | { kind: 'histogram'; steps: Steps<HistogramStep> }
  | { kind: 'exp'; steps: Steps<ExpHistogramStep> }
  | { kind: 'summary'; steps: Awaited<ReturnType<typeof summarySteps>> };

function mergeSteps<T>(a: Steps<T>, b: Steps<T>, add: (x: T, y: T) => T): Steps<T> {
  for (const [g, arr] of b) {
    const mine = a.get(g);
    if (!mine) {
      a.set(g, arr);
      continue;
    }
    arr.forEach((v, i) => {
      if (v === undefined) return;
      const m = mine[i];
      mine[i] = m === undefined ? v : add(m, v);
    });
  }
  return a;
}

/**
 * Answers a metric query: resolves the metric's kind and the matching series
 * (and their groups) in metric_series, then reads samples or rollups for those
 * series only. Exported for other modules (deploys, services): no HTTP.
 */
export async function queryMetric(
  db: Db,
  principal: Principal,
  q: MetricQuery,
  signal?: AbortSignal,
  options: QueryMetricOptions = {},
): Promise<MetricQueryResult> {
  const nowMs = options.nowMs ?? Date.now();
  const range = parseRange(q.from, q.to, nowMs);
  const plan = planSteps(range.fromMs, range.toMs, q.step, nowMs);
  const matchers = q.matchers ?? [];
  const groupBy = q.groupBy ?? [];
  const scope = scopeWhere({
    principal,
    service: q.service,
    environment: q.environment,
    fromMs: plan.startMs - lookbackMs('1h'),
    toMs: plan.endMs,
  });
  const matcherSql = matchersWhere(matchers);
  const kinds = await catalogQuery<KindRow>(
    db,
    sql`SELECT metric_type AS type, is_monotonic AS mono, temporality AS temp, unit,
          any(description) AS description, uniqExact(fingerprint) AS total,
          uniqExactIf(fingerprint, ${matcherSql}) AS matched
        FROM metric_series WHERE metric_name = ${q.metric} AND ${scope}
        GROUP BY type, mono, temp, unit ORDER BY matched DESC, total DESC LIMIT 100`,
    signal,
  );
  if (kinds.length === 0) throw new ApiErrors.NOT_FOUND(`metric "${q.metric}" in this range`);

  // A name with several kinds (rare: two SDKs disagree) is answered for the kind with most series.
  const byKind = new Map<string, { type: MetricKind; mono: boolean; matched: number; total: number }>();
  for (const k of kinds) {
    const key = `${k.type}/${k.mono}`;
    const e = byKind.get(key) ?? { type: k.type, mono: Number(k.mono) === 1, matched: 0, total: 0 };
    e.matched += Number(k.matched);
    e.total += Number(k.total);
    byKind.set(key, e);
  }
  const kind = [...byKind.values()].sort((a, b) => b.matched - a.matched || b.total - a.total)[0]!;
  const kindRows = kinds.filter((k) => k.type === kind.type && Number(k.mono) === (kind.mono ? 1 : 0));
  const unit = kindRows[0]?.unit ?? '';
  const seriesMatched = kind.matched;
  const allowed = aggregationsFor(kind.type, kind.mono);
  const aggregation: Aggregation = q.aggregation ?? allowed[0]!;
  if (!allowed.includes(aggregation)) {
    throw new ApiErrors.BAD_REQUEST(
      `aggregation "${aggregation}" does not fit "${q.metric}", a ${kindName(kind.type, kind.mono)}: use one of ${allowed.join(', ')}`,
    );
  }

  const kindWhere = sql`${scope} AND metric_type = ${kind.type} AND is_monotonic = ${kind.mono ? 1 : 0} AND ${matcherSql}`;
  let groups: string[][] = [[]];
  let truncated = false;
  let group: SqlFragment = trusted('1');
  if (groupBy.length > 0) {
    const rows = await catalogQuery<{ k: string[] }>(
      db,
      sql`SELECT ${groupKeyExpr(groupBy)} AS k FROM metric_series
          WHERE metric_name = ${q.metric} AND ${kindWhere}
          GROUP BY k ORDER BY k LIMIT ${MAX_GROUPS + 1}`,
      signal,
    );
    truncated = rows.length > MAX_GROUPS;
    groups = rows.slice(0, MAX_GROUPS).map((r) => r.k);
    group =
      groups.length === 0
        ? trusted('0')
        : sql`indexOf([${join(
            groups.map((k) => sql`${k}`),
            ', ',
          )}], ${groupKeyExpr(groupBy)})`;
  }

  const coverage = options.source ? undefined : await rollupCoverage(db);
  const source: Source = options.source ?? chooseSource(plan, coverage!);
  const temporalities = new Set<Temporality>(
    kindRows.filter((k) => Number(k.matched) > 0).map((k) => (Number(k.temp) === 1 ? 'delta' : 'cumulative')),
  );
  let partial: Partial | undefined;
  let answeredFrom: Source = source;
  // Counters and explicit histograms read the increase tables up to the job's watermark (read once).
  const fromIncreases = kind.type === 'histogram' || (kind.type === 'sum' && kind.mono);
  const watermarkMs = fromIncreases && source !== 'raw' ? await readWatermark(db) : 0;
  // Long ranges end at the watermark (no raw samples after it): see PRECOMPUTED_ONLY_FROM_MS.
  const rawTail = readsRawTail(plan);
  let completeMs = plan.endMs;
  if (fromIncreases) {
    const parts = increaseParts(plan, source, watermarkMs, rawTail);
    answeredFrom = parts.answered;
    completeMs = completeUntil(plan, parts);
  }
  if (seriesMatched > 0 && groups.length > 0) {
    for (const temporality of temporalities) {
      const temporalityWhere =
        temporality === 'delta' ? trusted('temporality = 1') : trusted('temporality != 1');
      const sel: Selection = { metric: q.metric, where: sql`${kindWhere} AND ${temporalityWhere}`, group };
      const next = await readPartial(
        db,
        sel,
        plan,
        source,
        kind,
        aggregation,
        temporality,
        signal,
        watermarkMs,
        rawTail,
      );
      if (kind.type === 'exponential_histogram' && temporality === 'delta') answeredFrom = 'raw';
      partial = partial ? mergePartials(partial, next) : next;
    }
  }
  if (temporalities.size > 1 && kind.type === 'exponential_histogram') answeredFrom = 'raw';

  return {
    metric: q.metric,
    type: kind.type,
    unit,
    aggregation,
    step: plan.step,
    timestamps: stepStarts(plan),
    series: groups.map((k, gi) => ({
      labels: Object.fromEntries(groupBy.map((key, i) => [key, k[i] ?? ''])),
      // A rate's last step divides by the seconds it holds data for.
      values: valuesOf(partial, gi + 1, aggregation, { ...plan, nowMs: Math.min(plan.nowMs, completeMs) }),
    })),
    truncated,
    source: answeredFrom,
    seriesMatched,
    ...(completeMs < plan.toMs ? { completeUntil: completeMs } : {}),
  };
}

async function readPartial(
  db: Db,
  sel: Selection,
  plan: StepPlan,
  source: Source,
  kind: { type: MetricKind; mono: boolean },
  aggregation: Aggregation,
  temporality: Temporality,
  signal?: AbortSignal,
  watermarkMs?: number,
  rawTail?: boolean,
): Promise<Partial> {
  switch (kind.type) {
    case 'gauge':
      return { kind: 'gauge', steps: await gaugeSteps(db, sel, plan, source, signal) };
    case 'sum':
      return kind.mono
        ? {
            kind: 'counter',
            steps: await counterSteps(db, sel, plan, source, temporality, signal, watermarkMs, rawTail),
          }
        : { kind: 'gauge', steps: await gaugeSteps(db, sel, plan, source, signal) };
    case 'histogram':
      return {
        kind: 'histogram',
        steps: await histogramSteps(db, sel, plan, source, temporality, signal, watermarkMs, rawTail),
      };
    case 'exponential_histogram':
      return { kind: 'exp', steps: await expHistogramSteps(db, sel, plan, source, temporality, signal) };
    case 'summary':
      return quantileOf(aggregation) !== undefined
        ? { kind: 'summary', steps: await summarySteps(db, sel, plan, source, signal) }
        : { kind: 'histogram', steps: await summaryCountSteps(db, sel, plan, source, 'cumulative', signal) };
  }
}

function mergePartials(a: Partial, b: Partial): Partial {
  if (a.kind === 'counter' && b.kind === 'counter') {
    return { kind: 'counter', steps: mergeSteps(a.steps, b.steps, (x, y) => x + y) };
  }
  if (a.kind === 'histogram' && b.kind === 'histogram') {
    return {
      kind: 'histogram',
      steps: mergeSteps(a.steps, b.steps, (x, y) => ({
        count: x.count + y.count,
        sum: x.sum + y.sum,
        hist: mergeHistograms([x.hist, y.hist].filter((h) => h !== null)),
      })),
    };
  }
  if (a.kind === 'exp' && b.kind === 'exp') {
    return {
      kind: 'exp',
      steps: mergeSteps(a.steps, b.steps, (x, y) => ({
        count: x.count + y.count,
        sum: x.sum + y.sum,
        hist: x.factor === y.factor ? combineExp(x.hist, y.hist, 1) : x.hist,
        factor: x.factor,
      })),
    };
  }
  // Gauges and summaries do not depend on temporality: one read answers.
  return a;
}

const finite = (v: number | null | undefined): number | null =>
  v === null || v === undefined || !Number.isFinite(v) ? null : v;

function valuesOf(
  partial: Partial | undefined,
  g: number,
  aggregation: Aggregation,
  plan: StepPlan,
): Array<number | null> {
  const out = new Array<number | null>(plan.points).fill(null);
  if (!partial) return out;
  const q = quantileOf(aggregation);
  for (let i = 0; i < plan.points; i++) {
    out[i] = finite(stepValue(partial, g, i, aggregation, q, plan));
  }
  return out;
}

function stepValue(
  partial: Partial,
  g: number,
  i: number,
  aggregation: Aggregation,
  q: number | undefined,
  plan: StepPlan,
): number | null {
  switch (partial.kind) {
    case 'gauge': {
      const s = partial.steps.get(g)?.[i];
      if (!s) return null;
      return aggregation === 'min'
        ? s.min
        : aggregation === 'max'
          ? s.max
          : aggregation === 'sum'
            ? s.sum
            : aggregation === 'last'
              ? s.last
              : s.avg;
    }
    case 'counter': {
      const inc = partial.steps.get(g)?.[i];
      if (inc === undefined) return null;
      return aggregation === 'rate' ? inc / stepSeconds(plan, i) : inc;
    }
    case 'histogram':
    case 'exp': {
      const s = partial.steps.get(g)?.[i];
      if (!s) return null;
      if (aggregation === 'count_rate') return s.count / stepSeconds(plan, i);
      if (aggregation === 'mean') return s.count > 0 ? s.sum / s.count : null;
      if (q === undefined) return null;
      if (partial.kind === 'exp') {
        const e = s as ExpHistogramStep;
        const v = expHistogramQuantile(q, e.hist);
        return v === null ? null : v * e.factor;
      }
      const h = (s as HistogramStep).hist;
      return h ? histogramQuantile(q, h) : null;
    }
    case 'summary': {
      const parts = partial.steps.get(g)?.[i];
      if (!parts || q === undefined) return null;
      let weighted = 0;
      let n = 0;
      for (const p of parts) {
        const v = summaryQuantile(
          q,
          p.quantiles,
          p.values.map((x) => x ?? NaN),
        );
        if (v !== null) {
          weighted += v * p.series;
          n += p.series;
        }
      }
      return n > 0 ? weighted / n : null;
    }
  }
}

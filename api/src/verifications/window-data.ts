import { join, sql, trusted, type Db, type SqlFragment } from '@obshub/core';
import { scopeCondition, type Principal } from '../access/principal.ts';
import { runQuery } from '../common/run-query.ts';
import { mergeHistograms, type ExpHistogram, type ExplicitHistogram } from '../metrics/math.ts';
import { chooseSource, lookbackMs, planSteps, rollupCoverage } from '../metrics/plan.ts';
import {
  RED_SOURCES,
  accumulate,
  isErrorExpr,
  redSteps,
  secondsFactorExpr,
  temporalitiesOf,
  type Acc,
  type RedSource,
} from '../metrics/red.ts';
import { labelExpr, scopeWhere } from '../metrics/series.ts';
import type { Selection } from '../metrics/engine.ts';
import type { WindowData } from '../verify/types.ts';

/**
 * WindowData for the judgement, read from stored telemetry with the RED
 * reader of the metrics engine (api/src/metrics/red.ts): requests, 5xx (or
 * gRPC server errors) and latency histograms per step from the server
 * duration histogram, and error-or-worse log bodies with their counts.
 */

/** Which versions of the service a window covers. */
export type VersionFilter = { only: string } | { except: string } | 'all';

export interface WindowQuery {
  service: string;
  environment: string;
  versions: VersionFilter;
  fromMs: number;
  toMs: number;
  stepSeconds: number;
  /** Now, for steps that reach past it (a running verification). */
  nowMs: number;
  /** Canary: count the instances, so rates are compared per instance. */
  perInstance: boolean;
}

export interface WindowRead {
  data: WindowData;
  /** The request metric the figures came from; 'logs' when the service has none. */
  source: RedSource['source'] | 'logs';
}

/** At most this many distinct error bodies per window are brought back (the most frequent). */
const MAX_LOG_BODIES = 5000;

function versionCondition(v: VersionFilter): SqlFragment {
  if (v === 'all') return trusted('1');
  return 'only' in v ? sql`service_version = ${v.only}` : sql`service_version != ${v.except}`;
}

/** The request metric a service has near a time range (the first of RED_SOURCES), with its kind and temporalities. */
export async function requestMetricOf(
  db: Db,
  principal: Principal,
  q: { service: string; environment: string; fromMs: number; toMs: number },
  signal?: AbortSignal,
): Promise<{ red: RedSource; type: string; temps: number[] } | undefined> {
  const scope = scopeWhere({ principal, ...q });
  const { rows } = await runQuery<{ name: string; type: string; temp: number[] }>(
    db,
    sql`SELECT metric_name AS name, metric_type AS type, groupUniqArray(temporality) AS temp
        FROM metric_series
        WHERE ${scope} AND metric_name IN (${join(
          RED_SOURCES.map((r) => sql`${r.metric}`),
          ', ',
        )}) AND metric_type IN ('histogram', 'exponential_histogram')
        GROUP BY name, type`,
    signal,
  );
  for (const red of RED_SOURCES) {
    const row = rows.find((r) => r.name === red.metric);
    if (row) return { red, type: row.type, temps: row.temp.map(Number) };
  }
  return undefined;
}

/** An exponential histogram as explicit buckets (positive values: durations), bounds scaled by `factor`. */
export function expToExplicit(h: ExpHistogram, factor: number): ExplicitHistogram {
  const base = 2 ** (2 ** -h.scale);
  const lowest = base ** h.positive.offset * factor;
  const bounds = [lowest, ...h.positive.counts.map((_, i) => base ** (h.positive.offset + i + 1) * factor)];
  return { bounds, counts: [h.zeroCount, ...h.positive.counts, 0] };
}

function stepHistogram(acc: Acc): ExplicitHistogram | null {
  const parts = [...acc.hists];
  if (acc.exp) parts.push(expToExplicit(acc.exp, acc.expFactor));
  return mergeHistograms(parts);
}

/** Re-buckets each step's histogram onto the union of all bounds (exact where bounds agree). */
function onCommonBounds(hists: ReadonlyArray<ExplicitHistogram | null>): {
  bounds: number[];
  counts: Array<number[] | null>;
} {
  const present = hists.filter((h): h is ExplicitHistogram => h !== null);
  const bounds = [...new Set(present.flatMap((h) => h.bounds))].sort((a, b) => a - b);
  const zero: ExplicitHistogram = { bounds, counts: new Array<number>(bounds.length + 1).fill(0) };
  return {
    bounds,
    counts: hists.map((h) => (h ? (mergeHistograms([h, zero])?.counts ?? null) : null)),
  };
}

/** Instances (service.instance.id) reporting the request metric for the versions; at least 1. */
async function instancesOf(
  db: Db,
  where: SqlFragment,
  metric: string,
  signal?: AbortSignal,
): Promise<number> {
  const { rows } = await runQuery<{ n: string }>(
    db,
    sql`SELECT uniqExact(${labelExpr('service.instance.id')}) AS n FROM metric_series
        WHERE ${where} AND metric_name = ${metric} AND ${labelExpr('service.instance.id')} != ''`,
    signal,
  );
  return Math.max(1, Number(rows[0]?.n ?? 0));
}

/** Error-or-worse log bodies (severity_number >= 17) with their counts. */
async function errorLogBodies(
  db: Db,
  principal: Principal,
  q: WindowQuery,
  signal?: AbortSignal,
): Promise<WindowData['logs']> {
  const fromNs = BigInt(Math.floor(q.fromMs)) * 1_000_000n;
  const toNs = BigInt(Math.ceil(q.toMs)) * 1_000_000n;
  const { rows } = await runQuery<{ body: string; n: string }>(
    db,
    sql`SELECT body, count() AS n FROM logs
        WHERE service_name = ${q.service} AND environment = ${q.environment} AND ${versionCondition(q.versions)}
          AND ${scopeCondition(principal)} AND severity_number >= 17
          AND timestamp >= toDateTime(${Math.floor(q.fromMs / 1000)}) AND timestamp <= toDateTime(${Math.ceil(q.toMs / 1000)})
          AND time_unix_nano >= ${fromNs} AND time_unix_nano < ${toNs}
        GROUP BY body ORDER BY n DESC, body LIMIT ${MAX_LOG_BODIES}`,
    signal,
  );
  return rows.map((r) => ({ body: r.body, count: Number(r.n) }));
}

/** Reads one window: traffic and latency per step from the request metric, error log bodies. */
export async function readWindow(
  db: Db,
  principal: Principal,
  q: WindowQuery,
  signal?: AbortSignal,
): Promise<WindowRead> {
  const toMs = Math.max(q.fromMs + 1000, Math.min(q.toMs, q.nowMs));
  const durationSeconds = (toMs - q.fromMs) / 1000;
  const [metric, logs] = await Promise.all([
    requestMetricOf(db, principal, { ...q, toMs }, signal),
    errorLogBodies(db, principal, { ...q, toMs }, signal),
  ]);
  const empty: WindowData = {
    durationSeconds,
    stepSeconds: q.stepSeconds,
    traffic: [],
    latency: { bounds: [], steps: [] },
    logs,
  };
  if (!metric) {
    if (!q.perInstance) return { data: empty, source: 'logs' };
    // No request metric: instances from the logs, so canary error-log rates are per instance too.
    const { rows } = await runQuery<{ n: string }>(
      db,
      sql`SELECT uniqExact(service_instance_id) AS n FROM logs
          WHERE service_name = ${q.service} AND environment = ${q.environment} AND ${versionCondition(q.versions)}
            AND ${scopeCondition(principal)} AND service_instance_id != ''
            AND timestamp >= toDateTime(${Math.floor(q.fromMs / 1000)}) AND timestamp <= toDateTime(${Math.ceil(toMs / 1000)})`,
      signal,
    );
    return { data: { ...empty, instances: Math.max(1, Number(rows[0]?.n ?? 0)) }, source: 'logs' };
  }

  const plan = planSteps(q.fromMs, toMs, q.stepSeconds, q.nowMs);
  const scope = scopeWhere({
    principal,
    service: q.service,
    environment: q.environment,
    fromMs: plan.startMs - lookbackMs('1h'),
    toMs: plan.endMs,
  });
  const where = sql`${scope} AND metric_type = ${metric.type} AND ${versionCondition(q.versions)}`;
  // Group 1: successful requests, group 2: failed ones (accumulate() reads g = 2k as the failed half of key k).
  const sel: Selection = {
    metric: metric.red.metric,
    where,
    group: sql`1 + ${isErrorExpr(metric.red)}`,
    scale: secondsFactorExpr(metric.red),
  };
  const source = chooseSource(plan, await rollupCoverage(db));
  const [parts, instances] = await Promise.all([
    redSteps(db, sel, metric.type, temporalitiesOf(metric.temps), plan, source, signal),
    q.perInstance ? instancesOf(db, where, metric.red.metric, signal) : Promise.resolve(undefined),
  ]);
  const accs = accumulate(parts, plan).get(1) ?? [];
  const traffic: WindowData['traffic'] = [];
  const hists: Array<ExplicitHistogram | null> = [];
  const starts: number[] = [];
  accs.forEach((acc, i) => {
    if (!acc || acc.count <= 0) return;
    const start = (plan.startMs + i * plan.stepMs) / 1000;
    traffic.push({ start, requests: Math.round(acc.count), errors: Math.round(acc.errors) });
    hists.push(stepHistogram(acc));
    starts.push(start);
  });
  const common = onCommonBounds(hists);
  const steps = common.counts.flatMap((counts, i) =>
    counts ? [{ start: starts[i] as number, counts: counts.map((c) => Math.max(0, c)) }] : [],
  );
  return {
    data: {
      ...empty,
      ...(instances ? { instances } : {}),
      traffic,
      latency: { bounds: common.bounds, steps },
    },
    source: metric.red.source,
  };
}

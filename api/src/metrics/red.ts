import { join, sql, trusted, type Db, type SqlFragment } from '@obshub/core';
import { scopeCondition, type Principal } from '../access/principal.ts';
import { runQuery } from '../common/run-query.ts';
import { ApiErrors } from '../errors.ts';
import {
  expHistogramSteps,
  histogramSteps,
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
  type ExpHistogram,
  type ExplicitHistogram,
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
import type { RedResult, RedSeries } from './schemas.ts';
import { labelExpr, scopeWhere } from './series.ts';

/**
 * RED figures (rate, errors, duration) of services from their server duration
 * histograms, per OpenTelemetry semantic conventions, and error-log rates from
 * the logs table. Sources in order of preference (the first one a service has
 * in the range wins):
 */
export const RED_SOURCES = [
  {
    metric: 'http.server.request.duration',
    source: 'http',
    /** Unit when the series does not say: the current convention is seconds. */
    defaultUnit: 's',
  },
  { metric: 'http.server.duration', source: 'http', defaultUnit: 'ms' },
  { metric: 'rpc.server.duration', source: 'rpc', defaultUnit: 'ms' },
] as const;
export type RedSource = (typeof RED_SOURCES)[number];

/**
 * gRPC status codes that are server errors (semantic conventions for RPC
 * spans, gRPC: the server sets an error status for these): UNKNOWN (2),
 * DEADLINE_EXCEEDED (4), UNIMPLEMENTED (12), INTERNAL (13), UNAVAILABLE (14),
 * DATA_LOSS (15). Client-caused codes (INVALID_ARGUMENT, NOT_FOUND, …) are not.
 */
export const GRPC_SERVER_ERRORS = [
  '2',
  '4',
  '12',
  '13',
  '14',
  '15',
  'UNKNOWN',
  'DEADLINE_EXCEEDED',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
];

/** 1 when a series counts failed requests: HTTP 5xx, or a gRPC server error. */
export function isErrorExpr(red: RedSource): SqlFragment {
  if (red.source === 'rpc') {
    return sql`(${labelExpr('rpc.grpc.status_code')} IN (${join(
      GRPC_SERVER_ERRORS.map((c) => sql`${c}`),
      ', ',
    )}) OR ${labelExpr('rpc.response.status_code')} IN (${join(
      GRPC_SERVER_ERRORS.map((c) => sql`${c}`),
      ', ',
    )}))`;
  }
  // Older instrumentations say http.status_code, newer http.response.status_code; either may appear.
  return sql`match(concat(${labelExpr('http.response.status_code')}, ${labelExpr('http.status_code')}), '^5[0-9][0-9]$')`;
}

/** Factor from a series' unit to seconds. */
export function secondsFactorExpr(red: RedSource): SqlFragment {
  const fallback = red.defaultUnit === 's' ? 1 : 0.001;
  return sql`multiIf(unit = 's', 1, unit = 'ms', 0.001, unit IN ('us', 'µs'), 0.000001, unit = 'ns', 0.000000001, ${fallback})`;
}

/** A group's figures per step, requests split into all and failed. */
export interface Acc {
  count: number;
  errors: number;
  hists: ExplicitHistogram[];
  exp: ExpHistogram | undefined;
  expFactor: number;
}

const newAcc = (): Acc => ({ count: 0, errors: 0, hists: [], exp: undefined, expFactor: 1 });

function addTo(acc: Acc, s: HistogramStep | ExpHistogramStep, failed: boolean): void {
  acc.count += s.count;
  if (failed) acc.errors += s.count;
  if ('factor' in s) {
    if (!acc.exp) {
      acc.exp = s.hist;
      acc.expFactor = s.factor;
    } else if (acc.expFactor === s.factor) acc.exp = combineExp(acc.exp, s.hist, 1);
  } else if (s.hist) acc.hists.push(s.hist);
}

function quantile(acc: Acc, q: number): number | null {
  if (acc.exp) {
    const v = expHistogramQuantile(q, acc.exp);
    return v === null ? null : v * acc.expFactor;
  }
  const h = mergeHistograms(acc.hists);
  return h ? histogramQuantile(q, h) : null;
}

/**
 * Histogram partials of one RED metric for a selection, whatever its kind and
 * temporality: group g holds figures for (g + 1) / 2 with g even = failed.
 */
export async function redSteps(
  db: Db,
  sel: Selection,
  type: string,
  temporalities: readonly Temporality[],
  plan: StepPlan,
  source: Source,
  signal?: AbortSignal,
): Promise<Array<Steps<HistogramStep | ExpHistogramStep>>> {
  const out: Array<Steps<HistogramStep | ExpHistogramStep>> = [];
  for (const temporality of temporalities) {
    const where = sql`${sel.where} AND temporality ${temporality === 'delta' ? trusted('= 1') : trusted('!= 1')}`;
    const s: Selection = { ...sel, where };
    out.push(
      type === 'exponential_histogram'
        ? await expHistogramSteps(db, s, plan, source, temporality, signal)
        : await histogramSteps(db, s, plan, source, temporality, signal),
    );
  }
  return out;
}

/** Accumulates the partials into per-(key, step) figures; key k = (g + 1) >> 1. */
export function accumulate(
  parts: Array<Steps<HistogramStep | ExpHistogramStep>>,
  plan: StepPlan,
): Map<number, Array<Acc | undefined>> {
  const out = new Map<number, Array<Acc | undefined>>();
  for (const part of parts) {
    for (const [g, arr] of part) {
      const key = (g + 1) >> 1;
      const failed = g % 2 === 0;
      let accs = out.get(key);
      if (!accs) {
        accs = new Array<Acc | undefined>(plan.points).fill(undefined);
        out.set(key, accs);
      }
      arr.forEach((s, i) => {
        if (!s) return;
        const acc = (accs[i] ??= newAcc());
        addTo(acc, s, failed);
      });
    }
  }
  return out;
}

export function mergeAccs(accs: ReadonlyArray<Acc | undefined>): Acc | undefined {
  let total: Acc | undefined;
  for (const a of accs) {
    if (!a) continue;
    total ??= newAcc();
    total.count += a.count;
    total.errors += a.errors;
    total.hists.push(...a.hists);
    if (a.exp) {
      if (!total.exp) {
        total.exp = a.exp;
        total.expFactor = a.expFactor;
      } else if (total.expFactor === a.expFactor) total.exp = combineExp(total.exp, a.exp, 1);
    }
  }
  if (total && total.hists.length > 1) {
    const merged = mergeHistograms(total.hists);
    total.hists = merged ? [merged] : [];
  }
  return total;
}

interface RedMetricRow {
  name: string;
  type: string;
  temp: number[];
}

export function temporalitiesOf(temps: readonly (number | string)[]): Temporality[] {
  const set = new Set<Temporality>(temps.map((t) => (Number(t) === 1 ? 'delta' : 'cumulative')));
  return [...set];
}

export interface ServiceRedOptions {
  environment?: string | undefined;
  fromMs: number;
  toMs: number;
  /** Seconds; default ~120 points. A step at least the range's length is one window [from, to). */
  step?: number | undefined;
  by: 'version' | 'none';
  nowMs?: number;
}

/**
 * RED figures of one service. A service the caller may not see, or that has
 * never sent metrics or logs, is not found (404), whatever the range.
 */
export async function serviceRed(
  db: Db,
  principal: Principal,
  service: string,
  o: ServiceRedOptions,
  signal?: AbortSignal,
): Promise<RedResult> {
  const nowMs = o.nowMs ?? Date.now();
  const plan = planSteps(o.fromMs, o.toMs, o.step, nowMs);
  const scope = scopeWhere({
    principal,
    service,
    environment: o.environment,
    fromMs: plan.startMs - lookbackMs('1h'),
    toMs: plan.endMs,
  });
  const known = scopeCondition(principal);
  const envCondition = o.environment === undefined ? trusted('1') : sql`environment = ${o.environment}`;
  const [metricRows, existRows] = await Promise.all([
    runQuery<RedMetricRow>(
      db,
      sql`SELECT metric_name AS name, metric_type AS type, groupUniqArray(temporality) AS temp
          FROM metric_series
          WHERE ${scope} AND metric_name IN (${join(
            RED_SOURCES.map((r) => sql`${r.metric}`),
            ', ',
          )}) AND metric_type IN ('histogram', 'exponential_histogram')
          GROUP BY name, type`,
      signal,
    ),
    runQuery<{ n: string }>(
      db,
      sql`SELECT (SELECT count() FROM (SELECT 1 FROM metric_series WHERE service_name = ${service} AND ${envCondition} AND ${known} LIMIT 1))
               + (SELECT count() FROM (SELECT 1 FROM logs WHERE service_name = ${service} AND ${envCondition} AND ${known} LIMIT 1)) AS n`,
      signal,
    ),
  ]);
  if (Number(existRows.rows[0]?.n ?? 0) === 0) throw new ApiErrors.NOT_FOUND(`service "${service}"`);

  const red = RED_SOURCES.find((r) => metricRows.rows.some((m) => m.name === r.metric));
  const metricRow = red ? metricRows.rows.find((m) => m.name === red.metric) : undefined;
  const byVersion = o.by === 'version';

  let versions: string[] = [];
  let figures = new Map<number, Array<Acc | undefined>>();
  if (red && metricRow) {
    const base = sql`${scope} AND metric_type = ${metricRow.type}`;
    if (byVersion) {
      const rows = await runQuery<{ v: string }>(
        db,
        sql`SELECT DISTINCT service_version AS v FROM metric_series WHERE ${base} AND metric_name = ${red.metric} ORDER BY v LIMIT 1000`,
        signal,
      );
      versions = rows.rows.map((r) => r.v);
    }
    const key =
      byVersion && versions.length > 0
        ? sql`indexOf(${versions}, service_version)`
        : trusted(byVersion ? '0' : '1');
    const sel: Selection = {
      metric: red.metric,
      where: base,
      group: sql`if(${key} = 0, 0, (${key} - 1) * 2 + 1 + ${isErrorExpr(red)})`,
      scale: secondsFactorExpr(red),
    };
    const source = chooseSource(plan, await rollupCoverage(db));
    figures = accumulate(
      await redSteps(db, sel, metricRow.type, temporalitiesOf(metricRow.temp), plan, source, signal),
      plan,
    );
  }

  const logs = await errorLogSteps(
    db,
    principal,
    plan,
    sql`service_name = ${service} AND ${envCondition}`,
    byVersion ? trusted('service_version') : trusted("''"),
    signal,
  );
  // Metric groups are numbered by the metric's versions; versions seen only in logs join the list.
  const metricVersions = [...versions];
  const allVersions = byVersion ? [...new Set([...versions, ...logs.keys()])].sort() : [];
  const series: RedSeries[] = (byVersion ? allVersions : [null]).map((version) => {
    const key = version === null ? 1 : metricVersions.indexOf(version) + 1;
    const accs = red && key > 0 ? figures.get(key) : undefined;
    const logCounts = logs.get(version ?? '');
    const values = (f: (acc: Acc, i: number) => number | null) =>
      stepStarts(plan).map((_, i) => {
        const acc = accs?.[i];
        return red && acc ? finite(f(acc, i)) : null;
      });
    return {
      version,
      requestRate: values((a, i) => a.count / stepSeconds(plan, i)),
      errorRatio: values((a) => (a.count > 0 ? a.errors / a.count : null)),
      p50: values((a) => quantile(a, 0.5)),
      p95: values((a) => quantile(a, 0.95)),
      p99: values((a) => quantile(a, 0.99)),
      errorLogRate: stepStarts(plan).map((_, i) => (logCounts?.[i] ?? 0) / stepSeconds(plan, i)),
    };
  });
  return {
    service,
    environment: o.environment ?? null,
    source: red ? red.source : 'logs',
    metric: red ? red.metric : null,
    step: plan.step,
    timestamps: stepStarts(plan),
    series,
  };
}

const finite = (v: number | null): number | null => (v === null || !Number.isFinite(v) ? null : v);

/** Error-or-worse log records (severity_number >= 17) per key and step; every key with logs is present. */
async function errorLogSteps(
  db: Db,
  principal: Principal,
  plan: StepPlan,
  where: SqlFragment,
  key: SqlFragment,
  signal?: AbortSignal,
): Promise<Map<string, number[]>> {
  const fromNs = BigInt(Math.floor(plan.startMs)) * 1_000_000n;
  const endNs = BigInt(Math.ceil(plan.endMs)) * 1_000_000n;
  const { rows } = await runQuery<{ k: string; idx: string; n: string }>(
    db,
    sql`SELECT toString(${key}) AS k, toInt64(floor((toInt64(intDiv(time_unix_nano, 1000000)) - ${plan.startMs}) / ${plan.stepMs})) AS idx,
          countIf(severity_number >= 17) AS n
        FROM logs
        WHERE ${where} AND ${scopeCondition(principal)}
          AND timestamp >= toDateTime(${Math.floor(plan.startMs / 1000)}) AND timestamp <= toDateTime(${Math.ceil(plan.endMs / 1000)})
          AND time_unix_nano >= ${fromNs} AND time_unix_nano < ${endNs}
        GROUP BY k, idx`,
    signal,
  );
  const out = new Map<string, number[]>();
  for (const r of rows) {
    const idx = Number(r.idx);
    if (idx < 0 || idx >= plan.points) continue;
    let arr = out.get(r.k);
    if (!arr) {
      arr = new Array<number>(plan.points).fill(0);
      out.set(r.k, arr);
    }
    arr[idx] = (arr[idx] ?? 0) + Number(r.n);
  }
  return out;
}

export interface RedOverviewRow {
  service: string;
  environment: string;
  source: 'http' | 'rpc' | 'logs';
  metric: string | null;
  /** Requests per second over the whole range (null: no request metric, or no data). */
  requestRate: number | null;
  errorRatio: number | null;
  /** Seconds. */
  p95: number | null;
  /** Error-or-worse log records per second over the range. */
  errorLogRate: number;
  /** Request rate per step, or the error-log rate per step when source is logs. */
  sparkline: Array<number | null>;
}

export interface RedOverview {
  step: number;
  timestamps: number[];
  rows: RedOverviewRow[];
}

/**
 * RED figures of every (service, environment) the caller may see that has
 * metrics or logs in the range, whole-range and per step, in a few queries:
 * one over metric_series, one per RED metric (and kind) over samples or
 * rollups for all services at once, one over logs.
 */
export async function redOverview(
  db: Db,
  principal: Principal,
  o: { fromMs: number; toMs: number; step?: number | undefined; nowMs?: number },
  signal?: AbortSignal,
): Promise<RedOverview> {
  const nowMs = o.nowMs ?? Date.now();
  const plan = planSteps(o.fromMs, o.toMs, o.step, nowMs);
  const scope = scopeWhere({ principal, fromMs: plan.startMs - lookbackMs('1h'), toMs: plan.endMs });
  const names = join(
    RED_SOURCES.map((r) => sql`${r.metric}`),
    ', ',
  );
  const [seriesRows, logs] = await Promise.all([
    runQuery<{ s: string; e: string; red: Array<[string, string, number | string]> }>(
      db,
      sql`SELECT service_name AS s, environment AS e,
            groupUniqArrayIf((metric_name, metric_type, temporality),
              metric_name IN (${names}) AND metric_type IN ('histogram', 'exponential_histogram')) AS red
          FROM metric_series WHERE ${scope} GROUP BY s, e ORDER BY s, e LIMIT 10000`,
      signal,
    ),
    errorLogSteps(
      db,
      principal,
      plan,
      trusted('1'),
      sql`concat(service_name, ${'\u0000'}, environment)`,
      signal,
    ),
  ]);

  const rows = new Map<string, { service: string; environment: string; red: RedSource | undefined }>();
  const keyOf = (s: string, e: string) => `${s}\u0000${e}`;
  for (const r of seriesRows.rows) {
    const red = RED_SOURCES.find((src) => r.red.some((m) => m[0] === src.metric));
    rows.set(keyOf(r.s, r.e), { service: r.s, environment: r.e, red });
  }
  for (const k of logs.keys()) {
    if (rows.has(k)) continue;
    const [service, environment] = k.split('\u0000') as [string, string];
    rows.set(k, { service, environment, red: undefined });
  }

  // One read per RED metric and kind, for every (service, environment) that uses it.
  const figures = new Map<string, Array<Acc | undefined>>();
  const source = chooseSource(plan, await rollupCoverage(db));
  for (const red of RED_SOURCES) {
    const users = [...rows.values()].filter((r) => r.red === red);
    if (users.length === 0) continue;
    const pairs = users.map((u) => [u.service, u.environment]);
    const kinds = new Map<string, Set<number>>();
    for (const r of seriesRows.rows) {
      if (rows.get(keyOf(r.s, r.e))?.red !== red) continue;
      for (const [name, type, temp] of r.red) {
        if (name !== red.metric) continue;
        const set = kinds.get(type) ?? new Set<number>();
        set.add(Number(temp));
        kinds.set(type, set);
      }
    }
    const pairKey = sql`indexOf([${join(
      pairs.map((p) => sql`${p}`),
      ', ',
    )}], [toString(service_name), toString(environment)])`;
    for (const [type, temps] of kinds) {
      const sel: Selection = {
        metric: red.metric,
        where: sql`${scope} AND metric_type = ${type}`,
        group: sql`if(${pairKey} = 0, 0, (${pairKey} - 1) * 2 + 1 + ${isErrorExpr(red)})`,
        scale: secondsFactorExpr(red),
      };
      const accs = accumulate(
        await redSteps(db, sel, type, temporalitiesOf([...temps]), plan, source, signal),
        plan,
      );
      for (const [k, arr] of accs) {
        const u = users[k - 1];
        if (!u) continue;
        const key = keyOf(u.service, u.environment);
        const existing = figures.get(key);
        figures.set(key, existing ? arr.map((a, i) => mergeAccs([existing[i], a])) : arr);
      }
    }
  }

  const totalSeconds = stepStarts(plan).reduce((acc, _, i) => acc + stepSeconds(plan, i), 0);
  const out: RedOverviewRow[] = [...rows.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, r]) => {
      const accs = figures.get(key);
      const errorLogs = logs.get(key);
      const errorLogTotal = (errorLogs ?? []).reduce((a, n) => a + n, 0);
      const errorLogRates = stepStarts(plan).map((_, i) => (errorLogs?.[i] ?? 0) / stepSeconds(plan, i));
      const whole = r.red && accs ? mergeAccs(accs) : undefined;
      return {
        service: r.service,
        environment: r.environment,
        source: r.red ? r.red.source : 'logs',
        metric: r.red ? r.red.metric : null,
        requestRate: whole ? whole.count / totalSeconds : null,
        errorRatio: whole && whole.count > 0 ? whole.errors / whole.count : null,
        p95: whole ? finite(quantile(whole, 0.95)) : null,
        errorLogRate: errorLogTotal / totalSeconds,
        sparkline: r.red
          ? stepStarts(plan).map((_, i) => {
              const a = accs?.[i];
              return a ? a.count / stepSeconds(plan, i) : null;
            })
          : errorLogRates,
      };
    });
  return { step: plan.step, timestamps: stepStarts(plan), rows: out };
}

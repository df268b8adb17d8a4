import { join, sql } from '@obshub/core';
import { LOCAL_ADMIN } from '../../access/principal.ts';
import { runQuery } from '../../common/run-query.ts';
import { ApiErrors } from '../../errors.ts';
import { queryMetric } from '../../metrics/query.ts';
import type { Aggregation, Matcher, MetricQueryResult } from '../../metrics/schemas.ts';
import { canonicalJson } from '../rules/identity.ts';
import type { MetricQuerySpec } from '../rules/model.ts';
import { evalBounds } from './bounds.ts';
import { compileMatcher, matcherKey, type LabelTest } from './label-match.ts';
import { errorMessage, mapLimit, type EvalContext } from './results.ts';

/**
 * The metric queries of an evaluation round, batched. A request is one
 * metric-engine query a rule needs (its query, or its ratio_of) over
 * [at - window, at) at a step. Requests of the same metric, service,
 * environment, aggregation, window and step are answered by one queryMetric
 * call whose group_by is the union of their group_by fields and of the labels
 * their own matchers test (matchers every request shares stay in the call);
 * each request's series are then picked (its matchers, label-match.ts) and
 * merged into its groups here. Exactness, not approximation, decides what is
 * batched:
 *
 * - the service/environment scope must hold a single kind of the metric (one
 *   metric_series lookup per round, over a range that contains the engine's):
 *   with two kinds the engine picks one by the series each matcher set
 *   selects, so such requests run on their own; with none, every request of
 *   the scope is "no such metric" without a query;
 * - a request group made of several batch groups is merged only for
 *   aggregations that add up or take extremes over series (rate, increase,
 *   count_rate, sum, min, max); avg, last, quantiles and means are exact only
 *   when the group is one batch group, otherwise the request runs on its own;
 * - a truncated batch (more than the engine's 100 groups), a matcher Node
 *   cannot judge as RE2 would: the requests run on their own.
 *
 * A failed batch call fails the requests of that call (as a failed call
 * fails its rule): under an overloaded ClickHouse, retrying each on its own
 * would multiply the load.
 */

export interface MetricRequest {
  readonly spec: MetricQuerySpec;
  readonly windowMs: number;
  /** Seconds. */
  readonly step: number;
  readonly fields: readonly string[];
}

export interface MetricSeriesAnswer {
  readonly labels: Readonly<Record<string, string>>;
  readonly values: readonly (number | null)[];
}

/** series null: the metric has no series in the window (not an error: no data). */
export type MetricAnswer =
  | { readonly ok: true; readonly series: readonly MetricSeriesAnswer[] | null }
  | { readonly ok: false; readonly message: string };

export interface MetricBatchStats {
  /** queryMetric calls made (each runs several SQL statements). */
  calls: number;
  /** Requests answered without a call (the metric has no series in the scope). */
  skipped: number;
  /** Requests re-run on their own after their batch could not answer them exactly. */
  fallbacks: number;
}

/** Aggregations whose value for a set of series is the sum (or extreme) of the values of its parts. */
const MERGE: Partial<Record<Aggregation, (a: number, b: number) => number>> = {
  rate: (a, b) => a + b,
  increase: (a, b) => a + b,
  count_rate: (a, b) => a + b,
  sum: (a, b) => a + b,
  min: Math.min,
  max: Math.max,
};

/** The superset of the engine's series range (scopeWhere: the plan, a 2 h look-back, an hour of refresh). */
const KIND_LOOKUP_MARGIN_BEFORE_MS = 5 * 3_600_000;
const KIND_LOOKUP_MARGIN_AFTER_MS = 2 * 3_600_000;

export function requestKey(r: MetricRequest): string {
  return canonicalJson({ spec: r.spec, windowMs: r.windowMs, fields: r.fields, step: r.step });
}

function batchKey(r: MetricRequest): string {
  const { metric, service, environment, aggregation } = r.spec;
  return canonicalJson({ metric, service, environment, aggregation, windowMs: r.windowMs, step: r.step });
}

type Called = { ok: true; result: MetricQueryResult | null } | { ok: false; message: string };

async function callEngine(
  ctx: EvalContext,
  r: MetricRequest,
  matchers: readonly Matcher[],
  groupBy: readonly string[],
  stats: MetricBatchStats,
): Promise<Called> {
  const signal = ctx.signal
    ? AbortSignal.any([ctx.signal, AbortSignal.timeout(ctx.queryTimeoutMs)])
    : AbortSignal.timeout(ctx.queryTimeoutMs);
  ctx.onQuery?.();
  stats.calls++;
  const { spec } = r;
  try {
    const result = await queryMetric(
      ctx.db,
      LOCAL_ADMIN,
      {
        metric: spec.metric,
        ...(spec.service !== null ? { service: spec.service } : {}),
        ...(spec.environment !== null ? { environment: spec.environment } : {}),
        matchers: [...matchers],
        from: String(ctx.at - r.windowMs),
        to: String(ctx.at),
        step: r.step,
        groupBy: [...groupBy],
        ...(spec.aggregation !== null ? { aggregation: spec.aggregation } : {}),
      },
      signal,
      { nowMs: ctx.at },
    );
    return { ok: true, result };
  } catch (err) {
    // No series of the metric in the window: no data, not an error.
    if (err instanceof ApiErrors.NOT_FOUND) return { ok: true, result: null };
    return { ok: false, message: errorMessage(err) };
  }
}

function answerOf(called: Called): MetricAnswer {
  return called.ok
    ? { ok: true, series: called.result?.series ?? null }
    : { ok: false, message: called.message };
}

/** Kinds (type/monotonic) of each metric per service and environment, over a superset of every request's range. */
async function lookupKinds(
  ctx: EvalContext,
  requests: readonly MetricRequest[],
): Promise<Array<{ m: string; s: string; e: string; k: string }>> {
  const metrics = [...new Set(requests.map((r) => r.spec.metric))];
  const longest = Math.max(...requests.map((r) => r.windowMs + r.step * 1000));
  const from = Math.max(0, Math.floor((ctx.at - longest - KIND_LOOKUP_MARGIN_BEFORE_MS) / 1000));
  const to = Math.ceil((ctx.at + KIND_LOOKUP_MARGIN_AFTER_MS) / 1000);
  ctx.onQuery?.();
  const { rows } = await runQuery<{ m: string; s: string; e: string; k: string }>(
    ctx.db,
    sql`SELECT metric_name AS m, service_name AS s, environment AS e,
          concat(toString(metric_type), '/', toString(is_monotonic)) AS k
        FROM metric_series
        WHERE metric_name IN (${join(
          metrics.map((m) => sql`${m}`),
          ', ',
        )}) AND last_seen >= toDateTime(${from}) AND last_seen < toDateTime(${to})
        GROUP BY m, s, e, k`,
    ctx.signal,
    evalBounds(ctx, 1_000_000),
  );
  return rows;
}

/** A request's series out of its batch's answer; 'alone' when that cannot be done exactly. */
function derive(
  r: MetricRequest,
  tests: ReadonlyArray<[string, LabelTest]>,
  result: MetricQueryResult,
): readonly MetricSeriesAnswer[] | 'alone' {
  const groups = new Map<
    string,
    { labels: Record<string, string>; parts: Array<readonly (number | null)[]> }
  >();
  for (const s of result.series) {
    let keep = true;
    for (const [key, test] of tests) {
      const verdict = test(s.labels[key] ?? '');
      if (verdict === 'unknown') return 'alone';
      if (!verdict) {
        keep = false;
        break;
      }
    }
    if (!keep) continue;
    const values = r.fields.map((f) => s.labels[f] ?? '');
    const key = JSON.stringify(values);
    const group = groups.get(key);
    if (group) group.parts.push(s.values);
    else
      groups.set(key, {
        labels: Object.fromEntries(r.fields.map((f, i) => [f, values[i] as string])),
        parts: [s.values],
      });
  }
  // Without group_by the engine always answers one series (all gaps when nothing matched).
  if (r.fields.length === 0 && groups.size === 0) {
    return [{ labels: {}, values: new Array<number | null>(result.timestamps.length).fill(null) }];
  }
  const merge = MERGE[result.aggregation];
  const out: MetricSeriesAnswer[] = [];
  for (const { labels, parts } of groups.values()) {
    if (parts.length === 1) {
      out.push({ labels, values: parts[0] as readonly (number | null)[] });
      continue;
    }
    if (!merge) return 'alone';
    const values = (parts[0] as readonly (number | null)[]).map((_, i) => {
      let acc: number | null = null;
      for (const p of parts) {
        const v = p[i] ?? null;
        if (v !== null) acc = acc === null ? v : merge(acc, v);
      }
      return acc;
    });
    out.push({ labels, values });
  }
  return out;
}

type Job =
  | { kind: 'alone'; request: MetricRequest }
  | {
      kind: 'batch';
      requests: ReadonlyArray<{ request: MetricRequest; tests: ReadonlyArray<[string, LabelTest]> }>;
      common: readonly Matcher[];
      groupBy: readonly string[];
    };

/** Plans one batch key's requests (one kind in scope): a batch call, and the requests that must run alone. */
function plan(requests: readonly MetricRequest[]): Job[] {
  const alone: Job[] = [];
  const fit: Array<{ request: MetricRequest; compiled: Array<[Matcher, LabelTest]> }> = [];
  for (const request of requests) {
    const compiled: Array<[Matcher, LabelTest]> = [];
    let ok = true;
    for (const m of request.spec.matchers) {
      const test = compileMatcher(m);
      if (test === null) ok = false;
      else compiled.push([m, test]);
    }
    if (ok) fit.push({ request, compiled });
    else alone.push({ kind: 'alone', request });
  }
  if (fit.length <= 1) return [...alone, ...fit.map(({ request }): Job => ({ kind: 'alone', request }))];
  // Matchers every request has stay in the engine call; the others become group_by labels.
  const shared = fit
    .map(({ request }) => new Set(request.spec.matchers.map(matcherKey)))
    .reduce((a, b) => new Set([...a].filter((k) => b.has(k))));
  const common = fit[0]!.request.spec.matchers.filter((m) => shared.has(matcherKey(m)));
  const labels = new Set<string>();
  const members = fit.map(({ request, compiled }) => {
    for (const f of request.fields) labels.add(f);
    const tests = compiled
      .filter(([m]) => !shared.has(matcherKey(m)))
      .map(([m, test]): [string, LabelTest] => {
        labels.add(m.key);
        return [m.key, test];
      });
    return { request, tests };
  });
  return [...alone, { kind: 'batch', requests: members, common, groupBy: [...labels].sort() }];
}

/**
 * Answers every request (keyed by requestKey); `batch: false` runs each on its
 * own (the reference the batching is tested against).
 */
export async function answerMetricRequests(
  ctx: EvalContext,
  requests: readonly MetricRequest[],
  options: { batch: boolean; stats?: MetricBatchStats },
): Promise<Map<string, MetricAnswer>> {
  const stats = options.stats ?? { calls: 0, skipped: 0, fallbacks: 0 };
  const unique = new Map(requests.map((r) => [requestKey(r), r]));
  const out = new Map<string, MetricAnswer>();
  const jobs: Job[] = [];
  const byBatch = new Map<string, MetricRequest[]>();
  for (const r of unique.values()) {
    const key = batchKey(r);
    byBatch.set(key, [...(byBatch.get(key) ?? []), r]);
  }
  const shared = [...byBatch.values()].filter((list) => list.length > 1);
  let kinds: Awaited<ReturnType<typeof lookupKinds>> | null = null;
  if (options.batch && shared.length > 0) {
    try {
      kinds = await lookupKinds(ctx, shared.flat());
    } catch {
      kinds = null; // Not knowing the kinds only costs the batching.
    }
  }
  for (const list of byBatch.values()) {
    const spec = (list[0] as MetricRequest).spec;
    if (list.length === 1 || kinds === null) {
      jobs.push(...list.map((request): Job => ({ kind: 'alone', request })));
      continue;
    }
    const inScope = new Set(
      kinds
        .filter(
          (k) =>
            k.m === spec.metric &&
            (spec.service === null || k.s === spec.service) &&
            (spec.environment === null || k.e === spec.environment),
        )
        .map((k) => k.k),
    );
    if (inScope.size === 0) {
      for (const r of list) out.set(requestKey(r), { ok: true, series: null });
      stats.skipped += list.length;
    } else if (inScope.size > 1) {
      jobs.push(...list.map((request): Job => ({ kind: 'alone', request })));
    } else {
      jobs.push(...plan(list));
    }
  }

  const again: MetricRequest[] = [];
  await mapLimit(jobs, ctx.maxConcurrentQueries, async (job) => {
    if (job.kind === 'alone') {
      out.set(
        requestKey(job.request),
        answerOf(await callEngine(ctx, job.request, job.request.spec.matchers, job.request.fields, stats)),
      );
      return;
    }
    const first = job.requests[0]!.request;
    const called = await callEngine(ctx, first, job.common, job.groupBy, stats);
    for (const { request, tests } of job.requests) {
      if (!called.ok || called.result === null) {
        out.set(requestKey(request), answerOf(called));
        continue;
      }
      const series = called.result.truncated ? 'alone' : derive(request, tests, called.result);
      if (series === 'alone') again.push(request);
      else out.set(requestKey(request), { ok: true, series });
    }
  });
  stats.fallbacks += again.length;
  await mapLimit(again, ctx.maxConcurrentQueries, async (r) => {
    out.set(requestKey(r), answerOf(await callEngine(ctx, r, r.spec.matchers, r.fields, stats)));
  });
  return out;
}

import { sql, type Db } from '@obshub/core';
import type { Principal } from '../access/principal.ts';
import { parseRange } from '../common/time-range.ts';
import { ApiErrors } from '../errors.ts';
import { aggregationsFor, catalogQuery } from './query.ts';
import type {
  MetricKind,
  MetricLabelsQuery,
  MetricLabelsResult,
  MetricsListQuery,
  MetricsListResult,
} from './schemas.ts';
import { scopeWhere } from './series.ts';

const TEMPORALITY_NAMES = ['unspecified', 'delta', 'cumulative'] as const;

/** Metric names (with kind, unit, …) of the caller's series active in the range. */
export async function listMetrics(
  db: Db,
  principal: Principal,
  q: MetricsListQuery,
  signal?: AbortSignal,
): Promise<MetricsListResult> {
  const range = parseRange(q.from, q.to);
  const rows = await catalogQuery<{
    name: string;
    type: MetricKind;
    unit: string;
    description: string;
    temp: number;
    mono: number;
    series: string;
  }>(
    db,
    sql`SELECT metric_name AS name, metric_type AS type, topK(1)(unit)[1] AS unit,
          argMax(description, length(description)) AS description, topK(1)(temporality)[1] AS temp,
          max(is_monotonic) AS mono, uniqExact(fingerprint) AS series
        FROM metric_series WHERE ${scopeWhere({ principal, service: q.service, environment: q.environment, ...range })}
        GROUP BY name, type ORDER BY name, type LIMIT 10000`,
    signal,
  );
  return {
    metrics: rows.map((r) => {
      const monotonic = Number(r.mono) === 1;
      return {
        name: r.name,
        type: r.type,
        unit: r.unit,
        description: r.description,
        temporality: TEMPORALITY_NAMES[Number(r.temp)] ?? 'unspecified',
        monotonic,
        series: Number(r.series),
        aggregations: aggregationsFor(r.type, monotonic),
      };
    }),
  };
}

/** Labels with their own columns, listed for every metric. */
const COLUMN_LABELS = ['service.name', 'service.version', 'deployment.environment.name'];
export const MAX_LABEL_VALUES = 100;

/**
 * Label keys of one metric's series (point and resource attributes, plus
 * service.name, service.version and deployment.environment.name) with their
 * most common values (by series), at most 100 per key.
 */
export async function metricLabels(
  db: Db,
  principal: Principal,
  q: MetricLabelsQuery,
  signal?: AbortSignal,
): Promise<MetricLabelsResult> {
  const range = parseRange(q.from, q.to);
  const rows = await catalogQuery<{ k: string; v: string; n: string }>(
    db,
    sql`SELECT k, v, count() AS n FROM (
          SELECT fingerprint, any(attr_keys) AS ak, any(attr_values) AS av,
            any(resource_keys) AS rk, any(resource_values) AS rv,
            any(service_name) AS sn, any(service_version) AS sv, any(environment) AS en
          FROM metric_series
          WHERE metric_name = ${q.metric}
            AND ${scopeWhere({ principal, service: q.service, environment: q.environment, ...range })}
          GROUP BY fingerprint
        )
        ARRAY JOIN
          arrayConcat(${COLUMN_LABELS}, ak, arrayFilter(key -> NOT has(${COLUMN_LABELS}, key) AND NOT has(ak, key), rk)) AS k,
          arrayConcat([toString(sn), toString(sv), toString(en)], av,
                      arrayFilter((val, key) -> NOT has(${COLUMN_LABELS}, key) AND NOT has(ak, key), rv, rk)) AS v
        WHERE v != ''
        GROUP BY k, v ORDER BY k, n DESC, v LIMIT ${MAX_LABEL_VALUES + 1} BY k`,
    signal,
  );
  if (rows.length === 0) {
    // No labels at all: is the metric there (series without labels) or unknown to this caller?
    const exists = await catalogQuery<{ n: string }>(
      db,
      sql`SELECT count() AS n FROM metric_series WHERE metric_name = ${q.metric}
            AND ${scopeWhere({ principal, service: q.service, environment: q.environment, ...range })}`,
      signal,
    );
    if (Number(exists[0]?.n ?? 0) === 0) throw new ApiErrors.NOT_FOUND(`metric "${q.metric}" in this range`);
  }
  const labels = new Map<string, string[]>();
  for (const r of rows) {
    const values = labels.get(r.k) ?? [];
    values.push(r.v);
    labels.set(r.k, values);
  }
  return {
    metric: q.metric,
    labels: [...labels.entries()].map(([key, values]) => ({
      key,
      values: values.slice(0, MAX_LABEL_VALUES),
      valuesTruncated: values.length > MAX_LABEL_VALUES,
    })),
  };
}

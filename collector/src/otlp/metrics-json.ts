import type { MetricType } from '@obshub/core';
import { jsonAttributes } from './attributes.ts';
import type { DecodeContext, DecodeOutcome } from './decoded.ts';
import { asArray, asObject, field, optDouble, optInt, optNanos, optString } from './json-fields.ts';
import { PointScratch, type MetricInfo } from './metric-row.ts';
import { MetricsEncoder } from './metrics-encoder.ts';
import { jsonResource, jsonScope } from './resource.ts';

const DATA_KEYS: ReadonlyArray<readonly [string, MetricType]> = [
  ['gauge', 'gauge'],
  ['sum', 'sum'],
  ['histogram', 'histogram'],
  ['exponentialHistogram', 'exponential_histogram'],
  ['exponential_histogram', 'exponential_histogram'],
  ['summary', 'summary'],
];

const TEMPORALITY_NAMES: Record<string, number> = {
  AGGREGATION_TEMPORALITY_UNSPECIFIED: 0,
  AGGREGATION_TEMPORALITY_DELTA: 1,
  AGGREGATION_TEMPORALITY_CUMULATIVE: 2,
};

function temporality(value: unknown): number {
  if (typeof value === 'string' && Object.hasOwn(TEMPORALITY_NAMES, value))
    return TEMPORALITY_NAMES[value] as number;
  return optInt(value, 'aggregationTemporality', 0, 255);
}

function countList(value: unknown, what: string, out: number[]): void {
  for (const c of asArray(value, what)) out.push(optInt(c, what, 0, Number.MAX_SAFE_INTEGER));
}

function doubleList(value: unknown, what: string, out: number[]): void {
  for (const c of asArray(value, what)) out.push(optDouble(c, what) ?? 0);
}

function readPoint(o: Record<string, unknown>, type: MetricType, ctx: DecodeContext, p: PointScratch): void {
  jsonAttributes(o['attributes'], ctx.limits, p.attrs);
  const start = optNanos(field(o, 'startTimeUnixNano', 'start_time_unix_nano'), 'startTimeUnixNano');
  p.startLo = start.lo;
  p.startHi = start.hi;
  const time = optNanos(field(o, 'timeUnixNano', 'time_unix_nano'), 'timeUnixNano');
  p.timeLo = time.lo;
  p.timeHi = time.hi;
  p.flags = optInt(o['flags'], 'flags', 0, 4294967295);
  switch (type) {
    case 'gauge':
    case 'sum': {
      const d = optDouble(field(o, 'asDouble', 'as_double'), 'asDouble');
      const i = field(o, 'asInt', 'as_int');
      p.value = d ?? (i !== undefined ? optInt(i, 'asInt', -Number.MAX_VALUE, Number.MAX_VALUE) : NaN);
      break;
    }
    case 'histogram':
      p.count = optInt(o['count'], 'count', 0, Number.MAX_SAFE_INTEGER);
      p.sum = optDouble(o['sum'], 'sum') ?? NaN;
      p.min = optDouble(o['min'], 'min') ?? NaN;
      p.max = optDouble(o['max'], 'max') ?? NaN;
      countList(field(o, 'bucketCounts', 'bucket_counts'), 'bucketCounts', p.counts);
      doubleList(field(o, 'explicitBounds', 'explicit_bounds'), 'explicitBounds', p.bounds);
      break;
    case 'exponential_histogram': {
      p.count = optInt(o['count'], 'count', 0, Number.MAX_SAFE_INTEGER);
      p.sum = optDouble(o['sum'], 'sum') ?? NaN;
      p.min = optDouble(o['min'], 'min') ?? NaN;
      p.max = optDouble(o['max'], 'max') ?? NaN;
      p.scale = optInt(o['scale'], 'scale', -2147483648, 2147483647);
      p.zeroCount = optInt(field(o, 'zeroCount', 'zero_count'), 'zeroCount', 0, Number.MAX_SAFE_INTEGER);
      for (const [key, sign] of [
        ['positive', 1],
        ['negative', -1],
      ] as const) {
        const b = o[key];
        if (b === undefined || b === null) continue;
        const buckets = asObject(b, key);
        const offset = optInt(buckets['offset'], `${key}.offset`, -2147483648, 2147483647);
        if (sign > 0) {
          p.posOffset = offset;
          countList(field(buckets, 'bucketCounts', 'bucket_counts'), `${key}.bucketCounts`, p.posCounts);
        } else {
          p.negOffset = offset;
          countList(field(buckets, 'bucketCounts', 'bucket_counts'), `${key}.bucketCounts`, p.negCounts);
        }
      }
      break;
    }
    case 'summary':
      p.count = optInt(o['count'], 'count', 0, Number.MAX_SAFE_INTEGER);
      p.sum = optDouble(o['sum'], 'sum') ?? NaN;
      for (const qv of asArray(field(o, 'quantileValues', 'quantile_values'), 'quantileValues')) {
        const q = asObject(qv, 'quantileValues[]');
        p.quantiles.push(optDouble(q['quantile'], 'quantile') ?? 0);
        p.quantileValues.push(optDouble(q['value'], 'value') ?? 0);
      }
      break;
  }
}

/** Decodes an OTLP/JSON ExportMetricsServiceRequest into the protobuf path's rows. */
export function decodeMetricsJson(body: unknown, ctx: DecodeContext): DecodeOutcome {
  const root = asObject(body, 'request body');
  const enc = new MetricsEncoder(ctx, 4096);
  const p = new PointScratch();
  for (const rm of asArray(field(root, 'resourceMetrics', 'resource_metrics'), 'resourceMetrics')) {
    const resourceMetrics = asObject(rm, 'resourceMetrics[]');
    enc.setResource(
      jsonResource(resourceMetrics['resource'], {
        ...ctx.limits,
        maxAttributes: ctx.limits.maxAttributes * 4,
      }),
    );
    for (const sm of asArray(field(resourceMetrics, 'scopeMetrics', 'scope_metrics'), 'scopeMetrics')) {
      const scopeMetrics = asObject(sm, 'scopeMetrics[]');
      const scope = jsonScope(scopeMetrics['scope']);
      for (const m of asArray(scopeMetrics['metrics'], 'metrics')) {
        const mo = asObject(m, 'metric');
        const found = DATA_KEYS.find(([key]) => mo[key] !== undefined && mo[key] !== null);
        if (!found) continue;
        const [key, type] = found;
        let metric: MetricInfo;
        let points: unknown[];
        try {
          const data = asObject(mo[key], key);
          metric = {
            name: optString(mo['name'], 'name'),
            description: optString(mo['description'], 'description'),
            unit: optString(mo['unit'], 'unit'),
            type,
            temporality: temporality(field(data, 'aggregationTemporality', 'aggregation_temporality')),
            monotonic: field(data, 'isMonotonic', 'is_monotonic') === true,
          };
          points = asArray(field(data, 'dataPoints', 'data_points'), 'dataPoints');
        } catch (err) {
          enc.reject((err as Error).message.replace(/^Invalid OTLP payload: /, ''));
          continue;
        }
        for (const dp of points) {
          p.reset();
          try {
            readPoint(asObject(dp, 'dataPoint'), type, ctx, p);
          } catch (err) {
            enc.reject((err as Error).message.replace(/^Invalid OTLP payload: /, ''));
            continue;
          }
          enc.point(scope, metric, p);
        }
      }
    }
  }
  return enc.outcome();
}

import { Type, type Static } from '@sinclair/typebox';

/**
 * Request and response schemas of the metrics API (metric catalog, metric
 * queries, a service's RED figures). Fastify validates with them, /docs serves
 * them as OpenAPI, and web/ reads the same shapes.
 */
const Time = (fallback: string, what: string) =>
  Type.String({
    default: fallback,
    maxLength: 64,
    description: `${what}: ISO 8601, epoch milliseconds, or relative (now-1h, now-7d).`,
  });

const Name = Type.String({ minLength: 1, maxLength: 256 });

/** The scope of a catalog query: one service (and environment) over a time range. */
export const MetricsListQuery = Type.Object({
  service: Type.Optional(Name),
  environment: Type.Optional(Type.String({ maxLength: 256 })),
  from: Time('now-24h', 'Start'),
  to: Time('now', 'End'),
});
export type MetricsListQuery = Static<typeof MetricsListQuery>;

export const MetricKind = Type.Union([
  Type.Literal('gauge'),
  Type.Literal('sum'),
  Type.Literal('histogram'),
  Type.Literal('exponential_histogram'),
  Type.Literal('summary'),
]);
export type MetricKind = Static<typeof MetricKind>;

export const MetricInfo = Type.Object({
  name: Type.String(),
  type: MetricKind,
  unit: Type.String(),
  description: Type.String(),
  temporality: Type.Union([Type.Literal('delta'), Type.Literal('cumulative'), Type.Literal('unspecified')]),
  monotonic: Type.Boolean(),
  series: Type.Integer({ description: 'Series (distinct attribute sets) seen in the range.' }),
  /** The aggregations that make sense for this kind, the first being the default. */
  aggregations: Type.Array(Type.String()),
});
export type MetricInfo = Static<typeof MetricInfo>;

export const MetricsListResult = Type.Object({ metrics: Type.Array(MetricInfo) });
export type MetricsListResult = Static<typeof MetricsListResult>;

export const MetricLabelsQuery = Type.Object({
  metric: Name,
  service: Type.Optional(Name),
  environment: Type.Optional(Type.String({ maxLength: 256 })),
  from: Time('now-24h', 'Start'),
  to: Time('now', 'End'),
});
export type MetricLabelsQuery = Static<typeof MetricLabelsQuery>;

export const MetricLabelsResult = Type.Object({
  metric: Type.String(),
  labels: Type.Array(
    Type.Object({
      key: Type.String(),
      values: Type.Array(Type.String()),
      /** More distinct values exist than listed (the list is capped at 100). */
      valuesTruncated: Type.Boolean(),
    }),
  ),
});
export type MetricLabelsResult = Static<typeof MetricLabelsResult>;

/**
 * Label names in matchers and group-by: any point or resource attribute by its
 * OTel name, plus service.name, service.version, deployment.environment.name.
 */
export const Matcher = Type.Object(
  {
    key: Name,
    op: Type.Union([Type.Literal('='), Type.Literal('!='), Type.Literal('=~'), Type.Literal('!~')]),
    value: Type.String({ maxLength: 1024 }),
  },
  { additionalProperties: false },
);
export type Matcher = Static<typeof Matcher>;

export const AGGREGATIONS = [
  // gauges and non-monotonic sums
  'avg',
  'min',
  'max',
  'last',
  // across series of a group, for gauges: sum of each series' average
  'sum',
  // monotonic sums: per second, and per step
  'rate',
  'increase',
  // histograms and summaries
  'p50',
  'p90',
  'p95',
  'p99',
  'count_rate',
  'mean',
] as const;
// Written out (not mapped from AGGREGATIONS) so the route type provider sees the literal union.
export const Aggregation = Type.Union([
  Type.Literal('avg'),
  Type.Literal('min'),
  Type.Literal('max'),
  Type.Literal('last'),
  Type.Literal('sum'),
  Type.Literal('rate'),
  Type.Literal('increase'),
  Type.Literal('p50'),
  Type.Literal('p90'),
  Type.Literal('p95'),
  Type.Literal('p99'),
  Type.Literal('count_rate'),
  Type.Literal('mean'),
]);
export type Aggregation = Static<typeof Aggregation>;

export const MetricQuery = Type.Object(
  {
    metric: Name,
    service: Type.Optional(Name),
    environment: Type.Optional(Type.String({ maxLength: 256 })),
    matchers: Type.Array(Matcher, { maxItems: 20, default: [] }),
    from: Time('now-1h', 'Start'),
    to: Time('now', 'End'),
    /** Seconds; default: a step that gives about 120 points (at least 10 s). */
    step: Type.Optional(Type.Integer({ minimum: 10, maximum: 86_400 })),
    groupBy: Type.Array(Name, { maxItems: 5, default: [] }),
    aggregation: Type.Optional(Aggregation),
  },
  { additionalProperties: false },
);
export type MetricQuery = Static<typeof MetricQuery>;

export const MetricSeries = Type.Object({
  /** The group-by labels of this series (empty object: everything in one series). */
  labels: Type.Record(Type.String(), Type.String()),
  /** One value per timestamp; null where the step has no data (a gap, not a zero). */
  values: Type.Array(Type.Union([Type.Number(), Type.Null()])),
});
export type MetricSeries = Static<typeof MetricSeries>;

export const MetricQueryResult = Type.Object({
  metric: Type.String(),
  type: MetricKind,
  unit: Type.String(),
  aggregation: Aggregation,
  /** Step in seconds. */
  step: Type.Integer(),
  /** Start of each step, epoch milliseconds, aligned to the step. */
  timestamps: Type.Array(Type.Number()),
  series: Type.Array(MetricSeries),
  /** More groups matched than returned (cap: 100 groups). */
  truncated: Type.Boolean(),
  /** Which storage answered: raw samples, or the 1-minute / 1-hour rollups. */
  source: Type.Union([Type.Literal('raw'), Type.Literal('1m'), Type.Literal('1h')]),
  seriesMatched: Type.Integer(),
  /**
   * Present when the answer ends before the range does (epoch ms): a range of
   * 24 hours or more is answered from precomputed increases only, up to the
   * increase job's watermark; later steps are gaps (null). See
   * docs/metrics.md#freshness.
   */
  completeUntil: Type.Optional(Type.Number()),
});
export type MetricQueryResult = Static<typeof MetricQueryResult>;

export const RedQuery = Type.Object({
  environment: Type.Optional(Type.String({ maxLength: 256 })),
  from: Time('now-6h', 'Start'),
  to: Time('now', 'End'),
  step: Type.Optional(Type.Integer({ minimum: 10, maximum: 86_400 })),
  /** "version": one series per service.version (so a canary stands out); "none": one series. */
  by: Type.Union([Type.Literal('version'), Type.Literal('none')], { default: 'none' }),
});
export type RedQuery = Static<typeof RedQuery>;

const Values = Type.Array(Type.Union([Type.Number(), Type.Null()]));

export const RedSeries = Type.Object({
  /** service.version of this series; null when not split. */
  version: Type.Union([Type.String(), Type.Null()]),
  /** Requests per second. */
  requestRate: Values,
  /** Failed requests / requests, 0..1 (HTTP 5xx, or an RPC error status). */
  errorRatio: Values,
  /** Latency quantiles in seconds. */
  p50: Values,
  p95: Values,
  p99: Values,
  /** Log records with severity ERROR or worse, per second (always from logs). */
  errorLogRate: Values,
});
export type RedSeries = Static<typeof RedSeries>;

export const RedResult = Type.Object({
  service: Type.String(),
  environment: Type.Union([Type.String(), Type.Null()]),
  /** Where request figures come from; "logs": the service has no server duration histogram. */
  source: Type.Union([Type.Literal('http'), Type.Literal('rpc'), Type.Literal('logs')]),
  /** The duration histogram used, when source is http or rpc. */
  metric: Type.Union([Type.String(), Type.Null()]),
  step: Type.Integer(),
  timestamps: Type.Array(Type.Number()),
  series: Type.Array(RedSeries),
});
export type RedResult = Static<typeof RedResult>;

/** Aggregation and AGGREGATIONS name the same set: a compile error otherwise. */
type SameSet<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const AGGREGATIONS_IN_SYNC: SameSet<Aggregation, (typeof AGGREGATIONS)[number]> = true;

import {
  columnNames,
  METRIC_SAMPLE_COLUMNS,
  METRIC_SERIES_COLUMNS,
  quoteString,
  renderValue,
  TEMPORALITY,
  trusted,
  type SqlFragment,
} from '../../core/src/index.ts';
import { SERVICES } from '../logs/vocabulary.ts';

/**
 * The generated metric data set of `npm run bench:metrics-query`: two metrics
 * of HTTP servers as an OpenTelemetry SDK exports them every 10 seconds with
 * cumulative temporality, both with the same attribute sets (so series i of
 * one metric and series i of the other describe the same requests):
 *
 * - COUNTER: a monotonic cumulative sum of requests;
 * - HISTOGRAM: the explicit-bucket request duration histogram (seconds, the
 *   SDK's default bounds for seconds).
 *
 * Rows are made inside ClickHouse (INSERT ... SELECT FROM numbers()) from the
 * row number, with only functions ClickHouse 18.16 has, so 121M rows need no
 * encoder and no network, and the same options give the same rows. Row n is
 * point n / series of series n % series: rows come in time order, as a
 * collector would insert them, so each INSERT makes parts of a short time range.
 */
export const COUNTER = 'http.server.request.count';
export const HISTOGRAM = 'http.server.request.duration';
export const STEP_SECONDS = 10;
const DAY = 86_400;

/** OpenTelemetry SDK default bounds for a histogram in seconds (the HTTP semantic conventions' advice). */
export const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** 25 routes; each service serves 5 of them (neighbouring services share some). */
export const ROUTES = [
  '/api/v1/orders',
  '/api/v1/orders/{id}',
  '/api/v1/cart',
  '/api/v1/cart/items',
  '/api/v1/checkout',
  '/api/v1/payments',
  '/api/v1/payments/{id}/capture',
  '/api/v1/products',
  '/api/v1/products/{id}',
  '/api/v1/search',
  '/api/v1/users/{id}',
  '/api/v1/users/me',
  '/api/v1/auth/login',
  '/api/v1/auth/token',
  '/api/v1/inventory/{sku}',
  '/api/v1/shipping/quote',
  '/api/v1/notifications',
  '/api/v1/recommendations',
  '/api/v1/prices',
  '/api/v1/reviews',
  '/api/v2/orders',
  '/api/v2/search',
  '/api/v1/media/{id}',
  '/api/v1/loyalty/points',
  '/healthz',
];
const ROUTES_PER_SERVICE = 5;
/** Share of a service's requests per route slot (the first route is the busiest). */
const ROUTE_SHARES = [0.4, 0.25, 0.15, 0.12, 0.08];

/** Method and status pairs with their share of a route's requests; 5 of them are errors. */
const OUTCOMES: readonly { method: string; status: number; share: number }[] = [
  { method: 'GET', status: 200, share: 0.55 },
  { method: 'GET', status: 304, share: 0.05 },
  { method: 'GET', status: 404, share: 0.03 },
  { method: 'GET', status: 500, share: 0.005 },
  { method: 'GET', status: 503, share: 0.002 },
  { method: 'POST', status: 201, share: 0.25 },
  { method: 'POST', status: 400, share: 0.02 },
  { method: 'POST', status: 409, share: 0.01 },
  { method: 'POST', status: 500, share: 0.003 },
  { method: 'PUT', status: 200, share: 0.08 },
];

/** Attribute sets per service: 5 routes x 10 outcomes; series beyond 1,000 are further instances. */
const SETS_PER_SERVICE = ROUTES_PER_SERVICE * OUTCOMES.length;

/** Requests per second of all services together (split by SERVICES' per-mille volumes). */
const TOTAL_RPS = 2000;

/**
 * Latency profiles as log-normal distributions (median seconds, sigma),
 * turned into each bucket's share of the requests. 503s are fast failures,
 * 5xx slow ones, 4xx fast; successful requests take one of four route-specific
 * profiles.
 */
const PROFILES: readonly { median: number; sigma: number }[] = [
  { median: 0.002, sigma: 0.6 },
  { median: 0.008, sigma: 0.7 },
  { median: 0.02, sigma: 0.8 },
  { median: 0.045, sigma: 0.9 },
  { median: 0.12, sigma: 0.8 },
  { median: 0.6, sigma: 1.0 },
];

/** Standard normal CDF (Abramowitz and Stegun 7.1.26 for erf, error below 1.5e-7). */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-z * z);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** Each bucket's share (bounds.length + 1 of them, summing to 1) for one profile. */
export function bucketShares(profile: { median: number; sigma: number }): number[] {
  const cdf = BOUNDS.map((b) => normalCdf(Math.log(b / profile.median) / profile.sigma));
  const shares = [...cdf, 1].map((c, i) => c - (i === 0 ? 0 : (cdf[i - 1] ?? 0)));
  return shares.map((s) => Math.max(0, s));
}

/** A representative value per bucket, for the histogram's sum (the last, open bucket: 15 s). */
const BUCKET_MIDDLES = [...BOUNDS, 15].map((b, i) => (i === 0 ? b / 2 : (b + (BOUNDS[i - 1] ?? 0)) / 2));

export interface DatasetOptions {
  /** Series per metric. */
  series: number;
  days: number;
  /** Time of the newest point (seconds, a multiple of STEP_SECONDS). */
  endSec: number;
}

/** Points per series. */
export const pointsPerSeries = (o: DatasetOptions): number => (o.days * DAY) / STEP_SECONDS;
/** Time of the first point's step start: points are at weekStart + 10, ..., endSec. */
export const firstSec = (o: DatasetOptions): number => o.endSec - o.days * DAY;

const list = (values: readonly (string | number)[]): string => renderValue([...values]);

/**
 * The attribute set of series `i` (an SQL expression of `i`), in aliases the
 * row expressions use: service index `s`, service name `svc`, route, method,
 * status, instance, and requests per second `rps`.
 */
function seriesChoices(metricSalt: number): [alias: string, expression: string][] {
  const services = SERVICES.map((s) => s.name);
  const perMille = SERVICES.map((s) => s.perMille);
  return [
    ['s', `i % ${services.length}`],
    ['j', `intDiv(i, ${services.length}) % ${SETS_PER_SERVICE}`],
    ['inst', `intDiv(i, ${services.length * SETS_PER_SERVICE})`],
    ['slot', `j % ${ROUTES_PER_SERVICE}`],
    ['o', `intDiv(j, ${ROUTES_PER_SERVICE})`],
    ['svc', `arrayElement(${list(services)}, s + 1)`],
    ['routeIndex', `(s * ${ROUTES_PER_SERVICE} + slot) % ${ROUTES.length}`],
    ['route', `arrayElement(${list(ROUTES)}, routeIndex + 1)`],
    ['method', `arrayElement(${list(OUTCOMES.map((x) => x.method))}, o + 1)`],
    ['status', `arrayElement(${list(OUTCOMES.map((x) => x.status))}, o + 1)`],
    [
      'rps',
      `${TOTAL_RPS} * arrayElement(${list(perMille)}, s + 1) / 1000
        * arrayElement(${list(ROUTE_SHARES)}, slot + 1) * arrayElement(${list(OUTCOMES.map((x) => x.share))}, o + 1)`,
    ],
    ['fp', `cityHash64(${metricSalt}, i)`],
    ['version', `concat('1.', toString(cityHash64(s, 24) % 20), '.', toString(cityHash64(s, 25) % 10))`],
  ];
}

const SERIES_RESOURCE_KEYS = [
  'deployment.environment.name',
  'service.instance.id',
  'service.name',
  'service.namespace',
  'service.version',
  'telemetry.sdk.language',
  'telemetry.sdk.name',
  'telemetry.sdk.version',
];
const LANGUAGES = ['java', 'go', 'nodejs', 'python'];

const METRICS = {
  [COUNTER]: {
    salt: 1,
    type: 'sum',
    unit: '{request}',
    description: 'Number of HTTP server requests.',
    monotonic: 1,
  },
  [HISTOGRAM]: {
    salt: 2,
    type: 'histogram',
    unit: 's',
    description: 'Duration of HTTP server requests.',
    monotonic: 0,
  },
} as const;
export type BenchMetric = keyof typeof METRICS;

function selectFrom(
  columns: Record<string, string>,
  names: string[],
  inner: [string, string][],
  from: string,
): string {
  const select = names.map((c) => `${columns[c] ?? 'error'} AS \`${c}_\``).join(',\n  ');
  const aliases = inner.map(([alias, expression]) => `${expression} AS ${alias}`).join(',\n    ');
  return `SELECT\n  ${select}\nFROM (\n  SELECT\n    ${aliases}\n  FROM ${from}\n)`;
}

/**
 * metric_series rows of one metric as the collector writes them: one when the
 * series is first seen and a refresh every hour (first_seen and last_seen both
 * hold the time of the write), which ReplacingMergeTree collapses on merges.
 */
export function seriesSql(metric: BenchMetric, o: DatasetOptions): SqlFragment {
  const m = METRICS[metric];
  const hours = o.days * 24;
  const start = firstSec(o);
  const columns: Record<(typeof METRIC_SERIES_COLUMNS)[number]['name'], string> = {
    fingerprint: 'fp',
    metric_name: quoteString(metric),
    metric_type: quoteString(m.type),
    unit: quoteString(m.unit),
    description: quoteString(m.description),
    temporality: String(TEMPORALITY.cumulative),
    is_monotonic: String(m.monotonic),
    service_name: 'svc',
    service_version: 'version',
    environment: `'production'`,
    scope_name: `'io.opentelemetry.http'`,
    attr_keys: list(['http.request.method', 'http.response.status_code', 'http.route']),
    attr_values: '[method, toString(status), route]',
    resource_keys: list(SERIES_RESOURCE_KEYS),
    resource_values: `['production', concat(svc, '-', toString(inst)), svc, 'shop', version,
      arrayElement(${list(LANGUAGES)}, s % ${LANGUAGES.length} + 1), 'opentelemetry', '1.32.0']`,
    first_seen: `toDateTime(${start} + h * 3600)`,
    last_seen: `toDateTime(${start} + h * 3600)`,
  };
  const inner: [string, string][] = [
    ['i', `number % ${o.series}`],
    ['h', `intDiv(number, ${o.series})`],
    ...seriesChoices(m.salt),
  ];
  const names = columnNames(METRIC_SERIES_COLUMNS);
  return trusted(
    `INSERT INTO metric_series (${names.join(', ')})\n` +
      selectFrom(columns, names, inner, `numbers(${o.series * hours})`),
  );
}

/** Cosine terms of the request rate: (amplitude, period seconds, phase salt); their sum stays above -0.9. */
const WAVES: readonly [amplitude: number, period: number, salt: number][] = [
  [0.6, DAY, 0],
  [0.15, 3517, 71],
  [0.15, 977, 72],
];

/**
 * Requests since time 0 of a series with mean rate 1, as a function of time
 * `t` (seconds): the integral of 1 + sum(a sin(2 pi (t - phase) / p)), so
 * monotonic. The daily wave peaks at 14:00 UTC (phase 08:00); the shorter
 * ones have a phase per series.
 */
function requestsUpTo(t: string): string {
  const terms = WAVES.map(([a, p, salt]) => {
    const w = (2 * Math.PI) / p;
    const phase = salt === 0 ? '28800' : `(cityHash64(i, ${salt}) % ${p})`;
    return ` - ${a / w} * cos(${w} * (${t} - ${phase}))`;
  });
  return `(${t}${terms.join('')})`;
}

/**
 * One INSERT ... SELECT of metric_samples rows `offset` .. `offset + count - 1`
 * of one metric. A series' counter starts at its process start (before the
 * period) and resets to 0 at each of its service's two deploys (start_time
 * moves with it). Histogram bucket i counts floor(requests x share_i) of the
 * series' latency profile, so every bucket, the count and the sum are
 * monotonic between resets.
 */
export function samplesChunkSql(
  metric: BenchMetric,
  o: DatasetOptions,
  offset: number,
  count: number,
): SqlFragment {
  const m = METRICS[metric];
  const start = firstSec(o);
  const steps = pointsPerSeries(o);
  const profiles = `[${PROFILES.map((p) => list(bucketShares(p))).join(', ')}]`;
  const inner: [string, string][] = [
    ['n', 'number'],
    ['i', `n % ${o.series}`],
    ['t', `${start} + (intDiv(n, ${o.series}) + 1) * ${STEP_SECONDS}`],
    ...seriesChoices(m.salt),
    ['procStart', `${start} - 3600 - cityHash64(s, 63) % ${DAY}`],
    ['deployA', `${start} + cityHash64(s, 61) % ${steps} * ${STEP_SECONDS}`],
    ['deployB', `${start} + cityHash64(s, 62) % ${steps} * ${STEP_SECONDS}`],
    ['t0', `greatest(procStart, greatest(if(deployA <= t, deployA, 0), if(deployB <= t, deployB, 0)))`],
    ['requests', `floor(rps * (${requestsUpTo('t')} - ${requestsUpTo('t0')}))`],
    ['profile', `multiIf(status = 503, 0, status >= 500, 5, status >= 400, 1, 1 + routeIndex % 4)`],
  ];
  if (metric === HISTOGRAM) {
    inner.push([
      'buckets',
      `arrayMap(w -> toUInt64(floor(requests * w)), arrayElement(${profiles}, profile + 1))`,
    ]);
  }
  const histogram = metric === HISTOGRAM;
  const columns: Record<(typeof METRIC_SAMPLE_COLUMNS)[number]['name'], string> = {
    // Like the collector's ids: 40 random bits per batch of rows, then the row in the batch.
    id: `bitShiftLeft(cityHash64(intDiv(n, 50000), ${m.salt}, 47) % 1099511627776, 24) + n % 50000`,
    metric_name: quoteString(metric),
    fingerprint: 'fp',
    timestamp: 'toDateTime(t)',
    time_unix_nano: 'toUInt64(t) * 1000000000',
    start_time_unix_nano: 'toUInt64(t0) * 1000000000',
    flags: '0',
    value: histogram ? 'nan' : 'requests',
    count: histogram ? 'arraySum(buckets)' : '0',
    sum: histogram ? `arraySum(arrayMap((c, x) -> c * x, buckets, ${list(BUCKET_MIDDLES)}))` : 'nan',
    min: 'nan',
    max: 'nan',
    bucket_bounds: histogram ? list(BOUNDS) : 'emptyArrayFloat64()',
    bucket_counts: histogram ? 'buckets' : 'emptyArrayUInt64()',
    exp_scale: '0',
    exp_zero_count: '0',
    exp_positive_offset: '0',
    exp_positive_counts: 'emptyArrayUInt64()',
    exp_negative_offset: '0',
    exp_negative_counts: 'emptyArrayUInt64()',
    quantiles: 'emptyArrayFloat64()',
    quantile_values: 'emptyArrayFloat64()',
  };
  const names = columnNames(METRIC_SAMPLE_COLUMNS);
  return trusted(
    `INSERT INTO metric_samples (${names.join(', ')})\n` +
      selectFrom(columns, names, inner, `numbers(${offset}, ${count})`),
  );
}

export const totalSamples = (o: DatasetOptions): number => pointsPerSeries(o) * o.series;

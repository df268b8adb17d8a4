import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createLogger } from '../../core/src/index.ts';
import { buildApp } from '../src/index.ts';
import { LOCAL_ADMIN } from '../src/access/principal.ts';
import { queryMetric } from '../src/metrics/query.ts';
import { runIncreaseJob } from '../src/metrics/rollup-job.ts';
import type { MetricQuery, MetricQueryResult } from '../src/metrics/schemas.ts';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { startTestCollector, type TestCollector } from '../../test/helpers/collector.ts';
import { metricsPayload, postOtlp, range, waitForRows, type MetricSpec } from './metrics-otlp.ts';

/**
 * Metric queries end to end: OTLP/JSON through a real collector into
 * ClickHouse (samples, series, rollup views), then the query engine, with
 * answers computed by hand. Points every 10 s for 30 minutes; queries cover
 * points 30..149 (20 one-minute steps), so step k holds points 30+6k..35+6k.
 */
const N = 180;
const NOW = Math.floor(Date.now() / 1000);
/** Ten-minute aligned, about an hour ago: every point is in the past, series rows are recent. */
const T0 = Math.floor((NOW - 3600) / 600) * 600;
const at = (i: number) => T0 + 10 * i;
const FROM = at(30) * 1000;
const TO = at(150) * 1000;
const RESOURCE = {
  'service.name': 'checkout',
  'service.version': '1.0',
  'deployment.environment.name': 'prod',
};

const metrics: MetricSpec[] = [
  {
    // Cumulative counter, +1/s on /a with a restart at point 90 (new start time, counts from 5),
    // +2/s on /b with a drop to 3 at point 120 (same start time: still a reset).
    name: 'requests_total',
    kind: 'sum',
    temporality: 'cumulative',
    monotonic: true,
    points: [
      ...range(N).map((i) => ({
        t: at(i),
        start: i < 90 ? T0 - 86_400 : at(89) + 5,
        attrs: { route: '/a', method: 'GET' },
        value: i < 90 ? 10_000 + 10 * i : 5 + 10 * (i - 90),
      })),
      ...range(N).map((i) => ({
        t: at(i),
        start: T0 - 86_400,
        attrs: { route: '/b', method: 'POST' },
        value: i < 120 ? 20 * i : 3 + 20 * (i - 120),
      })),
    ],
  },
  {
    name: 'jobs_done',
    kind: 'sum',
    temporality: 'delta',
    monotonic: true,
    points: range(N).map((i) => ({ t: at(i), start: at(i) - 10, value: 3 })),
  },
  {
    // Gauge: series a cycles 0,2,…,10 within each step, with a gap (points 60..71) and one
    // "no recorded value" point (flags 1) that must not count; series b is constant 100.
    name: 'queue_depth',
    kind: 'gauge',
    points: [
      ...range(N)
        .filter((i) => i < 60 || i >= 72)
        .map((i) => ({ t: at(i), attrs: { queue: 'a' }, value: (i % 6) * 2 })),
      { t: at(100) + 1, attrs: { queue: 'a' }, value: 9999, flags: 1 },
      ...range(N).map((i) => ({ t: at(i), attrs: { queue: 'b' }, value: 100 })),
    ],
  },
  {
    // Cumulative histogram: each point adds 10 observations: 6 ≤ 0.1, 3 in (0.1, 0.5], 1 in (0.5, 1].
    name: 'latency',
    unit: 's',
    kind: 'histogram',
    temporality: 'cumulative',
    points: range(N).map((i) => ({
      t: at(i),
      start: T0 - 3600,
      attrs: { route: '/a' },
      count: 10 * (i + 1),
      sum: 1.5 * (i + 1),
      bounds: [0.1, 0.5, 1],
      counts: [6 * (i + 1), 3 * (i + 1), i + 1, 0],
    })),
  },
  {
    name: 'latency_delta',
    unit: 's',
    kind: 'histogram',
    temporality: 'delta',
    points: range(N).map((i) => ({
      t: at(i),
      start: at(i) - 10,
      count: 2,
      sum: 0.3,
      bounds: [0.1, 0.5, 1],
      counts: [1, 1, 0, 0],
    })),
  },
  {
    // Exponential histogram, scale 0 (buckets (1,2], (2,4], (4,8]): each point adds 2, 1, 1.
    name: 'payload_size',
    unit: 'By',
    kind: 'exponentialHistogram',
    temporality: 'cumulative',
    points: range(N).map((i) => ({
      t: at(i),
      start: T0 - 3600,
      count: 4 * (i + 1),
      sum: 12 * (i + 1),
      scale: 0,
      positive: { offset: 0, counts: [2 * (i + 1), i + 1, i + 1] },
    })),
  },
  {
    name: 'rpc_latency_summary',
    unit: 's',
    kind: 'summary',
    points: range(N).map((i) => ({
      t: at(i),
      start: T0 - 3600,
      count: 10 * (i + 1),
      sum: 2 * (i + 1),
      quantiles: [
        [0.5, 0.2],
        [0.9, 0.4],
        [0.99, 0.9],
      ],
    })),
  },
];
const INCREASE_JOB = { marginMinutes: 5, chunkMinutes: 120, lateCheckHours: 24 };
const SAMPLES = metrics.reduce((n, m) => n + m.points.length, 0);

describe('metric queries', () => {
  let t: TestDb;
  let c: TestCollector;
  let app: FastifyInstance;

  beforeAll(async () => {
    t = await createTestDb();
    c = await startTestCollector(t.db);
    await postOtlp(c.httpUrl, '/v1/metrics', metricsPayload(RESOURCE, metrics));
    await waitForRows(t.db, SAMPLES);
    // The increase job (counters, histograms), as the API runs it every minute.
    await runIncreaseJob(t.db, Date.now(), INCREASE_JOB);
    app = await buildApp({ db: t.db, logger: createLogger('test', 'silent') });
  });

  afterAll(async () => {
    await app.close();
    await c.stop();
    await t.drop();
  });

  const query = (q: Partial<MetricQuery> & { metric: string }, source?: 'raw' | '1m' | '1h') =>
    queryMetric(
      t.db,
      LOCAL_ADMIN,
      { matchers: [], groupBy: [], from: String(FROM), to: String(TO), step: 60, ...q },
      undefined,
      source ? { source } : {},
    );
  const series = (r: MetricQueryResult, labels: Record<string, string> = {}) =>
    r.series.find((s) => JSON.stringify(s.labels) === JSON.stringify(labels))?.values;
  const close = (actual: Array<number | null> | undefined, expected: Array<number | null>) => {
    expect(actual).toHaveLength(expected.length);
    expected.forEach((e, i) => {
      if (e === null) expect(actual?.[i], `step ${i}`).toBeNull();
      else expect(actual?.[i], `step ${i}`).toBeCloseTo(e, 9);
    });
  };
  const closeRelative = (actual: Array<number | null> | undefined, expected: Array<number | null>) => {
    expect(actual).toHaveLength(expected.length);
    expected.forEach((e, i) => {
      if (e === null) expect(actual?.[i], `step ${i}`).toBeNull();
      else
        expect(Math.abs((actual?.[i] ?? NaN) - e), `step ${i}: ${actual?.[i]} vs ${e}`).toBeLessThanOrEqual(
          Math.abs(e) * 1e-6 + 1e-12,
        );
    });
  };
  const steps = (f: (k: number) => number | null) => range(20).map(f);

  it('aligns timestamps to the step and reports the storage', async () => {
    const r = await query({ metric: 'requests_total', aggregation: 'rate' });
    expect(r.step).toBe(60);
    expect(r.timestamps).toEqual(range(20).map((k) => FROM + k * 60_000));
    expect(r.type).toBe('sum');
    expect(r.source).toBe('1m');
    expect((await query({ metric: 'requests_total', aggregation: 'rate', step: 30 })).source).toBe('raw');
    expect((await query({ metric: 'requests_total', aggregation: 'rate', step: 90 })).source).toBe('raw');
  });

  it('counter rate with resets (changed start time, lower value) and the sample before the range', async () => {
    const r = await query({ metric: 'requests_total', aggregation: 'rate', groupBy: ['route'] });
    expect(r.seriesMatched).toBe(2);
    // Step 10 holds point 90 (restart: its increase is its value, 5); step 15 holds point 120 (drop to 3).
    close(
      series(r, { route: '/a' }),
      steps((k) => (k === 10 ? 55 / 60 : 1)),
    );
    close(
      series(r, { route: '/b' }),
      steps((k) => (k === 15 ? 103 / 60 : 2)),
    );
    const increase = await query({ metric: 'requests_total', aggregation: 'increase' });
    close(
      series(increase),
      steps((k) => 180 - (k === 10 ? 5 : 0) - (k === 15 ? 17 : 0)),
    );
  });

  it('delta sums are summed per step', async () => {
    const r = await query({ metric: 'jobs_done', aggregation: 'increase' });
    close(
      series(r),
      steps(() => 18),
    );
    close(
      series(await query({ metric: 'jobs_done' })),
      steps(() => 0.3),
    );
  });

  it('gauges: avg, min, max, last, sum across series; gaps are null; flagged points skipped', async () => {
    const a = (aggregation: MetricQuery['aggregation']) =>
      query({ metric: 'queue_depth', aggregation, matchers: [{ key: 'queue', op: '=', value: 'a' }] });
    // Points 60..71 are missing: steps 5 and 6.
    const gap = (v: number) => steps((k) => (k === 5 || k === 6 ? null : v));
    close(series(await a('avg')), gap(5));
    close(series(await a('min')), gap(0));
    close(series(await a('max')), gap(10));
    close(series(await a('last')), gap(10));
    const both = await query({ metric: 'queue_depth', aggregation: 'sum' });
    close(
      series(both),
      steps((k) => (k === 5 || k === 6 ? 100 : 105)),
    );
    const avg = await query({ metric: 'queue_depth', aggregation: 'avg' });
    close(
      series(avg),
      steps((k) => (k === 5 || k === 6 ? 100 : 52.5)),
    );
  });

  it('histogram quantiles by bucket interpolation, count rate, mean', async () => {
    // Per step: 60 observations, 36 ≤ 0.1, 18 in (0.1, 0.5], 6 in (0.5, 1].
    close(
      series(await query({ metric: 'latency', aggregation: 'p50' })),
      steps(() => (0.1 * 30) / 36),
    );
    close(
      series(await query({ metric: 'latency', aggregation: 'p95' })),
      steps(() => 0.5 + (0.5 * (57 - 54)) / 6),
    );
    close(
      series(await query({ metric: 'latency', aggregation: 'p99' })),
      steps(() => 0.5 + (0.5 * (59.4 - 54)) / 6),
    );
    close(
      series(await query({ metric: 'latency', aggregation: 'count_rate' })),
      steps(() => 1),
    );
    close(
      series(await query({ metric: 'latency', aggregation: 'mean' })),
      steps(() => 0.15),
    );
    // The default for a histogram is p95.
    expect((await query({ metric: 'latency' })).aggregation).toBe('p95');
  });

  it('delta histograms are summed per step', async () => {
    // 6 points per step: 6 ≤ 0.1 and 6 in (0.1, 0.5]: the median is the first bucket's bound.
    close(
      series(await query({ metric: 'latency_delta', aggregation: 'p50' })),
      steps(() => 0.1),
    );
    close(
      series(await query({ metric: 'latency_delta', aggregation: 'p90' })),
      steps(() => 0.1 + (0.4 * (10.8 - 6)) / 6),
    );
    close(
      series(await query({ metric: 'latency_delta', aggregation: 'count_rate' })),
      steps(() => 0.2),
    );
  });

  it('exponential histogram quantiles', async () => {
    // Per step: 12 in (1, 2], 6 in (2, 4], 6 in (4, 8].
    close(
      series(await query({ metric: 'payload_size', aggregation: 'p50' })),
      steps(() => 2),
    );
    close(
      series(await query({ metric: 'payload_size', aggregation: 'p90' })),
      steps(() => 4 + (4 * (21.6 - 18)) / 6),
    );
    close(
      series(await query({ metric: 'payload_size', aggregation: 'mean' })),
      steps(() => 3),
    );
  });

  it('summary quantiles: reported values, the nearest reported quantile otherwise', async () => {
    close(
      series(await query({ metric: 'rpc_latency_summary', aggregation: 'p50' })),
      steps(() => 0.2),
    );
    close(
      series(await query({ metric: 'rpc_latency_summary', aggregation: 'p90' })),
      steps(() => 0.4),
    );
    // 0.95 is nearer to 0.99 than to 0.9.
    close(
      series(await query({ metric: 'rpc_latency_summary', aggregation: 'p95' })),
      steps(() => 0.9),
    );
    close(
      series(await query({ metric: 'rpc_latency_summary', aggregation: 'count_rate' })),
      steps(() => 1),
    );
    close(
      series(await query({ metric: 'rpc_latency_summary', aggregation: 'mean' })),
      steps(() => 0.2),
    );
  });

  it('matchers: =, !=, =~, !~ on point and resource attributes', async () => {
    const rate = async (matchers: MetricQuery['matchers']) =>
      (
        await query({ metric: 'requests_total', aggregation: 'rate', matchers, groupBy: ['route'] })
      ).series.map((s) => s.labels['route']);
    expect(await rate([{ key: 'route', op: '=', value: '/a' }])).toEqual(['/a']);
    expect(await rate([{ key: 'route', op: '!=', value: '/a' }])).toEqual(['/b']);
    expect(await rate([{ key: 'method', op: '=~', value: 'GE.' }])).toEqual(['/a']);
    expect(await rate([{ key: 'method', op: '=~', value: 'G' }])).toEqual([]);
    expect(await rate([{ key: 'method', op: '!~', value: 'P.*|X' }])).toEqual(['/a']);
    expect(await rate([{ key: 'service.name', op: '=', value: 'checkout' }])).toEqual(['/a', '/b']);
    expect(await rate([{ key: 'deployment.environment.name', op: '=~', value: 'dev|test' }])).toEqual([]);
    expect(await rate([{ key: 'missing', op: '=', value: '' }])).toEqual(['/a', '/b']);
  });

  it('group by several labels, empty groups, and the rollups agree with raw samples', async () => {
    const r = await query({
      metric: 'requests_total',
      aggregation: 'rate',
      groupBy: ['method', 'service.version'],
    });
    expect(r.series.map((s) => s.labels)).toEqual([
      { method: 'GET', 'service.version': '1.0' },
      { method: 'POST', 'service.version': '1.0' },
    ]);
    expect(r.truncated).toBe(false);

    const hourFrom = Math.floor(T0 / 3600) * 3600 * 1000;
    const hourTo = hourFrom + 3 * 3600_000;
    const cases: Array<[string, MetricQuery['aggregation']]> = [
      ['requests_total', 'increase'],
      ['jobs_done', 'increase'],
      ['queue_depth', 'avg'],
      ['queue_depth', 'max'],
      ['queue_depth', 'last'],
      ['latency', 'p95'],
      ['latency', 'mean'],
      ['latency_delta', 'p50'],
      ['payload_size', 'p90'],
      ['rpc_latency_summary', 'p95'],
      ['rpc_latency_summary', 'count_rate'],
    ];
    for (const [metric, aggregation] of cases) {
      for (const [step, sources] of [
        [60, ['raw', '1m']],
        [600, ['raw', '1m']],
        [3600, ['raw', '1m', '1h']],
      ] as const) {
        const window = step === 3600 ? { from: String(hourFrom), to: String(hourTo) } : {};
        const answers = await Promise.all(
          sources.map((s) => query({ metric, aggregation, step, groupBy: ['service.name'], ...window }, s)),
        );
        const [raw, ...rollups] = answers;
        expect(
          raw?.series[0]?.values.some((v) => v !== null),
          `${metric} ${aggregation} ${step}`,
        ).toBe(true);
        for (const r of rollups) {
          expect(r.source).not.toBe('raw');
          // Relative 1e-6, not the 1e-9 of the hand-computed answers: rollup and raw sum in a
          // different order, and runs in CI differed by up to 4e-7 (relative) from run to run.
          closeRelative(r.series[0]?.values, raw?.series[0]?.values ?? []);
        }
      }
    }
  });

  describe('HTTP', () => {
    const post = (body: Record<string, unknown>) =>
      app.inject({ method: 'POST', url: '/api/metrics/query', payload: body });
    const base = { from: String(FROM), to: String(TO), step: 60 };

    it('answers a query', async () => {
      const res = await post({ ...base, metric: 'latency', aggregation: 'p50' });
      expect(res.statusCode).toBe(200);
      const body = res.json() as MetricQueryResult;
      expect(body.series).toHaveLength(1);
      expect(body.unit).toBe('s');
      expect(body.series[0]?.values[0]).toBeCloseTo(0.1 * (30 / 36), 9);
    });

    it.each([
      [
        { metric: 'latency', aggregation: 'rate' },
        /aggregation "rate" does not fit "latency", a histogram: use one of p95/,
      ],
      [{ metric: 'queue_depth', aggregation: 'p95' }, /does not fit "queue_depth", a gauge/],
      [
        { metric: 'requests_total', aggregation: 'avg' },
        /monotonic sum \(counter\): use one of rate, increase/,
      ],
      [
        { metric: 'requests_total', matchers: [{ key: 'route', op: '=~', value: '(/a' }] },
        /invalid regular expression/,
      ],
      [
        { metric: 'requests_total', matchers: [{ key: 'route', op: '=~', value: 'a[' }] },
        /invalid regular expression/,
      ],
      [{ metric: 'requests_total', matchers: [{ key: 'route', op: '=~', value: '(?=a)' }] }, /lookaround/],
      [
        { metric: 'requests_total', matchers: [{ key: 'route', op: '!~', value: 'x{2,1}' }] },
        /invalid regular expression/,
      ],
      [
        { metric: 'requests_total', matchers: range(21).map(() => ({ key: 'route', op: '=', value: '/a' })) },
        /matchers/,
      ],
      [{ metric: 'requests_total', from: 'now-40d', to: 'now', step: 3600 }, /31 days/],
      [{ metric: 'requests_total', from: 'now-7d', to: 'now', step: 10 }, /limit is 11000/],
      [{ metric: 'requests_total', aggregation: 'median' }, /aggregation/],
      [{ metric: 'requests_total', groupBy: ['a', 'b', 'c', 'd', 'e', 'f'] }, /groupBy/],
    ])('400 for %j', async (body, message) => {
      const res = await post({ ...base, ...body });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'HUB_API_BAD_REQUEST' });
      expect((res.json() as { error: string }).error).toMatch(message);
    });

    it('404 for an unknown metric', async () => {
      const res = await post({ ...base, metric: 'no_such_metric' });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ code: 'HUB_API_NOT_FOUND' });
    });

    it('lists metrics with kinds and aggregations', async () => {
      const res = await app.inject({
        method: 'GET',
        url: `/api/metrics?service=checkout&from=${FROM}&to=${TO}`,
      });
      expect(res.statusCode).toBe(200);
      const { metrics: list } = res.json() as { metrics: Array<Record<string, unknown> & { name: string }> };
      const byName: Record<string, unknown> = Object.fromEntries(list.map((m) => [m.name, m]));
      expect(byName['requests_total']).toMatchObject({
        type: 'sum',
        temporality: 'cumulative',
        monotonic: true,
        series: 2,
        aggregations: ['rate', 'increase'],
      });
      expect(byName['queue_depth']).toMatchObject({
        type: 'gauge',
        aggregations: ['avg', 'min', 'max', 'last', 'sum'],
      });
      expect(byName['latency']).toMatchObject({
        type: 'histogram',
        unit: 's',
        aggregations: ['p95', 'p50', 'p90', 'p99', 'count_rate', 'mean'],
      });
      expect(byName['jobs_done']).toMatchObject({ temporality: 'delta' });
      expect(byName['payload_size']).toMatchObject({ type: 'exponential_histogram' });
      expect(byName['rpc_latency_summary']).toMatchObject({ type: 'summary' });
      const other = await app.inject({
        method: 'GET',
        url: `/api/metrics?service=nobody&from=${FROM}&to=${TO}`,
      });
      expect(other.json()).toEqual({ metrics: [] });
    });

    it('lists labels and their values', async () => {
      const res = await app.inject({
        method: 'GET',
        url: `/api/metrics/labels?metric=requests_total&from=${FROM}&to=${TO}`,
      });
      expect(res.statusCode).toBe(200);
      const { labels } = res.json() as {
        labels: Array<{ key: string; values: string[]; valuesTruncated: boolean }>;
      };
      const byKey = Object.fromEntries(labels.map((l) => [l.key, l]));
      expect(byKey['route']).toEqual({ key: 'route', values: ['/a', '/b'], valuesTruncated: false });
      expect(byKey['method']?.values).toEqual(['GET', 'POST']);
      expect(byKey['service.name']?.values).toEqual(['checkout']);
      expect(byKey['service.version']?.values).toEqual(['1.0']);
      expect(byKey['deployment.environment.name']?.values).toEqual(['prod']);
      const unknown = await app.inject({
        method: 'GET',
        url: `/api/metrics/labels?metric=nope&from=${FROM}&to=${TO}`,
      });
      expect(unknown.statusCode).toBe(404);
    });
  });
});

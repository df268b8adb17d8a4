import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Db } from '../../core/src/index.ts';
import { LOCAL_ADMIN } from '../src/access/principal.ts';
import { computeIncreases, readWatermark } from '../src/metrics/increase-store.ts';
import { increaseParts } from '../src/metrics/increase-read.ts';
import { planSteps } from '../src/metrics/plan.ts';
import { queryMetric } from '../src/metrics/query.ts';
import { runIncreaseJob } from '../src/metrics/rollup-job.ts';
import type { MetricQuery } from '../src/metrics/schemas.ts';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { startTestCollector, type TestCollector } from '../../test/helpers/collector.ts';
import {
  metricsPayload,
  postOtlp,
  range,
  waitForRows,
  type MetricSpec,
  type PointSpec,
} from './metrics-otlp.ts';

/**
 * The increase job (api/src/metrics/rollup-job.ts) and the engine's reads of
 * its tables: the stored increases equal increases computed here from the
 * points, recomputation is idempotent (repeated, concurrent), samples arriving
 * late are counted (within the margin on the next run, beyond it by the late
 * check), catching up in chunks gives the rows of one pass, and a range half
 * covered by the watermark answers as raw samples do. Every run gets an
 * explicit "now": nothing waits for the clock.
 */
const NOW = Math.floor(Date.now() / 1000);
/** Ten-minute aligned, 50 minutes ago: 40 minutes of points, all in the past, series rows recent. */
const T0 = Math.floor((NOW - 3000) / 600) * 600;
const at = (i: number) => T0 + 10 * i;
const N = 240;
const JOB = { marginMinutes: 5, chunkMinutes: 7, lateCheckHours: 24 };
const RESOURCE = { 'service.name': 'checkout', 'deployment.environment.name': 'prod' };
const BOUNDS = [0.1, 0.5, 1];

const metrics: MetricSpec[] = [
  {
    // /a: +1 per point, a restart at 100 (new start time, counts from 3), a drop at 170 (same start).
    // /b: +2 per point with a 15-minute gap (points 60..149 missing, longer than the look-back):
    // the first point after it is only a baseline.
    name: 'c_total',
    kind: 'sum',
    temporality: 'cumulative',
    monotonic: true,
    points: [
      ...range(N).map((i) => ({
        t: at(i),
        start: i < 100 ? T0 - 86_400 : at(99) + 5,
        attrs: { route: '/a' },
        value: i < 100 ? 1000 + i : i < 170 ? 3 + (i - 100) : 1 + (i - 170),
      })),
      ...range(N)
        .filter((i) => i < 60 || i >= 150)
        .map((i) => ({ t: at(i), start: T0 - 86_400, attrs: { route: '/b' }, value: 2 * i })),
    ],
  },
  {
    name: 'd_total',
    kind: 'sum',
    temporality: 'delta',
    monotonic: true,
    points: range(N).map((i) => ({ t: at(i), start: at(i) - 10, value: 2 })),
  },
  {
    // Each point adds 4 observations: 2 ≤ 0.1, 1 in (0.1, 0.5], 1 in (0.5, 1]; a restart at 120.
    name: 'h_seconds',
    unit: 's',
    kind: 'histogram',
    temporality: 'cumulative',
    points: range(N).map((i) => {
      const n = i < 120 ? i + 1 : i - 119;
      return {
        t: at(i),
        start: i < 120 ? T0 - 3600 : at(119) + 3,
        count: 4 * n,
        sum: 1.5 * n,
        bounds: BOUNDS,
        counts: [2 * n, n, n, 0],
      };
    }),
  },
  {
    name: 'hd_seconds',
    unit: 's',
    kind: 'histogram',
    temporality: 'delta',
    points: range(N).map((i) => ({
      t: at(i),
      start: at(i) - 10,
      count: 3,
      sum: 0.9,
      bounds: BOUNDS,
      counts: [1, 1, 0, 1],
    })),
  },
];
const SAMPLES = metrics.reduce((n, m) => n + m.points.length, 0);

interface MinuteIncrease {
  samples: number;
  known: number;
  inc: number;
  incSum: number;
  buckets: number[];
}

/** The reference: per-minute increases of one series' points, by the rules of docs/metrics.md. */
function expectedMinutes(points: PointSpec[], cumulative: boolean): Map<number, MinuteIncrease> {
  const out = new Map<number, MinuteIncrease>();
  const sorted = [...points].sort((a, b) => a.t - b.t);
  sorted.forEach((p, i) => {
    const v = p.value ?? p.count ?? 0;
    const k = p.counts ?? [];
    let inc = v;
    let incSum = p.sum ?? 0;
    let buckets = k;
    let known = true;
    if (cumulative) {
      const prev = i > 0 ? sorted[i - 1] : undefined;
      const hasPrev = prev !== undefined && p.t - prev.t <= 600;
      const pv = prev?.value ?? prev?.count ?? 0;
      const reset = !hasPrev || prev.start !== p.start || v < pv;
      known = hasPrev || (p.start !== undefined && p.start !== 0 && p.start + 600 >= p.t);
      if (!reset) {
        inc = v - pv;
        incSum = (p.sum ?? 0) - (prev?.sum ?? 0);
        buckets = k.map((x, j) => x - (prev?.counts?.[j] ?? 0));
      }
      if (!known) {
        inc = 0;
        incSum = 0;
        buckets = k.map(() => 0);
      }
    }
    const minute = Math.floor(p.t / 60) * 60_000;
    const m = out.get(minute) ?? { samples: 0, known: 0, inc: 0, incSum: 0, buckets: [] };
    m.samples++;
    m.known += known ? 1 : 0;
    m.inc += inc;
    m.incSum += incSum;
    m.buckets = buckets.map((x, j) => x + (m.buckets[j] ?? 0));
    out.set(minute, m);
  });
  return out;
}

interface StoredRow {
  minute: string;
  samples: string;
  known: string;
  inc: number;
  inc_sum: number;
  inc_buckets: number[];
}

async function storedMinutes(db: Db, metric: string, route?: string): Promise<Map<number, MinuteIncrease>> {
  const rows = await db.query<StoredRow>(
    sql`SELECT toUInt32(bucket) AS minute, samples, known, inc, inc_sum, inc_buckets
        FROM metric_increase_1m FINAL
        WHERE metric_name = ${metric}
          AND fingerprint IN (SELECT fingerprint FROM metric_series
                              WHERE ${route === undefined ? sql`1` : sql`has(attr_values, ${route})`})
        ORDER BY minute`,
  );
  return new Map(
    rows.map((r) => [
      Number(r.minute) * 1000,
      {
        samples: Number(r.samples),
        known: Number(r.known),
        inc: Number(r.inc),
        incSum: Number(r.inc_sum),
        buckets: r.inc_buckets.map(Number),
      },
    ]),
  );
}

function expectSameMinutes(actual: Map<number, MinuteIncrease>, expected: Map<number, MinuteIncrease>) {
  expect([...actual.keys()]).toEqual([...expected.keys()]);
  for (const [minute, e] of expected) {
    const a = actual.get(minute)!;
    const where = `minute ${(minute / 1000 - T0) / 60}`;
    expect(a.samples, where).toBe(e.samples);
    expect(a.known, where).toBe(e.known);
    expect(a.inc, where).toBeCloseTo(e.inc, 9);
    expect(a.incSum, where).toBeCloseTo(e.incSum, 9);
    expect(a.buckets, where).toEqual(e.buckets);
  }
}

/** Every row of both tables (FINAL), for comparing states. */
async function snapshot(db: Db): Promise<string> {
  const rows = await db.query<Record<string, unknown>>(
    sql`SELECT 'm' AS t, metric_name, fingerprint, toUInt32(bucket) AS b, layout, samples, known, inc, inc_sum, bounds, inc_buckets
        FROM metric_increase_1m FINAL
        UNION ALL
        SELECT 'h' AS t, metric_name, fingerprint, toUInt32(bucket) AS b, layout, samples, known, inc, inc_sum, bounds, inc_buckets
        FROM metric_increase_1h FINAL`,
  );
  return JSON.stringify(rows.map((r) => JSON.stringify(r)).sort());
}

describe('metric increases', () => {
  let t: TestDb;
  let c: TestCollector;

  beforeAll(async () => {
    t = await createTestDb();
    c = await startTestCollector(t.db);
    await postOtlp(c.httpUrl, '/v1/metrics', metricsPayload(RESOURCE, metrics));
    await waitForRows(t.db, SAMPLES);
  });

  afterAll(async () => {
    await c.stop();
    await t.drop();
  });

  const query = (q: Partial<MetricQuery> & { metric: string }, source: 'raw' | '1m' | '1h') =>
    queryMetric(
      t.db,
      LOCAL_ADMIN,
      {
        matchers: [],
        groupBy: [],
        from: String((T0 + 300) * 1000),
        to: String((T0 + 2100) * 1000),
        step: 60,
        ...q,
      },
      undefined,
      { source, nowMs: NOW * 1000 },
    );

  it('catches up from the oldest sample in chunks, up to the closed minutes of "now"', async () => {
    const r = await runIncreaseJob(t.db, (T0 + 1230) * 1000, JOB);
    expect(r.fromMs).toBe(T0 * 1000);
    expect(r.watermarkMs).toBe((T0 + 1200) * 1000);
    expect(r.chunks).toBe(3); // 20 minutes in chunks of 7
    expect(await readWatermark(t.db)).toBe((T0 + 1200) * 1000);
  });

  it('answers a range half covered by the watermark as raw samples do (the seam)', async () => {
    const watermark = await readWatermark(t.db);
    const plan = planSteps((T0 + 300) * 1000, (T0 + 2100) * 1000, 60, NOW * 1000);
    expect(increaseParts(plan, '1m', watermark)).toEqual({
      minutes: [(T0 + 300) * 1000, watermark],
      raw: [watermark, (T0 + 2100) * 1000],
      answered: '1m',
    });
    const cases: Array<[string, MetricQuery['aggregation']]> = [
      ['c_total', 'increase'],
      ['d_total', 'increase'],
      ['h_seconds', 'p95'],
      ['h_seconds', 'count_rate'],
      ['h_seconds', 'mean'],
      ['hd_seconds', 'p50'],
    ];
    for (const [metric, aggregation] of cases) {
      for (const step of [60, 300]) {
        const raw = await query({ metric, aggregation, step }, 'raw');
        const seam = await query({ metric, aggregation, step }, '1m');
        expect(raw.source).toBe('raw');
        expect(seam.source).toBe('1m');
        expect(raw.series[0]?.values.some((v) => v !== null)).toBe(true);
        const a = seam.series[0]?.values ?? [];
        (raw.series[0]?.values ?? []).forEach((v, i) => {
          if (v === null) expect(a[i], `${metric} ${aggregation} ${step} step ${i}`).toBeNull();
          else expect(a[i], `${metric} ${aggregation} ${step} step ${i}`).toBeCloseTo(v, 9);
        });
      }
    }
  });

  it('stores the increases computed from the points: resets, gaps, histograms, deltas', async () => {
    // A minute past the last point: every minute closed.
    const r = await runIncreaseJob(t.db, (T0 + 2460) * 1000, JOB);
    expect(r.fromMs).toBe((T0 + 1200 - 300) * 1000); // the margin before the watermark is recomputed
    expect(r.watermarkMs).toBe((T0 + 2460) * 1000);
    const spec = (name: string) => metrics.find((m) => m.name === name)!;
    const pointsOf = (name: string, route?: string) =>
      spec(name).points.filter((p) => route === undefined || p.attrs?.route === route);
    expectSameMinutes(
      await storedMinutes(t.db, 'c_total', '/a'),
      expectedMinutes(pointsOf('c_total', '/a'), true),
    );
    expectSameMinutes(
      await storedMinutes(t.db, 'c_total', '/b'),
      expectedMinutes(pointsOf('c_total', '/b'), true),
    );
    expectSameMinutes(await storedMinutes(t.db, 'd_total'), expectedMinutes(pointsOf('d_total'), false));
    expectSameMinutes(await storedMinutes(t.db, 'h_seconds'), expectedMinutes(pointsOf('h_seconds'), true));
    expectSameMinutes(
      await storedMinutes(t.db, 'hd_seconds'),
      expectedMinutes(pointsOf('hd_seconds'), false),
    );
    // The hours are the sums of their minutes.
    const [hours] = await t.db.query<{ a: number; b: number; n: string; m: string }>(
      sql`SELECT (SELECT sum(inc) FROM metric_increase_1h FINAL) AS a, (SELECT sum(inc) FROM metric_increase_1m FINAL) AS b,
                 (SELECT sum(samples) FROM metric_increase_1h FINAL) AS n, (SELECT count() FROM metric_samples) AS m`,
    );
    expect(Number(hours?.a)).toBeCloseTo(Number(hours?.b), 6);
    expect(Number(hours?.n)).toBe(SAMPLES);
  });

  it('recomputing is idempotent: repeated and concurrent runs give the same rows', async () => {
    const before = await snapshot(t.db);
    await computeIncreases(t.db, T0 * 1000, (T0 + 2460) * 1000);
    expect(await snapshot(t.db)).toBe(before);
    await Promise.all([
      computeIncreases(t.db, T0 * 1000, (T0 + 2460) * 1000),
      computeIncreases(t.db, (T0 + 600) * 1000, (T0 + 1800) * 1000),
      runIncreaseJob(t.db, (T0 + 2460) * 1000, JOB),
      runIncreaseJob(t.db, (T0 + 2460) * 1000, JOB, { lateCheck: true }),
    ]);
    expect(await snapshot(t.db)).toBe(before);
  });

  it('one pass and chunks give the same rows; 1h and 1m answers agree with raw', async () => {
    const chunked = await snapshot(t.db);
    await t.db.command(sql`TRUNCATE TABLE metric_increase_1m`);
    await t.db.command(sql`TRUNCATE TABLE metric_increase_1h`);
    await computeIncreases(t.db, T0 * 1000, (T0 + 2460) * 1000);
    expect(await snapshot(t.db)).toBe(chunked);

    const hourFrom = Math.floor(T0 / 3600) * 3600 * 1000;
    for (const [metric, aggregation] of [
      ['c_total', 'increase'],
      ['h_seconds', 'p90'],
      ['hd_seconds', 'count_rate'],
    ] as const) {
      const window = { from: String(hourFrom), to: String(hourFrom + 2 * 3600_000), step: 3600 };
      const raw = await query({ metric, aggregation, ...window }, 'raw');
      const hourly = await query({ metric, aggregation, ...window }, '1h');
      expect(hourly.source).toBe('1h');
      (raw.series[0]?.values ?? []).forEach((v, i) => {
        if (v === null) expect(hourly.series[0]?.values[i]).toBeNull();
        else expect(hourly.series[0]?.values[i], `${metric} ${i}`).toBeCloseTo(v, 9);
      });
    }
  });
});

describe('metric increases: late samples', () => {
  let t: TestDb;
  let c: TestCollector;
  const counter = (from: number, to: number): MetricSpec => ({
    name: 'late_total',
    kind: 'sum',
    temporality: 'cumulative',
    monotonic: true,
    points: range(to - from).map((k) => ({ t: at(from + k), start: T0 - 3600, value: 5 * (from + k) })),
  });
  const total = async () => {
    const [r] = await t.db.query<{ v: number; n: string }>(
      sql`SELECT sum(inc) AS v, sum(samples) AS n FROM metric_increase_1m FINAL WHERE metric_name = 'late_total'`,
    );
    return { inc: Number(r?.v), samples: Number(r?.n) };
  };

  beforeAll(async () => {
    t = await createTestDb();
    c = await startTestCollector(t.db);
  });

  afterAll(async () => {
    await c.stop();
    await t.drop();
  });

  it('counts samples later than their minute within the margin on the next run, later ones by the late check', async () => {
    // Points 0..119 (20 minutes), then the job runs at minute 22.
    await postOtlp(c.httpUrl, '/v1/metrics', metricsPayload(RESOURCE, [counter(0, 120)]));
    await waitForRows(t.db, 120);
    await runIncreaseJob(t.db, (T0 + 22 * 60) * 1000, JOB);
    expect(await total()).toEqual({ inc: 5 * 119, samples: 120 });

    // Points 120..131 (minutes 20, 21) arrive now: within the 5-minute margin of the watermark (22).
    await postOtlp(c.httpUrl, '/v1/metrics', metricsPayload(RESOURCE, [counter(120, 132)]));
    await waitForRows(t.db, 132);
    await runIncreaseJob(t.db, (T0 + 23 * 60) * 1000, JOB);
    expect(await total()).toEqual({ inc: 5 * 131, samples: 132 });

    // Now the watermark moves on to minute 40; then points 132..143 (minutes 22, 23) arrive,
    // beyond the margin: the next run does not see them ...
    await runIncreaseJob(t.db, (T0 + 40 * 60) * 1000, JOB);
    await postOtlp(c.httpUrl, '/v1/metrics', metricsPayload(RESOURCE, [counter(132, 144)]));
    await waitForRows(t.db, 144);
    await runIncreaseJob(t.db, (T0 + 41 * 60) * 1000, JOB);
    expect(await total()).toEqual({ inc: 5 * 131, samples: 132 });

    // ... the late check does, once their hour is settled (wholly before the margin).
    const settledNow = (Math.ceil((T0 + 24 * 60) / 3600) * 3600 + 600) * 1000;
    const r = await runIncreaseJob(t.db, settledNow, JOB, { lateCheck: true });
    expect(r.lateHours).toEqual([Math.floor((T0 + 22 * 60) / 3600) * 3600 * 1000]);
    expect(await total()).toEqual({ inc: 5 * 143, samples: 144 });
    const again = await runIncreaseJob(t.db, settledNow, JOB, { lateCheck: true });
    expect(again.lateHours).toEqual([]);
  });

  it('writes the watermark without computing when there are no samples of its kinds', async () => {
    const empty = await createTestDb();
    try {
      const r = await runIncreaseJob(empty.db, (T0 + 90) * 1000, JOB);
      expect(r).toMatchObject({ chunks: 0, watermarkMs: (T0 + 60) * 1000 });
      expect(await readWatermark(empty.db)).toBe((T0 + 60) * 1000);
    } finally {
      await empty.drop();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_ADMIN } from '../src/access/principal.ts';
import { increaseParts, PRECOMPUTED_ONLY_FROM_MS, readsRawTail } from '../src/metrics/increase-read.ts';
import { readWatermark } from '../src/metrics/increase-store.ts';
import { planSteps } from '../src/metrics/plan.ts';
import { queryMetric } from '../src/metrics/query.ts';
import { runIncreaseJob } from '../src/metrics/rollup-job.ts';
import type { MetricQuery, MetricQueryResult } from '../src/metrics/schemas.ts';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { startTestCollector, type TestCollector } from '../../test/helpers/collector.ts';
import { metricsPayload, postOtlp, range, waitForRows, type MetricSpec } from './metrics-otlp.ts';

/**
 * Freshness (docs/metrics.md#freshness): a range of 24 hours or more is
 * answered from the increase tables only and ends at the increase job's
 * watermark (later steps are gaps, `completeUntil` says where it ends); a
 * shorter range also reads the raw samples after the watermark, so it
 * includes the newest samples. The job runs with an explicit "now" that
 * leaves the last 20 minutes of samples after its watermark.
 */
const NOW = Math.floor(Date.now() / 1000);
const T0 = Math.floor((NOW - 3000) / 600) * 600;
const at = (i: number) => T0 + 10 * i;
const N = 240;
const RESOURCE = { 'service.name': 'checkout', 'deployment.environment.name': 'prod' };

const metrics: MetricSpec[] = [
  {
    name: 'fresh_total',
    kind: 'sum',
    temporality: 'delta',
    monotonic: true,
    points: range(N).map((i) => ({ t: at(i), start: at(i) - 10, value: 2 })),
  },
  {
    name: 'fresh_cumulative_total',
    kind: 'sum',
    temporality: 'cumulative',
    monotonic: true,
    points: range(N).map((i) => ({ t: at(i), start: T0 - 86_400, value: 1000 + 3 * i })),
  },
  {
    name: 'fresh_seconds',
    unit: 's',
    kind: 'histogram',
    temporality: 'cumulative',
    points: range(N).map((i) => ({
      t: at(i),
      start: T0 - 3600,
      count: 4 * (i + 1),
      sum: 1.5 * (i + 1),
      bounds: [0.1, 0.5, 1],
      counts: [2 * (i + 1), i + 1, i + 1, 0],
    })),
  },
];
const SAMPLES = metrics.reduce((n, m) => n + m.points.length, 0);
const sum = (r: MetricQueryResult) => (r.series[0]?.values ?? []).reduce<number>((s, v) => s + (v ?? 0), 0);

describe('metric freshness: long ranges end at the watermark', () => {
  let t: TestDb;
  let c: TestCollector;
  let watermark: number;

  beforeAll(async () => {
    t = await createTestDb();
    c = await startTestCollector(t.db);
    await postOtlp(c.httpUrl, '/v1/metrics', metricsPayload(RESOURCE, metrics));
    await waitForRows(t.db, SAMPLES);
    await runIncreaseJob(t.db, (T0 + 1230) * 1000, {
      marginMinutes: 5,
      chunkMinutes: 60,
      lateCheckHours: 24,
    });
    watermark = await readWatermark(t.db);
  });

  afterAll(async () => {
    await c.stop();
    await t.drop();
  });

  const query = (q: Partial<MetricQuery> & { metric: string }, hours: number) =>
    queryMetric(
      t.db,
      LOCAL_ADMIN,
      {
        matchers: [],
        groupBy: [],
        from: String((NOW - hours * 3600) * 1000),
        to: String(NOW * 1000),
        step: 60,
        ...q,
      },
      undefined,
      { nowMs: NOW * 1000 },
    );

  it('decides by the range length', () => {
    expect(PRECOMPUTED_ONLY_FROM_MS).toBe(24 * 3_600_000);
    const now = NOW * 1000;
    expect(readsRawTail(planSteps(now - PRECOMPUTED_ONLY_FROM_MS, now, 60, now))).toBe(false);
    expect(readsRawTail(planSteps(now - 7 * 86_400_000, now, 3600, now))).toBe(false);
    expect(readsRawTail(planSteps(now - PRECOMPUTED_ONLY_FROM_MS + 60_000, now, 60, now))).toBe(true);
    expect(readsRawTail(planSteps(now - 6 * 3_600_000, now, 60, now))).toBe(true);
    const plan = planSteps(now - 86_400_000, now, 60, now);
    expect(increaseParts(plan, '1m', watermark, false)).toEqual({
      minutes: [plan.startMs, watermark],
      answered: '1m',
    });
    // Tables covering none of the range: raw samples answer it all, whatever the length.
    expect(increaseParts(plan, '1m', 0, false)).toEqual({ raw: [plan.startMs, plan.endMs], answered: 'raw' });
  });

  it('a 24-hour range ends at the watermark; a 6-hour one includes the newest samples', async () => {
    expect(watermark).toBe((T0 + 1200) * 1000);
    for (const metric of ['fresh_total', 'fresh_cumulative_total']) {
      const perPoint = metric === 'fresh_total' ? 2 : 3;
      const long = await query({ metric, aggregation: 'increase' }, 24);
      expect(long.source).toBe('1m');
      expect(long.completeUntil).toBe(watermark);
      long.timestamps.forEach((ts, i) => {
        if (ts >= watermark) expect(long.series[0]?.values[i], `${metric} step ${i}`).toBeNull();
      });
      // Delta: the 120 points before the watermark; cumulative: their 119 differences (the first is a baseline).
      expect(sum(long)).toBeCloseTo(metric === 'fresh_total' ? 120 * perPoint : 119 * perPoint, 9);

      const short = await query({ metric, aggregation: 'increase' }, 6);
      expect(short.completeUntil).toBeUndefined();
      expect(sum(short)).toBeCloseTo(metric === 'fresh_total' ? N * perPoint : (N - 1) * perPoint, 9);
      const newest = short.timestamps.findIndex((ts) => ts === Math.floor(at(N - 1) / 60) * 60_000);
      expect(short.series[0]?.values[newest]).toBeGreaterThan(0);
    }
  });

  it('histograms: a long range has gaps after the watermark, a short one does not', async () => {
    for (const aggregation of ['p95', 'count_rate'] as const) {
      const long = await query({ metric: 'fresh_seconds', aggregation }, 7 * 24);
      expect(long.completeUntil).toBe(watermark);
      const values = long.series[0]?.values ?? [];
      long.timestamps.forEach((ts, i) => {
        if (ts >= watermark) expect(values[i]).toBeNull();
      });
      expect(values.filter((v) => v !== null).length).toBeGreaterThan(0);

      const short = await query({ metric: 'fresh_seconds', aggregation }, 6);
      expect(short.completeUntil).toBeUndefined();
      const last = short.timestamps.findIndex((ts) => ts === Math.floor(at(N - 1) / 60) * 60_000);
      expect(short.series[0]?.values[last]).not.toBeNull();
    }
  });

  it("a rate's step holding the watermark divides by the seconds before it", async () => {
    const step = 3600;
    const inc = await query({ metric: 'fresh_total', aggregation: 'increase', step }, 24);
    const rate = await query({ metric: 'fresh_total', aggregation: 'rate', step }, 24);
    let checked = 0;
    inc.timestamps.forEach((ts, i) => {
      const v = inc.series[0]?.values[i];
      if (v === null || v === undefined) {
        expect(rate.series[0]?.values[i]).toBeNull();
        return;
      }
      const seconds = (Math.min(ts + step * 1000, watermark) - ts) / 1000;
      expect(rate.series[0]?.values[i]).toBeCloseTo(v / seconds, 9);
      checked++;
    });
    expect(checked).toBeGreaterThan(0);
  });
});

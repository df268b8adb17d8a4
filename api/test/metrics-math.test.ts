import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sql } from '../../core/src/index.ts';
import { LOCAL_ADMIN } from '../src/access/principal.ts';
import {
  combineExp,
  counterIncrease,
  expHistogramQuantile,
  histogramQuantile,
  mergeHistograms,
  summaryQuantile,
  type ExpHistogram,
} from '../src/metrics/math.ts';
import { planSteps, chooseSource, stepSeconds } from '../src/metrics/plan.ts';
import { queryMetric } from '../src/metrics/query.ts';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';

const bounds = fc
  .uniqueArray(fc.double({ min: 0.001, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 20 })
  .map((b) => b.sort((x, y) => x - y));
const histogram = bounds.chain((b) =>
  fc
    .array(fc.integer({ min: 0, max: 1000 }), { minLength: b.length + 1, maxLength: b.length + 1 })
    .map((counts) => ({ bounds: b, counts })),
);
const q = fc.double({ min: 0, max: 1, noNaN: true });

describe('histogram quantiles (property)', () => {
  it('are monotone in q and within the finite bounds', () => {
    fc.assert(
      fc.property(histogram, q, q, (h, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const x = histogramQuantile(lo, h);
        const y = histogramQuantile(hi, h);
        if (h.counts.every((c) => c === 0)) return x === null && y === null;
        expect(x).not.toBeNull();
        expect(x!).toBeLessThanOrEqual(y! + 1e-9 * Math.abs(y!));
        for (const v of [x!, y!]) {
          expect(v).toBeGreaterThanOrEqual(Math.min(0, h.bounds[0]!));
          expect(v).toBeLessThanOrEqual(h.bounds[h.bounds.length - 1]!);
        }
        return true;
      }),
    );
  });

  it('answer the highest finite bound for a rank in the +Inf bucket', () => {
    expect(histogramQuantile(0.99, { bounds: [1, 2], counts: [1, 0, 99] })).toBe(2);
  });

  it('merging keeps the total count, and equal bounds add exactly', () => {
    fc.assert(
      fc.property(histogram, histogram, (a, b) => {
        const merged = mergeHistograms([a, b])!;
        const total = (h: { counts: number[] }) => h.counts.reduce((s, c) => s + c, 0);
        expect(total(merged)).toBeCloseTo(total(a) + total(b), 6);
        const same = mergeHistograms([a, a])!;
        expect(same.counts).toEqual(a.counts.map((c) => 2 * c));
        return true;
      }),
    );
  });
});

const expHistogram: fc.Arbitrary<ExpHistogram> = fc.record({
  scale: fc.integer({ min: -2, max: 6 }),
  zeroCount: fc.integer({ min: 0, max: 50 }),
  positive: fc.record({
    offset: fc.integer({ min: -40, max: 40 }),
    counts: fc.array(fc.integer({ min: 0, max: 100 }), { maxLength: 30 }),
  }),
  negative: fc.record({
    offset: fc.integer({ min: -20, max: 20 }),
    counts: fc.array(fc.integer({ min: 0, max: 100 }), { maxLength: 10 }),
  }),
});

describe('exponential histograms (property)', () => {
  it('quantiles are monotone in q', () => {
    fc.assert(
      fc.property(expHistogram, q, q, (h, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const x = expHistogramQuantile(lo, h);
        const y = expHistogramQuantile(hi, h);
        if (x === null || y === null) return x === y;
        return x <= y + 1e-9 * Math.abs(y);
      }),
    );
  });

  it('adding at the coarser scale keeps every count, and subtracting it back restores the total', () => {
    fc.assert(
      fc.property(expHistogram, expHistogram, (a, b) => {
        const total = (h: ExpHistogram) =>
          h.zeroCount + [...h.positive.counts, ...h.negative.counts].reduce((s, c) => s + c, 0);
        const sum = combineExp(a, b, 1);
        expect(total(sum)).toBe(total(a) + total(b));
        expect(total(combineExp(sum, b, -1))).toBe(total(a));
        return true;
      }),
    );
  });

  it('scale 0 buckets are powers of two', () => {
    const h = {
      scale: 0,
      zeroCount: 0,
      positive: { offset: 3, counts: [4] },
      negative: { offset: 0, counts: [] },
    };
    expect(expHistogramQuantile(0.5, h)).toBe(12); // (8, 16], halfway
  });
});

describe('counter resets (property)', () => {
  const sample = fc.record({
    start: fc.integer({ min: 0, max: 3 }),
    value: fc.double({ min: 0, max: 1e12, noNaN: true }),
  });

  it('an increase is never negative', () => {
    fc.assert(fc.property(sample, sample, (a, b) => counterIncrease(a, b) >= 0));
  });

  it('without a reset the increases add up to last - first', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 50 }),
        (deltas) => {
          let v = 0;
          const samples = deltas.map((d) => ({ start: 1, value: (v += d) }));
          let total = 0;
          for (let i = 1; i < samples.length; i++) total += counterIncrease(samples[i - 1]!, samples[i]!);
          expect(total).toBeCloseTo(samples[samples.length - 1]!.value - samples[0]!.value, 3);
          return true;
        },
      ),
    );
  });

  it('summaries answer the nearest reported quantile', () => {
    expect(summaryQuantile(0.95, [0.5, 0.9, 0.99], [1, 2, 3])).toBe(3);
    expect(summaryQuantile(0.5, [0.5, 0.9], [1, 2])).toBe(1);
    expect(summaryQuantile(0.7, [0.5, 0.9], [1, 2])).toBe(1);
    expect(summaryQuantile(0.5, [], [])).toBeNull();
  });
});

describe('steps and the planner', () => {
  it('align steps to the step, and make one window of a step as long as the range', () => {
    const p = planSteps(90_500, 600_000, 60, 10_000_000);
    expect(p.startMs).toBe(60_000);
    expect(p.endMs).toBe(600_000);
    expect(p.points).toBe(9);
    const one = planSteps(90_500, 690_500, 600, 10_000_000);
    expect(one).toMatchObject({ startMs: 90_500, endMs: 690_500, points: 1 });
    expect(stepSeconds(one, 0)).toBe(600);
  });

  it('picks the coarsest rollup that tiles the steps and holds the range', () => {
    const covered = { '1m': 0, '1h': 0 };
    const day = 86_400_000;
    expect(chooseSource(planSteps(10 * day, 17 * day, 7200), covered)).toBe('1h');
    expect(chooseSource(planSteps(10 * day, 11 * day, 60), covered)).toBe('1m');
    expect(chooseSource(planSteps(10 * day, 11 * day, 90), covered)).toBe('raw');
    expect(chooseSource(planSteps(10 * day, 10 * day + 3_600_000, 30), covered)).toBe('raw');
    // A window that does not start on a minute.
    expect(chooseSource(planSteps(10 * day + 5000, 10 * day + 3_605_000, 3600), covered)).toBe('raw');
    // Samples older than the rollup's view: raw.
    expect(chooseSource(planSteps(10 * day, 11 * day, 60), { '1m': 10.5 * day, '1h': 10.5 * day })).toBe(
      'raw',
    );
  });
});

describe('counter increases in ClickHouse against the reference (property)', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => {
    await t.drop();
  });

  it('raw samples and the 1-minute rollup both add up every increase, resets included', async () => {
    const T0 = Math.floor((Date.now() / 1000 - 7200) / 3600) * 3600;
    // Per point: an increment, a drop to a small value, or a restart (new start time). The
    // rollup is exact for one drop or restart per minute (docs/metrics.md), so the generated
    // series has at most one per minute, and drops only from values above any later climb.
    const event = fc.oneof(
      {
        weight: 8,
        arbitrary: fc.record({ kind: fc.constant('inc' as const), n: fc.integer({ min: 0, max: 50 }) }),
      },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('drop' as const), n: fc.integer({ min: 0, max: 5 }) }),
      },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('restart' as const), n: fc.integer({ min: 0, max: 5 }) }),
      },
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(event, { minLength: 10, maxLength: 120 }), async (events) => {
        run++;
        const metric = `prop_counter_${run}`;
        const fp = 1000 + run;
        let start = T0 - 86_400;
        let value = 1000;
        const rows: string[] = [];
        let expected = 0;
        let resetInMinute = -1;
        events.forEach((e, i) => {
          const prev = { start, value };
          const minute = Math.floor(i / 6);
          const reset =
            i > 0 && e.kind !== 'inc' && resetInMinute !== minute && (e.kind === 'restart' || value >= 300);
          if (!reset) value += e.n;
          else if (e.kind === 'drop') value = e.n;
          else {
            start = T0 + i * 10 - 1;
            value = e.n;
          }
          if (reset) resetInMinute = minute;
          if (i > 0) expected += counterIncrease(prev, { start, value });
          const t = T0 + i * 10;
          rows.push(
            `(${i}, '${metric}', ${fp}, toDateTime(${t}), ${BigInt(t) * 1_000_000_000n}, ${BigInt(start) * 1_000_000_000n}, 0, ${value}, 0, nan, nan, nan, [], [], 0, 0, 0, [], 0, [], [], [])`,
          );
        });
        const seen = T0 + 600;
        await t.db.command(
          sql`INSERT INTO metric_series (fingerprint, metric_name, metric_type, temporality, is_monotonic, service_name, last_seen, first_seen)
              VALUES (${fp}, ${metric}, 'sum', 2, 1, 'prop', toDateTime(${seen}), toDateTime(${seen}))`,
        );
        await t.db.command({ text: `INSERT INTO metric_samples VALUES ${rows.join(', ')}` } as never);
        const to = String((T0 + 3600) * 1000);
        // One window holding every point but the first (the baseline of a long-running series).
        const window = await queryMetric(t.db, LOCAL_ADMIN, {
          metric,
          from: String((T0 + 10) * 1000),
          to,
          step: 3600,
          aggregation: 'increase',
          matchers: [],
          groupBy: [],
        });
        expect(window.source).toBe('raw');
        expect(window.series[0]?.values[0] ?? 0).toBeCloseTo(expected, 6);
        // Minute steps from raw samples and from the 1-minute rollup: the same, step by step.
        const [raw, rollup] = await Promise.all(
          (['raw', '1m'] as const).map((source) =>
            queryMetric(
              t.db,
              LOCAL_ADMIN,
              {
                metric,
                from: String(T0 * 1000),
                to,
                step: 60,
                aggregation: 'increase',
                matchers: [],
                groupBy: [],
              },
              undefined,
              { source },
            ),
          ),
        );
        const rawValues = raw?.series[0]?.values ?? [];
        expect(rawValues.reduce<number>((a, x) => a + (x ?? 0), 0)).toBeCloseTo(expected, 6);
        rollup?.series[0]?.values.forEach((v, i) => {
          expect(v ?? 0, `minute ${i}`).toBeGreaterThanOrEqual(0);
          expect(v ?? 0, `minute ${i}`).toBeCloseTo(rawValues[i] ?? 0, 6);
        });
      }),
      { numRuns: 12 },
    );
  });
});

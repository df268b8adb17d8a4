import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exposureNeeded, hasPower, mannWhitney, rateRatioTest } from '../../src/verify/index.ts';
import { logNormalQuantile } from '../../src/verify/histogram-quantile.ts';

/**
 * The statistical building blocks against reference values computed with
 * SciPy 1.17 (binomtest and its exact proportion_ci, mannwhitneyu): R's
 * poisson.test and wilcox.test give the same numbers.
 */
describe('rateRatioTest (exact conditional Poisson test)', () => {
  it('matches poisson.test / binomtest reference values', () => {
    const a = rateRatioTest(30, 10000, 15, 10000, 'greater');
    expect(a.ratio).toBeCloseTo(2, 10);
    expect(a.pValue).toBeCloseTo(0.017848901777597348, 10);
    expect(a.ciLow).toBeCloseTo(1.0428857370194897, 6);
    expect(a.ciHigh).toBeCloseTo(3.9998578037766945, 5);

    const b = rateRatioTest(290, 10000, 40, 10000, 'greater');
    expect(b.pValue / 3.039562266180758e-48).toBeCloseTo(1, 4);
    expect(b.ciLow).toBeCloseTo(5.1964730739509015, 5);
    expect(b.ciHigh).toBeCloseTo(10.360460669817446, 5);

    const c = rateRatioTest(700, 3600, 1000, 3600, 'less');
    expect(c.pValue / 1.7926307859692446e-13).toBeCloseTo(1, 4);
    expect(c.ciLow).toBeCloseTo(0.6346413121777464, 6);
    expect(c.ciHigh).toBeCloseTo(0.7717603457211754, 6);
  });

  it('handles zero counts exactly', () => {
    const a = rateRatioTest(3, 100, 0, 100, 'greater');
    expect(a.ratio).toBeNull();
    expect(a.pValue).toBeCloseTo(0.125, 12);
    expect(a.ciLow).toBeCloseTo(0.413231355030894, 6);
    expect(a.ciHigh).toBeNull();
    const b = rateRatioTest(0, 500, 2, 500, 'greater');
    expect(b.pValue).toBe(1);
    expect(b.ciLow).toBe(0);
    expect(b.ciHigh).toBeCloseTo(5.324555320337796, 6);
    expect(rateRatioTest(0, 10, 0, 10, 'greater').pValue).toBe(1);
  });

  it('p in [0, 1], the interval holds the estimate, more candidate events never look less worse', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1, max: 100_000 }),
        (x, y, t, s) => {
          const r = rateRatioTest(x, t, y, s, 'greater');
          expect(r.pValue).toBeGreaterThanOrEqual(0);
          expect(r.pValue).toBeLessThanOrEqual(1);
          expect(r.ciLow ?? 0).toBeLessThanOrEqual((r.ratio as number) * (1 + 1e-9));
          if (r.ciHigh !== null) expect(r.ciHigh).toBeGreaterThanOrEqual((r.ratio as number) * (1 - 1e-9));
          const more = rateRatioTest(x + 1, t, y, s, 'greater');
          expect(more.pValue).toBeLessThanOrEqual(r.pValue + 1e-12);
          expect(more.ratio as number).toBeGreaterThan(r.ratio as number);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('mannWhitney', () => {
  it('matches scipy.stats.mannwhitneyu (exact, no ties)', () => {
    const r = mannWhitney([1.1, 2.3, 0.7, 1.9, 1.5, 2.8, 0.9], [2.5, 3.1, 1.8, 2.9, 3.6, 2.2]);
    expect(r.exact).toBe(true);
    expect(r.u).toBe(36);
    expect(r.pValue).toBeCloseTo(0.01748251748251748, 12);
  });

  it('matches scipy.stats.mannwhitneyu (normal approximation with ties and continuity)', () => {
    const r = mannWhitney([1, 2, 2, 3, 3, 3, 4], [2, 3, 4, 4, 5, 5]);
    expect(r.exact).toBe(false);
    expect(r.u).toBe(33.5);
    expect(r.pValue).toBeCloseTo(0.03913121473857309, 10);
  });

  it('estimates a constant shift exactly (Hodges-Lehmann) inside its interval', () => {
    const base = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const r = mannWhitney(
      base,
      base.map((v) => v + 0.5),
    );
    expect(r.shift).toBeCloseTo(0.5, 12);
    expect(r.shiftLow).toBeLessThanOrEqual(0.5);
    expect(r.shiftHigh).toBeGreaterThanOrEqual(0.5);
  });

  it('p in [0, 1], interval holds the shift, raising a candidate value never lowers U', () => {
    const values = fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 1, maxLength: 25 });
    fc.assert(
      fc.property(values, values, fc.nat(), (a, b, k) => {
        const r = mannWhitney(a, b);
        expect(r.pValue).toBeGreaterThanOrEqual(0);
        expect(r.pValue).toBeLessThanOrEqual(1);
        expect(r.shiftLow).toBeLessThanOrEqual(r.shift);
        expect(r.shiftHigh).toBeGreaterThanOrEqual(r.shift);
        const raised = [...b];
        raised[k % b.length] = (raised[k % b.length] as number) + 50;
        expect(mannWhitney(a, raised).u).toBeGreaterThanOrEqual(r.u);
      }),
      { numRuns: 200 },
    );
  });
});

describe('power and minimum samples', () => {
  const base = {
    baseRate: 0.005,
    baseExposure: 90_000,
    effectRatio: 2,
    alternative: 'greater' as const,
    alpha: 0.01,
    power: 0.8,
  };

  it('10 minutes at 50 req/s detect a doubling of a 0.5% error rate; 2 minutes at 0.2 req/s do not', () => {
    expect(hasPower({ ...base, candidateExposure: 30_000 })).toBe(true);
    expect(hasPower({ ...base, candidateExposure: 120 })).toBe(false);
  });

  it('says how much more is needed, and that much is enough', () => {
    const input = { ...base, candidateExposure: 500 };
    const more = exposureNeeded(input);
    expect(more.candidate).toBeGreaterThan(0);
    expect(more.baseline).toBe(0);
    expect(hasPower({ ...input, candidateExposure: 500 + more.candidate })).toBe(true);
    expect(hasPower({ ...input, candidateExposure: 500 + more.candidate * 0.9 })).toBe(false);
  });

  it('asks for a longer baseline when the baseline alone is too thin', () => {
    const more = exposureNeeded({ ...base, baseExposure: 360, candidateExposure: 120, baseRate: 0.01 });
    expect(more.baseline).toBeGreaterThan(0);
    expect(more.candidate).toBeGreaterThan(0);
  });
});

describe('logNormalQuantile', () => {
  it('is exact for a log-normal histogram on the OpenTelemetry buckets', async () => {
    const { default: lognormalCdf } = await import('@stdlib/stats-base-dists-lognormal-cdf');
    const bounds = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
    for (const median of [0.05, 0.1, 0.2, 0.4]) {
      let prev = 0;
      const counts = bounds.map((b) => {
        const c = lognormalCdf(b, Math.log(median), 0.6) * 1e6;
        const d = c - prev;
        prev = c;
        return d;
      });
      counts.push(1e6 - prev);
      const p95 = median * Math.exp(0.6 * 1.6448536269514722);
      expect(logNormalQuantile(0.95, bounds, counts)).toBeCloseTo(p95, 6);
    }
  });

  it('is monotone in q and stays inside the bounds', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 1000 }), { minLength: 4, maxLength: 4 }), (counts) => {
        const bounds = [0.1, 0.25, 0.5];
        let last = -Infinity;
        for (const q of [0.1, 0.5, 0.9, 0.95, 0.99]) {
          const v = logNormalQuantile(q, bounds, counts);
          if (v === null) return;
          expect(v).toBeGreaterThanOrEqual(last - 1e-12);
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(0.5);
          last = v;
        }
      }),
      { numRuns: 200 },
    );
  });
});

/**
 * The exact conditional test for the ratio of two Poisson rates (R's
 * `poisson.test(c(x, y), c(T, S))`): given x + y events, x is binomial with
 * p0 = T / (T + S) when the rates are equal. The p-value is a binomial tail,
 * the confidence interval for the ratio comes from the Clopper-Pearson
 * interval of the binomial proportion. Exact for small counts (no normal
 * approximation breaking down at 0, 1, 2 errors) and a test on counts, not on
 * per-minute ratios. Distributions from @stdlib (binomial CDF, beta quantile).
 */
import binomialCdf from '@stdlib/stats-base-dists-binomial-cdf';
import betaQuantile from '@stdlib/stats-base-dists-beta-quantile';

export type Alternative = 'greater' | 'less';

export interface RateRatioResult {
  /** (x / T) / (y / S); null when y = 0 (an infinite or undefined ratio). */
  ratio: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  confidence: number;
  /** One-sided p-value for the alternative. */
  pValue: number;
}

/**
 * Compares the candidate's rate x / T with the baseline's y / S.
 * `alternative` 'greater': is the candidate's rate higher; 'less': lower.
 * `confidence` is the two-sided level of the reported interval.
 */
export function rateRatioTest(
  x: number,
  exposureX: number,
  y: number,
  exposureY: number,
  alternative: Alternative,
  confidence = 0.95,
): RateRatioResult {
  const n = x + y;
  const p0 = exposureX / (exposureX + exposureY);
  let pValue = 1;
  if (n > 0) {
    // P(X ≥ x) as the lower tail of the complement, P(n − X ≤ n − x), so tiny p-values do not cancel to 0.
    pValue =
      alternative === 'greater' ? (x === 0 ? 1 : binomialCdf(n - x, n, 1 - p0)) : binomialCdf(x, n, p0);
  }
  pValue = Math.min(1, Math.max(0, pValue));
  const ratio = y === 0 ? null : x / exposureX / (y / exposureY);
  if (n === 0) return { ratio, ciLow: null, ciHigh: null, confidence, pValue };
  const a = (1 - confidence) / 2;
  const pLow = x === 0 ? 0 : betaQuantile(a, x, n - x + 1);
  const pHigh = x === n ? 1 : betaQuantile(1 - a, x + 1, n - x);
  const scale = exposureY / exposureX;
  const toRatio = (p: number): number | null => (p >= 1 ? null : (p / (1 - p)) * scale);
  return { ratio, ciLow: toRatio(pLow), ciHigh: toRatio(pHigh), confidence, pValue };
}

/**
 * The Mann-Whitney U (Wilcoxon rank-sum) test with the Hodges-Lehmann shift
 * estimate and its confidence interval, as R's `wilcox.test(y, x, conf.int =
 * TRUE)` computes them and as Kayenta's judge uses them (there: 98%
 * confidence, both directions). The exact null distribution is used for up
 * to 50 values a side without ties, otherwise the normal approximation with
 * tie and continuity corrections (R's rule). No maintained, typed npm
 * package offers this test, so the rank arithmetic is here; the normal
 * distribution comes from @stdlib.
 */
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';

export interface MannWhitneyResult {
  /** U of the candidate: pairs where it is higher, ties counting one half. */
  u: number;
  /** One-sided p-value for "the candidate is higher". */
  pValue: number;
  /** Hodges-Lehmann estimate of the shift candidate − baseline (median of pairwise differences). */
  shift: number;
  shiftLow: number;
  shiftHigh: number;
  confidence: number;
  exact: boolean;
}

const countCache = new Map<string, Float64Array>();

/** Number of arrangements of m and n values giving each U = 0…mn (the exact null distribution, unnormalised). */
function uCounts(m: number, n: number): Float64Array {
  const key = `${m},${n}`;
  const cached = countCache.get(key);
  if (cached) return cached;
  // f[i][j][u] = f[i-1][j][u-j] + f[i][j-1][u], built over j for each i.
  let prev: Float64Array[] = [];
  for (let j = 0; j <= n; j++) prev.push(Float64Array.of(1));
  for (let i = 1; i <= m; i++) {
    const cur: Float64Array[] = [Float64Array.of(1)];
    for (let j = 1; j <= n; j++) {
      const row = new Float64Array(i * j + 1);
      const left = cur[j - 1] as Float64Array;
      const up = prev[j] as Float64Array;
      for (let u = 0; u < left.length; u++) row[u] = (row[u] as number) + (left[u] as number);
      for (let u = 0; u < up.length; u++) row[u + j] = (row[u + j] as number) + (up[u] as number);
      cur.push(row);
    }
    prev = cur;
  }
  const result = prev[n] as Float64Array;
  countCache.set(key, result);
  return result;
}

/** P(U ≥ u) under the null, exact. */
function exactUpperTail(m: number, n: number, u: number): number {
  const counts = uCounts(m, n);
  let total = 0;
  let tail = 0;
  for (let k = 0; k < counts.length; k++) {
    total += counts[k] as number;
    if (k >= u) tail += counts[k] as number;
  }
  return tail / total;
}

/** Smallest k with P(U ≤ k) ≥ a (R's qwilcox). */
function exactLowerQuantile(m: number, n: number, a: number): number {
  const counts = uCounts(m, n);
  let total = 0;
  for (const c of counts) total += c;
  let cum = 0;
  for (let k = 0; k < counts.length; k++) {
    cum += counts[k] as number;
    if (cum / total >= a) return k;
  }
  return counts.length - 1;
}

/**
 * Tests whether `candidate` tends to be higher than `baseline`.
 * `confidence` is the two-sided level of the shift interval (0.98 as Kayenta).
 */
export function mannWhitney(
  baseline: readonly number[],
  candidate: readonly number[],
  confidence = 0.98,
): MannWhitneyResult {
  const m = baseline.length;
  const n = candidate.length;
  if (m === 0 || n === 0) throw new RangeError('mannWhitney needs values on both sides');
  // Ranks of the pooled sample, ties sharing their mean rank.
  const pooled = [...baseline.map((v) => ({ v, c: false })), ...candidate.map((v) => ({ v, c: true }))].sort(
    (a, b) => a.v - b.v,
  );
  let rankSum = 0;
  let tieTerm = 0;
  for (let i = 0; i < pooled.length;) {
    let j = i;
    while (j + 1 < pooled.length && (pooled[j + 1] as { v: number }).v === (pooled[i] as { v: number }).v)
      j++;
    const rank = (i + j) / 2 + 1;
    const t = j - i + 1;
    if (t > 1) tieTerm += t * t * t - t;
    for (let k = i; k <= j; k++) if ((pooled[k] as { c: boolean }).c) rankSum += rank;
    i = j + 1;
  }
  const u = rankSum - (n * (n + 1)) / 2;
  const exact = m <= 50 && n <= 50 && tieTerm === 0;
  const mean = (m * n) / 2;
  const sd = Math.sqrt(((m * n) / 12) * (m + n + 1 - tieTerm / ((m + n) * (m + n - 1))));
  let pValue: number;
  if (exact) pValue = exactUpperTail(m, n, Math.round(u));
  else if (sd === 0) pValue = 1;
  else pValue = 1 - normalCdf((u - mean - 0.5) / sd, 0, 1);
  pValue = Math.min(1, Math.max(0, pValue));

  const diffs: number[] = [];
  for (const c of candidate) for (const b of baseline) diffs.push(c - b);
  diffs.sort((a, b) => a - b);
  const mid = diffs.length / 2;
  const shift =
    diffs.length % 2
      ? (diffs[Math.floor(mid)] as number)
      : ((diffs[mid - 1] as number) + (diffs[mid] as number)) / 2;
  const a = (1 - confidence) / 2;
  // k: the number of differences cut from each end (R: qwilcox(a, m, n), or its normal approximation).
  // R: diffs[qu] and diffs[mn - qu + 1], 1-indexed, with qu = max(qwilcox(a), 1).
  let k = exact
    ? Math.max(exactLowerQuantile(m, n, a), 1) - 1
    : Math.floor(mean - normalQuantile(1 - a, 0, 1) * sd);
  k = Math.min(Math.max(k, 0), Math.floor((diffs.length - 1) / 2));
  return {
    u,
    pValue,
    shift,
    shiftLow: diffs[k] as number,
    shiftHigh: diffs[diffs.length - 1 - k] as number,
    confidence,
    exact,
  };
}

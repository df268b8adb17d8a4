/**
 * The pure arithmetic of metric queries: counter increases with resets,
 * histogram quantiles by bucket interpolation, exponential histograms, and
 * merging histograms whose bucket bounds differ. The SQL builders implement
 * the same rules in ClickHouse for the fast paths (docs/metrics.md); these are
 * the reference, used for exponential histograms and in property tests.
 */

/** One cumulative counter sample: its value and the start of its counting interval (0: unknown). */
export interface CounterSample {
  start: number;
  value: number;
}

/**
 * The increase from one sample to the next. A reset (a value lower than the
 * previous one, or a changed start time) restarts the count from zero, so
 * the increase is the new value. Never negative for non-negative values.
 */
export function counterIncrease(prev: CounterSample, cur: CounterSample): number {
  if (cur.start !== prev.start || cur.value < prev.value) return Math.max(0, cur.value);
  return cur.value - prev.value;
}

/** An explicit-bucket histogram: counts[i] holds values in (bounds[i-1], bounds[i]]; the last count is +Inf. */
export interface ExplicitHistogram {
  bounds: number[];
  counts: number[];
}

/**
 * The q-quantile of an explicit-bucket histogram, Prometheus histogram_quantile
 * style: find the bucket holding rank q × total and interpolate linearly
 * within it. The first bucket's lower edge is 0 when its upper bound is
 * positive (values are assumed non-negative, as for durations and sizes),
 * else the quantile is that bound. A rank in the +Inf bucket answers the
 * highest finite bound: nothing is known above it. Null when the histogram is
 * empty or has no finite bound.
 */
export function histogramQuantile(q: number, h: ExplicitHistogram): number | null {
  const n = h.bounds.length;
  if (n === 0) return null;
  let total = 0;
  for (let i = 0; i <= n; i++) total += Math.max(0, h.counts[i] ?? 0);
  if (!(total > 0)) return null;
  const rank = Math.min(1, Math.max(0, q)) * total;
  let cumulative = 0;
  for (let i = 0; i < n; i++) {
    const count = Math.max(0, h.counts[i] ?? 0);
    if (cumulative + count >= rank && count > 0) {
      const upper = h.bounds[i] as number;
      const lower = i === 0 ? (upper > 0 ? 0 : upper) : (h.bounds[i - 1] as number);
      return lower + (upper - lower) * ((rank - cumulative) / count);
    }
    cumulative += count;
  }
  // The rank lies in the +Inf bucket (or only empty buckets precede it).
  return h.bounds[n - 1] as number;
}

/** Cumulative count at x of a histogram read as a piecewise-linear distribution function. */
function cumulativeAt(h: ExplicitHistogram, x: number): number {
  const n = h.bounds.length;
  let below = 0;
  for (let i = 0; i < n; i++) {
    const upper = h.bounds[i] as number;
    const lower = i === 0 ? Math.min(0, upper) : (h.bounds[i - 1] as number);
    const count = h.counts[i] ?? 0;
    if (x >= upper) {
      below += count;
      continue;
    }
    if (x > lower && upper > lower) below += (count * (x - lower)) / (upper - lower);
    return below;
  }
  return below;
}

function sameBounds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Adds histograms. With equal bounds the counts add exactly; otherwise each is
 * re-bucketed to the union of all bounds by linear interpolation within its
 * buckets (the same assumption the quantile makes), and the +Inf counts add.
 */
export function mergeHistograms(parts: readonly ExplicitHistogram[]): ExplicitHistogram | null {
  const nonEmpty = parts.filter((p) => p.counts.length > 0);
  const first = nonEmpty[0];
  if (!first) return null;
  if (nonEmpty.every((p) => sameBounds(p.bounds, first.bounds))) {
    const counts = first.bounds.map(() => 0).concat(0);
    for (const p of nonEmpty) for (let i = 0; i < counts.length; i++) counts[i]! += p.counts[i] ?? 0;
    return { bounds: [...first.bounds], counts };
  }
  const bounds = [...new Set(nonEmpty.flatMap((p) => p.bounds))].sort((a, b) => a - b);
  const cumulative = bounds.map((b) => nonEmpty.reduce((acc, p) => acc + cumulativeAt(p, b), 0));
  const total = nonEmpty.reduce((acc, p) => acc + p.counts.reduce((a, c) => a + c, 0), 0);
  const counts = cumulative.map((c, i) => Math.max(0, c - (i === 0 ? 0 : (cumulative[i - 1] as number))));
  counts.push(Math.max(0, total - (cumulative[cumulative.length - 1] ?? 0)));
  return { bounds, counts };
}

/**
 * An exponential histogram (OTLP): bucket index i at scale s holds values in
 * (base^i, base^(i+1)] with base = 2^(2^-s); negative buckets mirror that;
 * zeroCount holds values that are (about) zero.
 */
export interface ExpHistogram {
  scale: number;
  zeroCount: number;
  positive: { offset: number; counts: number[] };
  negative: { offset: number; counts: number[] };
}

export const EMPTY_EXP: ExpHistogram = {
  scale: 20,
  zeroCount: 0,
  positive: { offset: 0, counts: [] },
  negative: { offset: 0, counts: [] },
};

function isEmptyExp(h: ExpHistogram): boolean {
  return h.zeroCount === 0 && h.positive.counts.length === 0 && h.negative.counts.length === 0;
}

/** Buckets moved to a coarser scale: index i becomes floor(i / 2^(from - to)). Exact. */
function downscale(
  buckets: { offset: number; counts: number[] },
  from: number,
  to: number,
): Map<number, number> {
  const out = new Map<number, number>();
  const factor = 2 ** (from - to);
  buckets.counts.forEach((c, i) => {
    if (c === 0) return;
    const index = Math.floor((buckets.offset + i) / factor);
    out.set(index, (out.get(index) ?? 0) + c);
  });
  return out;
}

function fromMap(m: Map<number, number>): { offset: number; counts: number[] } {
  if (m.size === 0) return { offset: 0, counts: [] };
  const keys = [...m.keys()];
  const lo = Math.min(...keys);
  const hi = Math.max(...keys);
  const counts = new Array<number>(hi - lo + 1).fill(0);
  for (const [k, v] of m) counts[k - lo] = v;
  return { offset: lo, counts };
}

/** Combines exponential histograms at the coarsest scale among them: add (sign 1) or subtract (sign -1, floored at 0). */
export function combineExp(a: ExpHistogram, b: ExpHistogram, sign: 1 | -1): ExpHistogram {
  if (isEmptyExp(b)) return a;
  if (isEmptyExp(a) && sign === 1) return b;
  const scale = Math.min(a.scale, b.scale);
  const side = (key: 'positive' | 'negative') => {
    const m = downscale(a[key], a.scale, scale);
    for (const [k, v] of downscale(b[key], b.scale, scale)) m.set(k, Math.max(0, (m.get(k) ?? 0) + sign * v));
    return fromMap(m);
  };
  return {
    scale,
    zeroCount: Math.max(0, a.zeroCount + sign * b.zeroCount),
    positive: side('positive'),
    negative: side('negative'),
  };
}

/**
 * The q-quantile of an exponential histogram: the bucket holding rank
 * q × total (negative buckets first, most negative first; then the zero
 * bucket, as 0; then positive ascending), interpolated linearly between the
 * bucket's bounds. Null when empty.
 */
export function expHistogramQuantile(q: number, h: ExpHistogram): number | null {
  const neg = h.negative.counts.reduce((a, c) => a + c, 0);
  const pos = h.positive.counts.reduce((a, c) => a + c, 0);
  const total = neg + h.zeroCount + pos;
  if (!(total > 0)) return null;
  const rank = Math.min(1, Math.max(0, q)) * total;
  const base = 2 ** (2 ** -h.scale);
  let cumulative = 0;
  for (let i = h.negative.counts.length - 1; i >= 0; i--) {
    const count = h.negative.counts[i] as number;
    if (count > 0 && cumulative + count >= rank) {
      const index = h.negative.offset + i;
      const lower = -(base ** (index + 1));
      const upper = -(base ** index);
      return lower + (upper - lower) * ((rank - cumulative) / count);
    }
    cumulative += count;
  }
  if (h.zeroCount > 0 && cumulative + h.zeroCount >= rank) return 0;
  cumulative += h.zeroCount;
  for (let i = 0; i < h.positive.counts.length; i++) {
    const count = h.positive.counts[i] as number;
    if (count > 0 && cumulative + count >= rank) {
      const index = h.positive.offset + i;
      const lower = base ** index;
      const upper = base ** (index + 1);
      return lower + (upper - lower) * ((rank - cumulative) / count);
    }
    cumulative += count;
  }
  // Rounding left the rank past the last bucket: its upper bound.
  const last = h.positive.offset + h.positive.counts.length;
  return h.positive.counts.length > 0 ? base ** last : 0;
}

/**
 * A summary's q-quantile from its reported quantiles: the value reported for
 * q, or for the nearest reported quantile (the lower one on a tie).
 */
export function summaryQuantile(
  q: number,
  quantiles: readonly number[],
  values: readonly number[],
): number | null {
  let best = -1;
  for (let i = 0; i < quantiles.length; i++) {
    const d = Math.abs((quantiles[i] as number) - q);
    const bestD = best < 0 ? Infinity : Math.abs((quantiles[best] as number) - q);
    if (d < bestD || (d === bestD && (quantiles[i] as number) < (quantiles[best] as number))) best = i;
  }
  if (best < 0) return null;
  const v = values[best];
  return v === undefined || !Number.isFinite(v) ? null : v;
}

/** The quantile an aggregation name stands for (p50 → 0.5), or undefined. */
export function quantileOf(aggregation: string): number | undefined {
  const m = /^p(\d{2})$/.exec(aggregation);
  return m ? Number(m[1]) / 100 : undefined;
}

/**
 * The latency signal (p95 by default). Consecutive steps are pooled into
 * groups of at least minRequestsPerGroup requests (at 50 req/s every
 * one-minute step is a group; at low traffic several steps make one), each
 * group's quantile is read from its histogram on the log-normal scale
 * (histogram-quantile.ts), and the log quantiles of the groups are compared with a
 * one-sided Mann-Whitney U test with the Hodges-Lehmann shift and its 98%
 * interval (mann-whitney.ts), as Kayenta's judge does with per-step values.
 * The signal fails when the test is significant and the estimated ratio
 * reaches minRatio; with fewer than minGroups groups on a side it is
 * inconclusive and says how many more requests would complete them.
 */
import { formatAbout, formatCount, formatEffect, formatNeeded, formatSeconds } from './format.ts';
import { logNormalQuantile } from './histogram-quantile.ts';
import { mannWhitney } from './mann-whitney.ts';
import type { Needed, SignalResult, Status, VerifyConfig, WindowData } from './types.ts';

export const LATENCY_TEST =
  'one-sided Mann-Whitney U test on per-group quantiles (log scale), Hodges-Lehmann ratio with 98% CI';

export interface LatencyGroups {
  /** Quantile of each group, seconds. */
  quantiles: number[];
  /** Quantile of the whole window's pooled histogram, seconds. */
  pooled: number | null;
  requests: number;
}

function sumInto(target: number[], counts: readonly number[]): void {
  for (let i = 0; i < counts.length; i++) target[i] = (target[i] ?? 0) + (counts[i] ?? 0);
}

/** Pools consecutive steps into groups of at least minRequests requests; a short tail joins the last group. */
export function latencyGroups(window: WindowData, quantile: number, minRequests: number): LatencyGroups {
  const bounds = window.latency.bounds;
  const steps = [...window.latency.steps].sort((a, b) => a.start - b.start);
  const groups: number[][] = [];
  const pooled: number[] = [];
  let current: number[] = [];
  let currentCount = 0;
  let requests = 0;
  for (const step of steps) {
    sumInto(current, step.counts);
    sumInto(pooled, step.counts);
    const n = step.counts.reduce((s, x) => s + x, 0);
    currentCount += n;
    requests += n;
    if (currentCount >= minRequests) {
      groups.push(current);
      current = [];
      currentCount = 0;
    }
  }
  if (currentCount > 0 && groups.length > 0) sumInto(groups[groups.length - 1] as number[], current);
  const quantiles: number[] = [];
  for (const counts of groups) {
    const q = logNormalQuantile(quantile, bounds, counts);
    if (q !== null) quantiles.push(q);
  }
  return { quantiles, pooled: logNormalQuantile(quantile, bounds, pooled), requests };
}

export function judgeLatency(
  baseline: WindowData,
  candidate: WindowData,
  config: VerifyConfig['latency'],
): SignalResult {
  const b = latencyGroups(baseline, config.quantile, config.minRequestsPerGroup);
  const c = latencyGroups(candidate, config.quantile, config.minRequestsPerGroup);
  const name = `p${Math.round(config.quantile * 100)} latency`;
  const enough = b.quantiles.length >= config.minGroups && c.quantiles.length >= config.minGroups;
  const confidence = 1 - 2 * config.alpha;
  const test = enough
    ? mannWhitney(
        b.quantiles.map((q) => Math.log(Math.max(q, 1e-9))),
        c.quantiles.map((q) => Math.log(Math.max(q, 1e-9))),
        confidence,
      )
    : null;
  const ratio = test ? Math.exp(test.shift) : null;

  let status: Status;
  let needed: Needed | null = null;
  if (test && test.pValue < config.alpha && (ratio ?? 0) >= config.minRatio) status = 'fail';
  else if (test) status = 'pass';
  else {
    status = 'inconclusive';
    const target = config.minGroups * config.minRequestsPerGroup;
    const moreC = Math.max(0, target - c.requests);
    const moreB = Math.max(0, target - b.requests);
    const perMinute = c.requests / (candidate.durationSeconds / 60);
    needed = {
      candidateRequests: Math.ceil(moreC),
      candidateMinutes: perMinute > 0 ? moreC / perMinute : null,
      baselineRequests: Math.ceil(moreB),
    };
  }

  const values =
    b.pooled !== null && c.pooled !== null
      ? `${formatSeconds(b.pooled)} → ${formatSeconds(c.pooled)}`
      : 'no latency to compare';
  const effect = test
    ? `${formatEffect(ratio, Math.exp(test.shiftLow), Math.exp(test.shiftHigh), confidence)}, `
    : '';
  const groups = `${c.quantiles.length} vs ${b.quantiles.length} groups of ≥${formatAbout(config.minRequestsPerGroup)} requests, ${formatCount(c.requests)} requests`;
  const tail = status === 'inconclusive' && needed ? `inconclusive: ${formatNeeded(needed)}` : status;
  return {
    signal: 'latency',
    status,
    required: config.required,
    test: LATENCY_TEST,
    baseline: { value: b.pooled, requests: b.requests, groups: b.quantiles.length },
    candidate: { value: c.pooled, requests: c.requests, groups: c.quantiles.length },
    effect: test
      ? {
          ratio,
          ciLow: Math.exp(test.shiftLow),
          ciHigh: Math.exp(test.shiftHigh),
          confidence,
          difference: b.pooled !== null && c.pooled !== null ? c.pooled - b.pooled : null,
        }
      : null,
    pValue: test?.pValue ?? null,
    needed,
    sentence: `${name} ${values} (${effect}${groups}) — ${tail}`,
  };
}

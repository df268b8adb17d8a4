/**
 * The error-rate signal: 5xx responses out of requests, compared on counts
 * with the exact conditional Poisson rate-ratio test (rate-ratio.ts), one
 * sided ("worse"), and failing only when the effect is also practically large
 * (a ratio of at least minRatio and a rise of at least minAbsoluteIncrease).
 * Too little traffic to detect that effect with the configured power makes
 * the signal inconclusive, with the requests still needed (power.ts).
 */
import { formatCount, formatEffect, formatNeeded, formatPercent } from './format.ts';
import { exposureNeeded } from './power.ts';
import { rateRatioTest } from './rate-ratio.ts';
import type { Needed, SignalResult, Status, TrafficStep, VerifyConfig, WindowData } from './types.ts';

export const ERROR_RATE_TEST =
  'exact conditional Poisson rate-ratio test on error and request counts (one-sided), counts divided by the baseline dispersion, Clopper-Pearson 95% CI';

/**
 * Overdispersion of the baseline's per-step error counts: the squared robust
 * spread (1.4826 × median absolute deviation) of the steps' Pearson
 * residuals around the pooled error ratio, the quasi-Poisson scale estimated
 * so that one burst minute does not dominate it; at least 1, and 1 with
 * fewer than 5 steps or no errors. Real error rates wander from minute to
 * minute more than a Poisson process does, and a test that ignores it is
 * too sure of itself.
 */
export function errorDispersion(steps: readonly TrafficStep[]): number {
  const used = steps.filter((s) => s.requests > 0);
  if (used.length < 5) return 1;
  let requests = 0;
  let errors = 0;
  for (const s of used) {
    requests += s.requests;
    errors += Math.min(s.errors, s.requests);
  }
  const p = errors / requests;
  if (!(p > 0 && p < 1)) return 1;
  const residuals = used.map(
    (s) => (Math.min(s.errors, s.requests) - s.requests * p) / Math.sqrt(s.requests * p * (1 - p)),
  );
  const center = median(residuals);
  const mad = median(residuals.map((r) => Math.abs(r - center)));
  return Math.max(1, (1.4826 * mad) ** 2);
}

function totals(window: WindowData): { requests: number; errors: number } {
  let requests = 0;
  let errors = 0;
  for (const step of window.traffic) {
    requests += step.requests;
    errors += Math.min(step.errors, step.requests);
  }
  return { requests, errors };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The candidate's totals without its worst step (highest error ratio): a regression lasts, a burst minute does not. */
function withoutWorstStep(window: WindowData): { requests: number; errors: number } {
  const all = totals(window);
  const steps = window.traffic.filter((s) => s.requests > 0);
  if (steps.length < 3) return all;
  let worst = steps[0] as TrafficStep;
  for (const s of steps) if (s.errors / s.requests > worst.errors / worst.requests) worst = s;
  return {
    requests: all.requests - worst.requests,
    errors: all.errors - Math.min(worst.errors, worst.requests),
  };
}

export function judgeErrorRate(
  baseline: WindowData,
  candidate: WindowData,
  config: VerifyConfig['errorRate'],
): SignalResult {
  const b = totals(baseline);
  const c = totals(candidate);
  const rateB = b.requests > 0 ? b.errors / b.requests : null;
  const rateC = c.requests > 0 ? c.errors / c.requests : null;
  const dispersion = errorDispersion(baseline.traffic);
  // The test runs on effective counts (divided by the dispersion); the ratio stays the observed one.
  const raw =
    b.requests > 0 && c.requests > 0
      ? rateRatioTest(c.errors, c.requests, b.errors, b.requests, 'greater')
      : null;
  const effective =
    raw && dispersion > 1
      ? rateRatioTest(
          Math.round(c.errors / dispersion),
          c.requests,
          Math.round(b.errors / dispersion),
          b.requests,
          'greater',
        )
      : raw;
  const test = raw && effective ? { ...effective, ratio: raw.ratio } : null;
  const difference = rateB !== null && rateC !== null ? rateC - rateB : null;

  const isRegression = (cand: { requests: number; errors: number }): boolean => {
    if (!(b.requests > 0 && cand.requests > 0)) return false;
    const t = rateRatioTest(
      Math.round(cand.errors / dispersion),
      cand.requests,
      Math.round(b.errors / dispersion),
      b.requests,
      'greater',
    );
    const rateDiff = cand.errors / cand.requests - b.errors / b.requests;
    const ratio = b.errors === 0 ? null : cand.errors / cand.requests / (b.errors / b.requests);
    return (
      t.pValue < config.alpha &&
      rateDiff >= config.minAbsoluteIncrease &&
      (ratio === null || ratio >= config.minRatio)
    );
  };
  // Fail only when the whole window and the window without its worst step both show the regression.
  const regressed = isRegression(c) && isRegression(withoutWorstStep(candidate));

  // Power to detect detectRatio (or the absolute minimum rise, whichever is larger) at the baseline's rate
  // (half an error added so a clean baseline still has one), on effective counts.
  const baseRate = (b.errors + 0.5) / Math.max(b.requests, 1);
  const effectiveRate = baseRate / dispersion;
  const effectRate = Math.max(baseRate * config.detectRatio, baseRate + config.minAbsoluteIncrease);
  const more = exposureNeeded({
    baseRate: effectiveRate,
    baseExposure: b.requests,
    candidateExposure: c.requests,
    effectRatio: effectRate / baseRate,
    alternative: 'greater',
    alpha: config.alpha,
    power: config.power,
  });

  let status: Status;
  let needed: Needed | null = null;
  if (regressed) status = 'fail';
  else if (more.candidate > 0 || more.baseline > 0) {
    status = 'inconclusive';
    const perMinute = c.requests / (candidate.durationSeconds / 60);
    needed = {
      candidateRequests: Math.ceil(more.candidate),
      candidateMinutes: perMinute > 0 ? more.candidate / perMinute : null,
      baselineRequests: Math.ceil(more.baseline),
    };
  } else status = 'pass';

  const values =
    rateB !== null && rateC !== null
      ? `${formatPercent(rateB)} → ${formatPercent(rateC)}`
      : 'no requests to compare';
  const effect = test ? `${formatEffect(test.ratio, test.ciLow, test.ciHigh, test.confidence)}, ` : '';
  const counts = `${formatCount(c.requests)} vs ${formatCount(b.requests)} requests`;
  const tail = status === 'inconclusive' && needed ? `inconclusive: ${formatNeeded(needed)}` : status;
  return {
    signal: 'error_rate',
    status,
    required: config.required,
    test: ERROR_RATE_TEST,
    baseline: { value: rateB, requests: b.requests },
    candidate: { value: rateC, requests: c.requests },
    effect: test
      ? { ratio: test.ratio, ciLow: test.ciLow, ciHigh: test.ciHigh, confidence: test.confidence, difference }
      : null,
    pValue: test?.pValue ?? null,
    needed,
    sentence: `error rate ${values} (${effect}${counts}) — ${tail}`,
  };
}

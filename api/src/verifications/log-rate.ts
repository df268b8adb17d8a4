import { formatEffect, formatMinutes } from '../verify/format.ts';
import { compareRates, exposure } from '../verify/rate-comparison.ts';
import type { Needed, SignalResult, Status, VerifyConfig, WindowData } from '../verify/types.ts';

/**
 * The error signal of a service without request metrics (no HTTP or RPC
 * server duration histogram): error-or-worse log records per second (per
 * instance), compared with the same exact Poisson rate-ratio test as request
 * totals, one-sided for "higher". There is no denominator, so this is a rate
 * of errors, not an error ratio: a traffic surge raises it too, which is why
 * the day-before baseline (same hour of the day) may veto it (judge.ts).
 */
export const ERROR_LOG_RATE_TEST =
  'exact conditional Poisson rate-ratio test on error log records over time (one-sided, greater), Clopper-Pearson 95% CI';

const total = (w: WindowData): number => w.logs.reduce((s, l) => s + l.count, 0);

function perMinute(rate: number): string {
  return `${Number((rate * 60).toPrecision(3))}/min`;
}

export function judgeErrorLogRate(
  baseline: WindowData,
  candidate: WindowData,
  config: VerifyConfig['errorRate'],
): SignalResult {
  const nB = total(baseline);
  const nC = total(candidate);
  const { rateB, rateC, test, more, fields } = compareRates({
    nB,
    nC,
    tB: exposure(baseline),
    tC: exposure(candidate),
    alternative: 'greater',
    effectRatio: config.detectRatio,
    alpha: config.alpha,
    power: config.power,
  });
  const regressed = test.pValue < config.alpha && (test.ratio === null || test.ratio >= config.minRatio);
  let status: Status;
  let needed: Needed | null = null;
  if (regressed && nC > 0) status = 'fail';
  else if (more.candidate > 0 || more.baseline > 0) {
    status = 'inconclusive';
    const instances = candidate.instances ?? 1;
    needed = {
      candidateRequests: 0,
      candidateMinutes: more.candidate / instances / 60,
      baselineRequests: 0,
    };
  } else status = 'pass';
  const tail =
    status === 'inconclusive' && needed?.candidateMinutes != null
      ? `inconclusive: too few error logs to tell; ≈ ${formatMinutes(needed.candidateMinutes)} are needed`
      : status;
  return {
    signal: 'error_rate',
    status,
    required: config.required,
    test: ERROR_LOG_RATE_TEST,
    ...fields,
    needed,
    sentence: `error log rate ${perMinute(rateB)} → ${perMinute(rateC)} (${formatEffect(test.ratio, test.ciLow, test.ciHigh, test.confidence)}, ${nC} vs ${nB} error logs; no request metrics) — ${tail}`,
  };
}

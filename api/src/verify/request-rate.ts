/**
 * The request-rate signal: did traffic drop after the deploy (clients
 * failing before they reach the service, a broken route, a load balancer
 * taking instances out)? Request totals over the windows' durations (per
 * instance for canaries) are compared with the exact conditional Poisson
 * rate-ratio test, one-sided for "lower"; the signal fails when the drop is
 * significant and the ratio is at most maxRatio (0.7: a 30% drop).
 */
import { formatCount, formatEffect, formatNeeded, formatRate } from './format.ts';
import { compareRates, exposure } from './rate-comparison.ts';
import type { Needed, SignalResult, Status, VerifyConfig, WindowData } from './types.ts';

export const REQUEST_RATE_TEST =
  'exact conditional Poisson rate-ratio test on request totals over time (one-sided, lower), Clopper-Pearson 95% CI';

function requests(window: WindowData): number {
  return window.traffic.reduce((s, step) => s + step.requests, 0);
}

export function judgeRequestRate(
  baseline: WindowData,
  candidate: WindowData,
  config: VerifyConfig['requestRate'],
): SignalResult {
  const nB = requests(baseline);
  const nC = requests(candidate);
  const { rateB, rateC, test, more, fields } = compareRates({
    nB,
    nC,
    tB: exposure(baseline),
    tC: exposure(candidate),
    alternative: 'less',
    effectRatio: config.maxRatio,
    alpha: config.alpha,
    power: config.power,
  });

  let status: Status;
  let needed: Needed | null = null;
  if (test.pValue < config.alpha && test.ratio !== null && test.ratio <= config.maxRatio) status = 'fail';
  else if (more.candidate > 0 || more.baseline > 0) {
    status = 'inconclusive';
    const instances = candidate.instances ?? 1;
    const seconds = more.candidate / instances;
    needed = {
      candidateRequests: Math.ceil(Math.max(seconds * rateC * instances, 1)),
      candidateMinutes: seconds / 60,
      baselineRequests: Math.ceil(more.baseline * rateB),
    };
  } else status = 'pass';

  const effect = formatEffect(test.ratio, test.ciLow, test.ciHigh, test.confidence);
  const tail = status === 'inconclusive' && needed ? `inconclusive: ${formatNeeded(needed)}` : status;
  return {
    signal: 'request_rate',
    status,
    required: config.required,
    test: REQUEST_RATE_TEST,
    ...fields,
    needed,
    sentence: `request rate ${formatRate(rateB)} → ${formatRate(rateC)} (${effect}, ${formatCount(nC)} vs ${formatCount(nB)} requests) — ${tail}`,
  };
}

/**
 * The overall verdict: fail when any signal fails, inconclusive when none
 * fails and a required signal is inconclusive, else pass. Deterministic: the
 * same input and configuration always give the same verdict and sentences.
 */
import { resolveVerifyConfig, type VerifyConfigOverrides } from './config.ts';
import { judgeErrorRate } from './error-rate.ts';
import { judgeLatency } from './latency.ts';
import { judgeLogPatterns } from './log-patterns.ts';
import { judgeRequestRate } from './request-rate.ts';
import type { SignalResult, Status, Verdict, VerifyInput } from './types.ts';

export function combineStatuses(signals: readonly SignalResult[]): Status {
  if (signals.some((s) => s.status === 'fail')) return 'fail';
  if (signals.some((s) => s.required && s.status === 'inconclusive')) return 'inconclusive';
  return 'pass';
}

export function verify(input: VerifyInput, overrides: VerifyConfigOverrides = {}): Verdict {
  const config = resolveVerifyConfig(overrides);
  const { baseline, candidate } = input;
  const signals = [
    judgeErrorRate(baseline, candidate, config.errorRate),
    judgeLatency(baseline, candidate, config.latency),
    judgeRequestRate(baseline, candidate, config.requestRate),
    judgeLogPatterns(baseline, candidate, config.logPatterns),
  ];
  const status = combineStatuses(signals);
  const failing = signals.filter((s) => s.status === 'fail').length;
  const headline =
    status === 'fail'
      ? `fail: ${failing} of ${signals.length} signals regressed`
      : status === 'inconclusive'
        ? 'inconclusive: not enough data for a trustworthy answer yet'
        : `pass: no regression in ${signals.length} signals`;
  return {
    status,
    comparison: input.comparison,
    signals,
    summary: [headline, ...signals.map((s) => `- ${s.sentence}`)].join('\n'),
  };
}

/** Post-deploy verification: the judgement core (pure functions; docs/verification.md). */
export * from './types.ts';
export { DEFAULT_VERIFY_CONFIG, resolveVerifyConfig, type VerifyConfigOverrides } from './config.ts';
export { rateRatioTest, type Alternative, type RateRatioResult } from './rate-ratio.ts';
export { mannWhitney, type MannWhitneyResult } from './mann-whitney.ts';
export { hasPower, exposureNeeded, type PowerInput, type ExposureNeeded } from './power.ts';
export { logPattern, groupPatterns, newPatterns, type PatternGroup } from './patterns.ts';
export { judgeErrorRate, errorDispersion, ERROR_RATE_TEST } from './error-rate.ts';
export { judgeLatency, latencyGroups, LATENCY_TEST, type LatencyGroups } from './latency.ts';
export { judgeRequestRate, REQUEST_RATE_TEST } from './request-rate.ts';
export { judgeLogPatterns, LOG_PATTERNS_TEST } from './log-patterns.ts';
export { verify, combineStatuses } from './verdict.ts';

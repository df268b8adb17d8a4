/**
 * Default thresholds of post-deploy verification (docs/verification.md explains
 * each). Significance is one-sided 1% everywhere: the same as Kayenta's 98%
 * two-sided confidence with a direction check.
 */
import type { VerifyConfig } from './types.ts';

export const DEFAULT_VERIFY_CONFIG: VerifyConfig = {
  errorRate: {
    required: true,
    alpha: 0.01,
    minRatio: 1.4,
    minAbsoluteIncrease: 0.001,
    detectRatio: 2,
    power: 0.8,
  },
  latency: {
    required: true,
    quantile: 0.95,
    alpha: 0.01,
    minRatio: 1.2,
    minRequestsPerGroup: 200,
    minGroups: 5,
  },
  requestRate: { required: true, alpha: 0.01, maxRatio: 0.7, power: 0.8 },
  logPatterns: { required: true, minOccurrences: 5, failAt: 1 },
};

/** Deep partial configuration, merged over the defaults. */
export type VerifyConfigOverrides = { [K in keyof VerifyConfig]?: Partial<VerifyConfig[K]> };

export function resolveVerifyConfig(overrides: VerifyConfigOverrides = {}): VerifyConfig {
  return {
    errorRate: { ...DEFAULT_VERIFY_CONFIG.errorRate, ...overrides.errorRate },
    latency: { ...DEFAULT_VERIFY_CONFIG.latency, ...overrides.latency },
    requestRate: { ...DEFAULT_VERIFY_CONFIG.requestRate, ...overrides.requestRate },
    logPatterns: { ...DEFAULT_VERIFY_CONFIG.logPatterns, ...overrides.logPatterns },
  };
}

import type { Verification } from '../../src/verifications/schemas.ts';
import type { VerifiedSignal } from '../../src/verifications/schemas.ts';

/**
 * A completed verification as the runner's `completed` event carries it (the
 * JSON of GET /api/verifications/:id), with the judgement's sentences.
 */
const PUBLIC_URL = 'https://hub.example.com';

function signal(
  name: VerifiedSignal['signal'],
  status: VerifiedSignal['status'],
  sentence: string,
): VerifiedSignal {
  return {
    signal: name,
    status,
    required: true,
    test: 'exact Poisson rate-ratio test',
    baseline: { value: 0.004, requests: 40_000 },
    candidate: { value: 0.029, requests: 41_000 },
    effect: { ratio: 7.2, ciLow: 4.8, ciHigh: 10.6, confidence: 0.95, difference: 0.025 },
    pValue: 0.0001,
    needed: null,
    sentence,
    chartUrl: `${PUBLIC_URL}/services/checkout?env=production&by=version&signal=${name}`,
    baselineName: 'before',
    alternate: null,
  };
}

export const FAIL_SENTENCES = {
  errorRate: 'error rate 0.4% → 2.9% (×7.2, 95% CI ×4.8–×10.6, 41k requests) — fail',
  latency: 'p95 latency 181 ms → 296 ms (×1.6, 95% CI ×1.6–×1.7) — fail',
  requestRate: 'request rate 50/s → 49.2/s (×0.98) — pass',
  patterns: '1 new error pattern: "<!channel> payment <https://evil.example|click> failed" (80 times) — fail',
};

export function verification(over: {
  id: string;
  version?: string;
  deployId?: string | null;
  state?: 'pass' | 'fail' | 'inconclusive' | 'error';
  service?: string;
  environment?: string;
  startMs?: number;
}): Verification {
  const state = over.state ?? 'fail';
  const start = over.startMs ?? Date.now() - 15 * 60_000;
  const service = over.service ?? 'checkout';
  const environment = over.environment ?? 'production';
  const signals =
    state === 'fail'
      ? [
          signal('error_rate', 'fail', FAIL_SENTENCES.errorRate),
          signal('latency', 'fail', FAIL_SENTENCES.latency),
          signal('request_rate', 'pass', FAIL_SENTENCES.requestRate),
          signal('new_log_patterns', 'fail', FAIL_SENTENCES.patterns),
        ]
      : [
          signal(
            'error_rate',
            'pass',
            'error rate 0.4% → 0.41% (×1.0, 95% CI ×0.9–×1.1, 41k requests) — pass',
          ),
          signal('latency', 'pass', 'p95 latency 181 ms → 183 ms (×1.0) — pass'),
        ];
  const headline =
    state === 'fail' ? 'fail: 3 of 4 signals regressed' : `pass: no regression in ${signals.length} signals`;
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    id: over.id,
    service,
    environment,
    version: over.version ?? '1.5.0',
    deployId: over.deployId === undefined ? null : over.deployId,
    profile: null,
    comparison: 'before-after',
    signals: ['error_rate', 'latency', 'request_rate', 'new_log_patterns'],
    windowSeconds: 600,
    state,
    createdAt: iso(start),
    candidate: { from: iso(start), to: iso(start + 10 * 60_000), version: over.version ?? '1.5.0' },
    baselines: [{ name: 'before', from: iso(start - 10 * 60_000), to: iso(start) }],
    progress: {
      elapsedSeconds: 600,
      windowSeconds: 600,
      fraction: 1,
      candidateRequests: 41_000,
      baselineRequests: 40_000,
      candidateErrorLogs: 80,
      updatedAt: iso(start + 10 * 60_000),
    },
    verdict:
      state === 'error'
        ? null
        : {
            status: state,
            summary: [headline, ...signals.map((s) => `- ${s.sentence}`)].join('\n'),
            source: 'http',
            signals,
            unmeasured: [],
            decidedAt: iso(start + 11 * 60_000),
          },
    error: state === 'error' ? 'telemetry could not be read: ClickHouse unavailable' : null,
    webhook: null,
    argo: { phase: state === 'fail' ? 'Failed' : 'Successful', done: true },
    chartUrl: `${PUBLIC_URL}/services/${service}?env=${environment}&by=version`,
  };
}

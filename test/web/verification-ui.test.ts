import { describe, expect, it } from 'vitest';
import type { Deploy, Verification, VerifiedSignal } from '../../web/src/lib/types.ts';
import { belongsTo, latestByDeploy, verificationsOf } from '../../web/src/verifications/match.ts';
import { formatTimes, headline, neededText, signalRow } from '../../web/src/verifications/signal-rows.ts';

/** The pure parts of the deploy page's verification: which verifications a deploy has, and the wording. */
const deploy = (over: Partial<Deploy> = {}): Deploy => ({
  id: 'checkout-1.5.0',
  service: 'checkout',
  environment: 'production',
  version: '1.5.0',
  previousVersion: '1.4.0',
  status: 'succeeded',
  source: 'reported',
  startedAt: '2026-01-01T10:00:00.000Z',
  finishedAt: '2026-01-01T10:01:00.000Z',
  firstSeenAt: null,
  commitSha: '',
  author: '',
  description: '',
  links: [],
  updatedAt: '2026-01-01T10:01:00.000Z',
  ...over,
});

const verification = (over: Partial<Verification> = {}): Verification => ({
  id: 'v1',
  service: 'checkout',
  environment: 'production',
  version: '1.5.0',
  deployId: null,
  profile: null,
  comparison: 'before-after',
  signals: ['error_rate'],
  windowSeconds: 600,
  state: 'pass',
  createdAt: '2026-01-01T10:02:00.000Z',
  candidate: { from: '2026-01-01T10:01:00.000Z', to: '2026-01-01T10:11:00.000Z', version: '1.5.0' },
  baselines: [{ name: 'before', from: '2026-01-01T09:50:00.000Z', to: '2026-01-01T10:00:00.000Z' }],
  progress: {
    elapsedSeconds: 600,
    windowSeconds: 600,
    fraction: 1,
    candidateRequests: 0,
    baselineRequests: 0,
    candidateErrorLogs: 0,
    updatedAt: null,
  },
  verdict: null,
  error: null,
  webhook: null,
  argo: { phase: 'Successful', done: true },
  chartUrl: '/services/checkout',
  ...over,
});

const signal = (over: Partial<VerifiedSignal> = {}): VerifiedSignal => ({
  signal: 'error_rate',
  status: 'fail',
  required: true,
  test: 'exact conditional Poisson rate-ratio test',
  baseline: { value: 0.004, requests: 42_000 },
  candidate: { value: 0.029, requests: 14_000 },
  effect: { ratio: 7.25, ciLow: 4.8, ciHigh: 10.6, confidence: 0.95, difference: 0.025 },
  pValue: 1e-9,
  needed: null,
  sentence: 'error rate 0.4% → 2.9% (×7.2, 95% CI ×4.8–×11, 14k vs 42k requests) — fail',
  chartUrl: '/services/checkout',
  baselineName: 'before',
  alternate: null,
  ...over,
});

describe('verification UI helpers', () => {
  it('matches verifications to deploys by deploy id, else by service, environment and version', () => {
    const d = deploy();
    expect(belongsTo(verification({ deployId: 'checkout-1.5.0' }), d)).toBe(true);
    expect(belongsTo(verification({ deployId: 'other' }), d)).toBe(false);
    expect(belongsTo(verification(), d)).toBe(true);
    expect(belongsTo(verification({ version: '1.5.1' }), d)).toBe(false);
    expect(belongsTo(verification({ environment: 'staging' }), d)).toBe(false);
    // A verification of the same version from before this deploy started belongs to an earlier one.
    const earlier = verification({
      candidate: { from: '2026-01-01T08:00:00.000Z', to: '2026-01-01T08:10:00.000Z', version: '1.5.0' },
    });
    expect(belongsTo(earlier, d)).toBe(false);
    const dup = verification({ id: 'v1', deployId: 'checkout-1.5.0' });
    expect(verificationsOf([dup, dup], d).map((v) => v.id)).toEqual(['v1']);
  });

  it('picks the newest verification of each deploy for the list', () => {
    const d = deploy();
    const old = verification({ id: 'old', state: 'fail', createdAt: '2026-01-01T10:02:00.000Z' });
    const newer = verification({ id: 'new', state: 'pass', createdAt: '2026-01-01T10:30:00.000Z' });
    const map = latestByDeploy([old, newer], [d, deploy({ id: 'other', service: 'search' })]);
    expect(map.get(d.id)?.id).toBe('new');
    expect(map.has('other')).toBe(false);
  });

  it('words a signal: values in its unit, effect and interval, samples candidate vs baseline', () => {
    const row = signalRow(signal(), 'http');
    expect(row).toMatchObject({
      label: 'Error rate',
      baseline: '0.4%',
      candidate: '2.9%',
      effect: '×7.3',
      interval: '95% CI ×4.8–×10.6',
      samples: '14k vs 42k requests',
      pValue: 'p < 0.0001',
      needed: '',
    });
    const latency = signalRow(
      signal({
        signal: 'latency',
        baseline: { value: 0.259, requests: 30_000, groups: 30 },
        candidate: { value: 0.348, requests: 10_000, groups: 10 },
        effect: { ratio: 1.34, ciLow: 1.3, ciHigh: 1.4, confidence: 0.98, difference: 0.089 },
      }),
      'http',
    );
    expect(latency).toMatchObject({
      baseline: '259 ms',
      candidate: '348 ms',
      interval: '98% CI ×1.3–×1.4',
      samples: '10k vs 30k requests, 10 vs 30 groups',
    });
    // Without request metrics, the error signal is error logs per minute.
    const logs = signalRow(
      signal({ baseline: { value: 0.1, requests: 60 }, candidate: { value: 0.5, requests: 300 } }),
      'logs',
    );
    expect(logs).toMatchObject({
      label: 'Error log rate',
      baseline: '6/min',
      samples: '300 vs 60 error logs',
    });
    expect(formatTimes(null)).toBe('×∞');
    expect(formatTimes(0.984)).toBe('×0.98');
    expect(formatTimes(1)).toBe('×1.0');
  });

  it('says what an inconclusive signal still needs', () => {
    const s = signal({
      status: 'inconclusive',
      needed: { candidateRequests: 3412, candidateMinutes: 6.2, baselineRequests: 0 },
    });
    expect(neededText(s)).toBe('about 3,400 more requests (≈ 7 more minutes at the current rate)');
    expect(
      neededText(
        signal({
          status: 'inconclusive',
          needed: { candidateRequests: 40, candidateMinutes: null, baselineRequests: 900 },
        }),
      ),
    ).toBe('about 40 more requests and a baseline about 900 requests longer');
    expect(
      neededText(
        signal({
          status: 'inconclusive',
          needed: { candidateRequests: 0, candidateMinutes: 95, baselineRequests: 0 },
        }),
      ),
    ).toBe('≈ 1.6 more hours of traffic');
    expect(neededText(signal({ status: 'pass' }))).toBe('');
  });

  it('heads the verdict with the summary line, or the running state', () => {
    expect(headline(verification({ state: 'running' }))).toMatch(/^running/);
    expect(headline(verification({ state: 'error', error: 'ClickHouse unavailable' }))).toBe(
      'error: ClickHouse unavailable',
    );
    const v = verification({
      state: 'fail',
      verdict: {
        status: 'fail',
        summary: 'fail: 1 of 1 signals regressed\n- error rate …',
        source: 'http',
        signals: [signal()],
        unmeasured: [],
        decidedAt: '2026-01-01T10:12:00.000Z',
      },
    });
    expect(headline(v)).toBe('fail: 1 of 1 signals regressed');
  });
});

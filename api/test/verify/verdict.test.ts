import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  combineStatuses,
  errorDispersion,
  groupPatterns,
  judgeErrorRate,
  judgeLogPatterns,
  logPattern,
  newPatterns,
  resolveVerifyConfig,
  verify,
  type SignalResult,
  type WindowData,
} from '../../src/verify/index.ts';

const config = resolveVerifyConfig();

/** A window of one-minute steps with the given requests and errors per step. */
function window(steps: Array<[number, number]>, logs: WindowData['logs'] = []): WindowData {
  return {
    durationSeconds: steps.length * 60,
    stepSeconds: 60,
    traffic: steps.map(([requests, errors], i) => ({ start: 1_800_000_000 + i * 60, requests, errors })),
    latency: {
      bounds: [0.05, 0.1, 0.25, 0.5],
      steps: steps.map(([requests], i) => ({
        start: 1_800_000_000 + i * 60,
        counts: [
          Math.round(requests * 0.5),
          Math.round(requests * 0.3),
          Math.round(requests * 0.15),
          requests - Math.round(requests * 0.5) - Math.round(requests * 0.3) - Math.round(requests * 0.15),
          0,
        ],
      })),
    },
    logs,
  };
}

const steady = (n: number, requests: number, errors: number): Array<[number, number]> =>
  Array.from({ length: n }, () => [requests, errors]);

describe('log patterns', () => {
  it('masks what varies between occurrences of one message', () => {
    expect(logPattern('user 12345 not found')).toBe('user <num> not found');
    expect(logPattern('timeout after 1500ms calling payments at 10.0.3.17:8080')).toBe(
      'timeout after <duration> calling payments at <ip>',
    );
    expect(logPattern('order 3f2a9c1e-1b2c-4d5e-8f90-0123456789ab failed: "card declined"')).toBe(
      'order <uuid> failed: "<str>"',
    );
    expect(logPattern('mail to bob@example.com bounced, trace=7f3a9b2c4d5e6f70')).toBe(
      'mail to <email> bounced, trace=<hex>',
    );
    expect(logPattern("can't connect to 'redis-7'  (attempt 3/5)")).toBe(
      "can't connect to '<str>' (attempt <num>/<num>)",
    );
    expect(logPattern('GET /api/users/42/orders?page=2 returned 503 in 0.25s')).toBe(
      'GET /api/users/<num>/orders?page=<num> returned <num> in <duration>',
    );
    expect(logPattern('worker job_17 failed')).toBe('worker <id> failed');
  });

  it('groups with counts and the first example; new patterns are those the baseline never had', () => {
    const baseline = [
      { body: 'user 1 not found', count: 3 },
      { body: 'user 2 not found', count: 2 },
    ];
    const candidate = [
      { body: 'user 9 not found', count: 1 },
      { body: 'payment 77 rejected: "no funds"', count: 6 },
      { body: 'payment 78 rejected: "expired"', count: 1 },
    ];
    expect(groupPatterns(baseline)).toEqual([
      { pattern: 'user <num> not found', count: 5, example: 'user 1 not found' },
    ]);
    expect(newPatterns(baseline, candidate)).toEqual([
      { pattern: 'payment <num> rejected: "<str>"', count: 7, example: 'payment 77 rejected: "no funds"' },
    ]);
  });

  it('fails on a new pattern with enough occurrences, not on a one-off', () => {
    const base = window(steady(10, 1000, 5), [{ body: 'user 1 not found', count: 10 }]);
    const hit = window(steady(10, 1000, 5), [{ body: 'payment 77 rejected', count: 5 }]);
    const once = window(steady(10, 1000, 5), [{ body: 'payment 77 rejected', count: 1 }]);
    const fail = judgeLogPatterns(base, hit, config.logPatterns);
    expect(fail.status).toBe('fail');
    expect(fail.patterns?.[0]).toMatchObject({ pattern: 'payment <num> rejected', count: 5, counted: true });
    expect(fail.sentence).toBe(
      'new error log patterns: 1 ("payment <num> rejected" ×5, e.g. "payment 77 rejected") — fail',
    );
    const pass = judgeLogPatterns(base, once, config.logPatterns);
    expect(pass.status).toBe('pass');
    expect(pass.sentence).toContain('none counted');
  });

  it('the pattern of a pattern is itself (masking is idempotent)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        const p = logPattern(s);
        expect(logPattern(p)).toBe(p);
      }),
      { numRuns: 300 },
    );
  });
});

describe('error rate signal', () => {
  it('fails a clear regression with the numbers in plain words', () => {
    const r = judgeErrorRate(window(steady(30, 1400, 6)), window(steady(10, 1400, 41)), config.errorRate);
    expect(r.status).toBe('fail');
    expect(r.sentence).toMatch(
      /^error rate 0\.4% → 2\.9% \(×6\.8, 95% CI ×\d\.\d–×\d+\.\d, 14k vs 42k requests\) — fail$/,
    );
    expect(r.effect?.ciLow).toBeGreaterThan(config.errorRate.minRatio);
  });

  it('passes a significant but tiny change (effect threshold)', () => {
    const r = judgeErrorRate(
      window(steady(30, 100_000, 100)),
      window(steady(10, 100_000, 120)),
      config.errorRate,
    );
    expect(r.pValue).toBeLessThan(0.01);
    expect(r.status).toBe('pass');
  });

  it('is inconclusive at low traffic and says how much more is needed', () => {
    const r = judgeErrorRate(window(steady(30, 12, 0)), window(steady(10, 12, 0)), config.errorRate);
    expect(r.status).toBe('inconclusive');
    expect(r.needed?.candidateRequests).toBeGreaterThan(0);
    expect(r.sentence).toMatch(
      /— inconclusive: about [\d,]+ more requests \(≈ .+ at the current rate\) are needed/,
    );
  });

  it('more candidate errors never turn a fail into a pass', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 60 }), (errs, extra) => {
        const base = window(steady(30, 1000, 5));
        const a = judgeErrorRate(base, window(steady(10, 1000, errs)), config.errorRate);
        const b = judgeErrorRate(base, window(steady(10, 1000, errs + extra)), config.errorRate);
        if (a.status === 'fail') expect(b.status).toBe('fail');
        expect(b.pValue as number).toBeLessThanOrEqual((a.pValue as number) + 1e-12);
      }),
      { numRuns: 100 },
    );
  });

  it('estimates dispersion robustly: one burst minute does not dominate', () => {
    const calm = steady(30, 3000, 20).map(([r, e], i): [number, number] => [r, e + (i % 3) * 3]);
    const burst = calm.map(([r, e], i): [number, number] => [r, i === 7 ? 90 : e]);
    const toSteps = (s: Array<[number, number]>) =>
      s.map(([requests, errors], i) => ({ start: i, requests, errors }));
    expect(errorDispersion(toSteps(burst))).toBeLessThan(2 * errorDispersion(toSteps(calm)) + 0.5);
    expect(errorDispersion(toSteps(steady(30, 3000, 20)))).toBe(1);
  });
});

describe('overall verdict', () => {
  const signal = (status: SignalResult['status'], required = true): SignalResult =>
    ({ status, required }) as SignalResult;

  it('fail if any fails, inconclusive if a required one is, else pass', () => {
    expect(combineStatuses([signal('pass'), signal('fail'), signal('inconclusive')])).toBe('fail');
    expect(combineStatuses([signal('pass'), signal('inconclusive')])).toBe('inconclusive');
    expect(combineStatuses([signal('pass'), signal('inconclusive', false)])).toBe('pass');
    expect(combineStatuses([signal('pass'), signal('pass')])).toBe('pass');
  });

  it('is deterministic and explains every signal', () => {
    const input = {
      comparison: 'before-after' as const,
      baseline: window(steady(30, 3000, 20), [{ body: 'user 1 not found', count: 10 }]),
      candidate: window(steady(10, 3000, 21), [{ body: 'user 2 not found', count: 4 }]),
    };
    const a = verify(input);
    expect(verify(input)).toEqual(a);
    expect(a.status).toBe('pass');
    expect(a.signals.map((s) => s.signal)).toEqual([
      'error_rate',
      'latency',
      'request_rate',
      'new_log_patterns',
    ]);
    expect(a.summary.split('\n')).toHaveLength(5);
    for (const s of a.signals) expect(s.sentence).toMatch(/ — pass$/);
  });
});

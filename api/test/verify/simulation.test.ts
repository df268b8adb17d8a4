import { describe, expect, it } from 'vitest';
import { runCase } from './run-simulation.ts';

/**
 * The proof the issue asks for: 200 simulated deploys per case (seeded, so
 * the counts are the same on every run; `npm run sim:verify` prints them as
 * the table in docs/benchmarks.md), traffic at 50 requests/s with a 30-minute
 * baseline and a 10-minute candidate window, except the low-traffic case at
 * 0.2 requests/s.
 */
const DEPLOYS = 200;

describe('post-deploy verification simulation', () => {
  it('no regression: at most 2% fail', () => {
    const o = runCase('no regression', DEPLOYS);
    expect(o.overall.fail / DEPLOYS).toBeLessThanOrEqual(0.02);
    expect(o.overall.inconclusive / DEPLOYS).toBeLessThanOrEqual(0.02);
  });

  it('2x error rate: at least 95% fail on the error rate', () => {
    const o = runCase('2x error rate', DEPLOYS);
    expect(o.signalFails.error_rate / DEPLOYS).toBeGreaterThanOrEqual(0.95);
  });

  it('+50% p95 latency: at least 95% fail on latency', () => {
    const o = runCase('+50% p95 latency', DEPLOYS);
    expect(o.signalFails.latency / DEPLOYS).toBeGreaterThanOrEqual(0.95);
  });

  it('a new error pattern: at least 95% fail on new patterns', () => {
    const o = runCase('new error pattern', DEPLOYS);
    expect(o.signalFails.new_log_patterns / DEPLOYS).toBeGreaterThanOrEqual(0.95);
    expect(o.example).toContain('payment provider rejected card ending <num> for order <uuid>');
  });

  it('very low traffic: inconclusive, never a silent pass', () => {
    const o = runCase('low traffic', DEPLOYS);
    expect(o.overall.pass).toBe(0);
    expect(o.overall.inconclusive / DEPLOYS).toBeGreaterThanOrEqual(0.99);
    expect(o.example).toMatch(/inconclusive: about [\d,]+ more requests/);
  });
});

/**
 * Two event counts over their exposures (seconds × instances) compared with the
 * exact conditional Poisson rate-ratio test, plus the exposure still needed to
 * detect `effectRatio` with the configured power: the shared core of the
 * request-rate signal and of the error-log-rate signal of services without
 * request metrics.
 */
import { exposureNeeded, type ExposureNeeded } from './power.ts';
import { rateRatioTest, type Alternative, type RateRatioResult } from './rate-ratio.ts';
import type { Effect, SignalResult, WindowData } from './types.ts';

/** A window's exposure: its seconds, times its instances for a canary's per-instance rates. */
export function exposure(window: WindowData): number {
  return window.durationSeconds * (window.instances ?? 1);
}

export interface RateComparisonInput {
  /** Baseline and candidate counts. */
  readonly nB: number;
  readonly nC: number;
  readonly tB: number;
  readonly tC: number;
  readonly alternative: Alternative;
  /** The ratio the check must be able to detect (power analysis). */
  readonly effectRatio: number;
  readonly alpha: number;
  readonly power: number;
}

export interface RateComparison {
  readonly rateB: number;
  readonly rateC: number;
  readonly test: RateRatioResult;
  readonly more: ExposureNeeded;
  /** The signal result's fields that follow from the comparison alone. */
  readonly fields: Pick<SignalResult, 'baseline' | 'candidate' | 'effect' | 'pValue'>;
}

export function compareRates(input: RateComparisonInput): RateComparison {
  const { nB, nC, tB, tC, alternative } = input;
  const rateB = nB / tB;
  const rateC = nC / tC;
  const test = rateRatioTest(nC, tC, nB, tB, alternative);
  const effect: Effect = {
    ratio: test.ratio,
    ciLow: test.ciLow,
    ciHigh: test.ciHigh,
    confidence: test.confidence,
    difference: rateC - rateB,
  };
  return {
    rateB,
    rateC,
    test,
    fields: {
      baseline: { value: rateB, requests: nB },
      candidate: { value: rateC, requests: nC },
      effect,
      pValue: test.pValue,
    },
    more: exposureNeeded({
      // Half an event added: a baseline with no events still has a (small) rate to plan with.
      baseRate: (nB + 0.5) / tB,
      baseExposure: tB,
      candidateExposure: tC,
      effectRatio: input.effectRatio,
      alternative,
      alpha: input.alpha,
      power: input.power,
    }),
  };
}

/**
 * Minimum samples: how much exposure (requests for a ratio of errors to
 * requests, seconds for a rate of requests) the candidate needs before the
 * exact rate-ratio test (rate-ratio.ts) can detect the threshold effect with
 * the chosen power. It uses the normal approximation to the conditional
 * binomial test: with expected counts λb (baseline) and λc (candidate, at the
 * threshold effect), the candidate's share of the N = λb + λc events is
 * binomial with π1 = λc / N, against π0 = Tc / (Tb + Tc) under no change; the
 * test has the power wanted when
 *   √N · |π1 − π0| ≥ z(1−α) · √(π0 (1−π0)) + z(power) · √(π1 (1−π1)).
 * The normal quantile comes from @stdlib.
 */
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import type { Alternative } from './rate-ratio.ts';

export interface PowerInput {
  /** The baseline's events per unit of exposure (errors per request, requests per second). */
  baseRate: number;
  baseExposure: number;
  candidateExposure: number;
  /** The effect to detect, candidate rate / baseline rate (above 1 for 'greater', below for 'less'). */
  effectRatio: number;
  alternative: Alternative;
  alpha: number;
  power: number;
}

/** True when the test on these exposures detects the effect with the wanted power. */
export function hasPower(input: PowerInput): boolean {
  return powered(input, normalQuantile(1 - input.alpha, 0, 1), normalQuantile(input.power, 0, 1));
}

function powered(input: PowerInput, zA: number, zB: number): boolean {
  const { baseRate, baseExposure, candidateExposure, effectRatio, alternative } = input;
  if (!(baseExposure > 0) || !(candidateExposure > 0) || !(baseRate > 0)) return false;
  const lambdaB = baseRate * baseExposure;
  const lambdaC = baseRate * effectRatio * candidateExposure;
  const n = lambdaB + lambdaC;
  const pi0 = candidateExposure / (baseExposure + candidateExposure);
  const pi1 = lambdaC / n;
  const shift = alternative === 'greater' ? pi1 - pi0 : pi0 - pi1;
  if (!(shift > 0)) return false;
  return Math.sqrt(n) * shift >= zA * Math.sqrt(pi0 * (1 - pi0)) + zB * Math.sqrt(pi1 * (1 - pi1));
}

export interface ExposureNeeded {
  /** Extra candidate exposure needed (0 when the current one is enough). */
  candidate: number;
  /** Extra baseline exposure needed (0 unless the baseline alone is too thin). */
  baseline: number;
}

const GROWTH = 1.05;
const STEPS = 400; // 1.05^400 ≈ 3e8: beyond that, report the largest step tried

/**
 * The smallest extra exposure that gives the test its power: first growing
 * only the candidate (the candidate window simply runs longer), and when that
 * cannot suffice (a baseline with too few events limits the test whatever
 * the candidate does), growing both in proportion.
 */
export function exposureNeeded(input: PowerInput): ExposureNeeded {
  const zA = normalQuantile(1 - input.alpha, 0, 1);
  const zB = normalQuantile(input.power, 0, 1);
  const hasPower = (x: PowerInput): boolean => powered(x, zA, zB);
  if (hasPower(input)) return { candidate: 0, baseline: 0 };
  // An empty candidate grows from one unit of exposure.
  const c0 = Math.max(input.candidateExposure, 1);
  const b0 = Math.max(input.baseExposure, 1);
  let factor = 1;
  for (let i = 0; i < STEPS; i++) {
    factor *= GROWTH;
    if (hasPower({ ...input, candidateExposure: c0 * factor })) {
      return { candidate: c0 * factor - input.candidateExposure, baseline: 0 };
    }
    if (factor > 1000) break;
  }
  factor = 1;
  for (let i = 0; i < STEPS; i++) {
    factor *= GROWTH;
    const grown = {
      ...input,
      candidateExposure: c0 * factor,
      baseExposure: b0 * factor,
    };
    if (hasPower(grown)) break;
  }
  return { candidate: c0 * factor - input.candidateExposure, baseline: b0 * factor - input.baseExposure };
}

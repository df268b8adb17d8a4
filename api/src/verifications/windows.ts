import type { BaselineName, ComparisonInput } from './schemas.ts';
import type { VersionFilter } from './window-data.ts';

/**
 * The time windows a verification compares, aligned to its step so that
 * every step is whole (the metrics engine buckets steps on epoch multiples):
 *
 * - before-after: the candidate is the new version from the deploy's end (or
 *   startAt) for the window's length; the baselines are the same length right
 *   before the deploy started (every version), and the candidate's window a
 *   day earlier (every version), for daily cycles.
 * - canary: the candidate is the new version's instances, the baseline every
 *   other version's instances, over the same window.
 */
export const DAY_MS = 86_400_000;

export function stepSecondsFor(windowMs: number): number {
  if (windowMs >= 5 * 60_000) return 60;
  if (windowMs >= 2 * 60_000) return 30;
  return 10;
}

export interface PlannedWindows {
  stepSeconds: number;
  candidate: { fromMs: number; toMs: number };
  baselines: Array<{ name: BaselineName; fromMs: number; toMs: number }>;
}

export function planWindows(
  comparison: ComparisonInput,
  windowMs: number,
  /** When the new version went live (deploy finished, or startAt). */
  liveMs: number,
  /** When the deploy started (before it, only old versions served). */
  deployStartMs: number,
): PlannedWindows {
  const stepSeconds = stepSecondsFor(windowMs);
  const stepMs = stepSeconds * 1000;
  const fromMs = Math.ceil(liveMs / stepMs) * stepMs;
  const candidate = { fromMs, toMs: fromMs + windowMs };
  if (comparison === 'canary') {
    return { stepSeconds, candidate, baselines: [{ name: 'other-versions', ...candidate }] };
  }
  const beforeEnd = Math.floor(Math.min(deployStartMs, liveMs) / stepMs) * stepMs;
  return {
    stepSeconds,
    candidate,
    baselines: [
      { name: 'before', fromMs: beforeEnd - windowMs, toMs: beforeEnd },
      { name: 'day-before', fromMs: candidate.fromMs - DAY_MS, toMs: candidate.toMs - DAY_MS },
    ],
  };
}

/** Which versions each window reads. */
export function versionsFor(window: 'candidate' | BaselineName, version: string): VersionFilter {
  if (window === 'candidate') return { only: version };
  if (window === 'other-versions') return { except: version };
  return 'all';
}

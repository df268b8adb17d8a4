/** Numbers in plain words for verdict sentences: percentages, ratios, counts, durations, rates. */
import type { Needed } from './types.ts';

export function formatPercent(ratio: number): string {
  const pct = ratio * 100;
  if (pct === 0) return '0%';
  if (pct >= 0.1) return `${pct.toFixed(1)}%`;
  return `${Number(pct.toPrecision(1))}%`;
}

export function formatRatio(ratio: number | null): string {
  if (ratio === null) return '×∞';
  if (ratio >= 10) return `×${ratio.toFixed(1)}`;
  return `×${ratio.toPrecision(2)}`;
}

/** 41000 → "41k", 1234 → "1.2k", 950 → "950", 2500000 → "2.5M". */
export function formatCount(n: number): string {
  const r = Math.round(n);
  if (r < 1000) return String(r);
  if (r < 1_000_000) return `${Number((r / 1000).toPrecision(r < 10_000 ? 2 : 3))}k`;
  return `${Number((r / 1_000_000).toPrecision(2))}M`;
}

/** Seconds as "215 ms" or "1.2 s". */
export function formatSeconds(seconds: number): string {
  if (seconds < 1) return `${Number((seconds * 1000).toPrecision(3))} ms`;
  return `${Number(seconds.toPrecision(3))} s`;
}

export function formatRate(perSecond: number): string {
  return `${Number(perSecond.toPrecision(3))} req/s`;
}

/** About-numbers for what is still needed: 3,412 → "3,400". */
export function formatAbout(n: number): string {
  const r = Math.ceil(n);
  const rounded = r < 100 ? r : Number(r.toPrecision(2));
  return rounded.toLocaleString('en-US');
}

export function formatMinutes(minutes: number): string {
  if (minutes < 1.5) return '1 more minute';
  if (minutes < 90) return `${Math.ceil(minutes)} more minutes`;
  if (minutes < 48 * 60) return `${Number((minutes / 60).toPrecision(2))} more hours`;
  return `${Number((minutes / 1440).toPrecision(2))} more days`;
}

/** The tail of an inconclusive sentence: "about 3,400 more requests (≈ 7 more minutes at the current rate) are needed". */
export function formatNeeded(needed: Needed): string {
  const time =
    needed.candidateMinutes === null
      ? ''
      : ` (≈ ${formatMinutes(needed.candidateMinutes)} at the current rate)`;
  const baseline =
    needed.baselineRequests > 0
      ? `, and a baseline about ${formatAbout(needed.baselineRequests)} requests longer`
      : '';
  return `about ${formatAbout(needed.candidateRequests)} more requests${time} are needed${baseline}`;
}

/** "(×7.2, 95% CI ×4.8–×10.6" — the effect and its interval. */
export function formatEffect(
  ratio: number | null,
  low: number | null,
  high: number | null,
  confidence: number,
): string {
  const level = `${Math.round(confidence * 100)}% CI`;
  const interval =
    low === null && high === null ? '' : `, ${level} ${formatRatio(low ?? 0)}–${formatRatio(high)}`;
  return `${formatRatio(ratio)}${interval}`;
}

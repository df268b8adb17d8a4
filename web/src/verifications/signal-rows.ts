import { compact, formatPerMinute, formatRate, formatRatio, formatSeconds, NO_VALUE } from '../lib/format.ts';
import type { Verification, VerifiedSignal } from '../lib/types.ts';

/**
 * A verification's signals as the deploy page shows them: the judged values
 * in the signal's unit, the effect with its interval, the samples behind it
 * and what an inconclusive signal still needs. Pure, so the wording is the
 * same wherever a verdict is shown.
 */
export type VerificationSource = NonNullable<Verification['verdict']>['source'];
export type SignalName = VerifiedSignal['signal'];

export interface SignalRow {
  signal: SignalName;
  label: string;
  status: VerifiedSignal['status'];
  required: boolean;
  baseline: string;
  candidate: string;
  /** "×7.0" and "95% CI ×5.9–×8.4", or the new patterns' count. */
  effect: string;
  interval: string;
  /** "30k vs 29.5k requests" (candidate vs baseline). */
  samples: string;
  test: string;
  pValue: string;
  sentence: string;
  /** What an inconclusive signal still needs, in words; empty otherwise. */
  needed: string;
  patterns: NonNullable<VerifiedSignal['patterns']>;
  /** The day-before (or other) baseline's view, when there is one. */
  alternate: string;
}

const LABELS: Record<SignalName, string> = {
  error_rate: 'Error rate',
  latency: 'p95 latency',
  request_rate: 'Request rate',
  new_log_patterns: 'New error log patterns',
};

export const BASELINE_LABELS: Record<VerifiedSignal['baselineName'], string> = {
  before: 'before the deploy',
  'day-before': 'the same window a day earlier',
  'other-versions': 'the other versions (same time)',
};

export function signalLabel(signal: SignalName, source: VerificationSource): string {
  return signal === 'error_rate' && source === 'logs' ? 'Error log rate' : LABELS[signal];
}

/** A judged value in the signal's unit. */
export function formatSignalValue(
  signal: SignalName,
  source: VerificationSource,
  value: number | null,
  side: 'baseline' | 'candidate',
): string {
  if (value === null) return NO_VALUE;
  switch (signal) {
    case 'error_rate':
      return source === 'logs' ? formatPerMinute(value) : formatRatio(value);
    case 'latency':
      return formatSeconds(value);
    case 'request_rate':
      return formatRate(value);
    case 'new_log_patterns':
      // The baseline's value is how many patterns it had; the candidate's, how many new ones counted.
      return side === 'baseline'
        ? `${compact(value)} pattern${value === 1 ? '' : 's'}`
        : `${compact(value)} new`;
  }
}

/** ×7.0, ×1.6, ×0.98 (as the API's sentences); ×∞ when the baseline was zero. */
export function formatTimes(ratio: number | null): string {
  if (ratio === null) return '×∞';
  if (!Number.isFinite(ratio)) return '×∞';
  if (ratio >= 10) return `×${ratio.toFixed(1)}`;
  return `×${ratio.toPrecision(2)}`;
}

/** 41000 → 41k, 1234 → 1.2k, 950 → 950. */
export function formatCount(n: number): string {
  const r = Math.round(n);
  if (r < 1000) return String(r);
  if (r < 1_000_000) return `${Number((r / 1000).toPrecision(r < 10_000 ? 2 : 3))}k`;
  return `${Number((r / 1_000_000).toPrecision(2))}M`;
}

function samplesOf(s: VerifiedSignal, source: VerificationSource): string {
  const unit =
    s.signal === 'new_log_patterns' || (s.signal === 'error_rate' && source === 'logs')
      ? 'error logs'
      : 'requests';
  const counts = `${formatCount(s.candidate.requests)} vs ${formatCount(s.baseline.requests)} ${unit}`;
  if (s.signal === 'latency' && s.candidate.groups !== undefined && s.baseline.groups !== undefined)
    return `${counts}, ${s.candidate.groups} vs ${s.baseline.groups} groups`;
  return counts;
}

function minutes(m: number): string {
  if (m < 1.5) return '1 more minute';
  if (m < 90) return `${Math.ceil(m)} more minutes`;
  return `${Number((m / 60).toPrecision(2))} more hours`;
}

function about(n: number): string {
  const r = Math.ceil(n);
  return (r < 100 ? r : Number(r.toPrecision(2))).toLocaleString('en-US');
}

/** "about 3,400 more requests (≈ 7 more minutes at the current rate)", or why more data cannot help. */
export function neededText(s: VerifiedSignal): string {
  if (s.status !== 'inconclusive') return '';
  const n = s.needed;
  if (!n) {
    // Inconclusive without a sample shortfall: the day-before veto (or no baseline to compare with).
    return s.alternate && s.alternate.status === 'pass'
      ? 'worse than just before the deploy but not than the same window a day earlier: look at the charts, or verify again later'
      : 'not enough data to judge';
  }
  const parts: string[] = [];
  if (n.candidateRequests > 0) parts.push(`about ${about(n.candidateRequests)} more requests`);
  if (n.candidateMinutes !== null)
    parts.push(
      n.candidateRequests > 0
        ? `(≈ ${minutes(n.candidateMinutes)} at the current rate)`
        : `≈ ${minutes(n.candidateMinutes)} of traffic`,
    );
  if (n.baselineRequests > 0) parts.push(`and a baseline about ${about(n.baselineRequests)} requests longer`);
  return parts.length ? parts.join(' ') : 'more traffic';
}

function pValueText(p: number | null): string {
  if (p === null) return '';
  if (p < 0.0001) return 'p < 0.0001';
  return `p = ${Number(p.toPrecision(2))}`;
}

export function signalRow(s: VerifiedSignal, source: VerificationSource): SignalRow {
  const e = s.effect;
  const patterns = s.patterns ?? [];
  const effect =
    s.signal === 'new_log_patterns'
      ? `${patterns.filter((p) => p.counted).length} new`
      : e
        ? formatTimes(e.ratio)
        : NO_VALUE;
  const interval =
    e && (e.ciLow !== null || e.ciHigh !== null)
      ? `${Math.round(e.confidence * 100)}% CI ${formatTimes(e.ciLow ?? 0)}–${formatTimes(e.ciHigh)}`
      : '';
  const alt = s.alternate;
  return {
    signal: s.signal,
    label: signalLabel(s.signal, source),
    status: s.status,
    required: s.required,
    baseline: formatSignalValue(s.signal, source, s.baseline.value, 'baseline'),
    candidate: formatSignalValue(s.signal, source, s.candidate.value, 'candidate'),
    effect,
    interval,
    samples: samplesOf(s, source),
    test: s.test,
    pValue: pValueText(s.pValue),
    sentence: s.sentence,
    needed: neededText(s),
    patterns,
    alternate: alt ? `Against ${BASELINE_LABELS[alt.baseline]}: ${alt.sentence}` : '',
  };
}

/** The verdict's headline: the summary's first line ("fail: 3 of 4 signals regressed"). */
export function headline(v: Verification): string {
  if (v.state === 'running') return 'running: the verdict comes once the window has passed';
  if (v.state === 'error') return `error: ${v.error ?? 'the telemetry could not be read'}`;
  return v.verdict?.summary.split('\n')[0] ?? v.state;
}

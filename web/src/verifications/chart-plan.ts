import type { ChartBand, ChartSeries } from '../charts/time-chart.svelte';
import { seriesColor } from '../charts/palette.ts';
import type { RedResult, Verification, VerifiedSignal } from '../lib/types.ts';

/**
 * What the per-signal charts of a verification draw: the time range (the
 * compared windows with a margin), the shaded windows (baseline and
 * candidate), and per signal the RED series by version plus the judged
 * values as flat dashed segments over their windows, so the table's numbers
 * can be found on the chart.
 */
export type SignalName = VerifiedSignal['signal'];

/** The verification's step (api/src/verifications/windows.ts stepSecondsFor). */
export function stepSecondsFor(windowSeconds: number): number {
  if (windowSeconds >= 300) return 60;
  if (windowSeconds >= 120) return 30;
  return 10;
}

export interface ChartRange {
  fromMs: number;
  toMs: number;
  stepSeconds: number;
}

/**
 * The compared windows plus half a window either side (not past now, but
 * always to the candidate window's end, so a running one shows how much is
 * left). The day-before baseline is a day away: it is described, not drawn.
 */
export function chartRange(v: Verification, nowMs: number): ChartRange {
  const stepSeconds = stepSecondsFor(v.windowSeconds);
  const pad = Math.max(stepSeconds * 3000, (v.windowSeconds * 1000) / 2);
  const drawn = v.baselines.filter((b) => b.name !== 'day-before');
  const from = Math.min(Date.parse(v.candidate.from), ...drawn.map((b) => Date.parse(b.from)));
  const end = Date.parse(v.candidate.to);
  return { fromMs: from - pad, toMs: Math.max(end, Math.min(nowMs, end + pad)), stepSeconds };
}

const BASELINE_BAND = 'rgba(140,149,159,0.12)';
const CANDIDATE_BAND = 'rgba(47,129,247,0.10)';

export function windowBands(v: Verification): ChartBand[] {
  const candidate = {
    fromMs: Date.parse(v.candidate.from),
    toMs: Date.parse(v.candidate.to),
    label: v.comparison === 'canary' ? `canary ${v.version}` : 'after',
    color: CANDIDATE_BAND,
  };
  if (v.comparison === 'canary') return [candidate];
  const before = v.baselines.find((b) => b.name === 'before');
  return [
    ...(before
      ? [
          {
            fromMs: Date.parse(before.from),
            toMs: Date.parse(before.to),
            label: 'before',
            color: BASELINE_BAND,
          },
        ]
      : []),
    candidate,
  ];
}

type RedSeries = RedResult['series'][number];

/** The RED series a signal is drawn from. */
export function pick(
  signal: SignalName,
  source: RedResult['source'],
): (s: RedSeries) => Array<number | null> {
  switch (signal) {
    case 'error_rate':
      return source === 'logs' ? (s) => s.errorLogRate : (s) => s.errorRatio;
    case 'latency':
      return (s) => s.p95;
    case 'request_rate':
      return (s) => s.requestRate;
    case 'new_log_patterns':
      return (s) => s.errorLogRate;
  }
}

/**
 * Whether the judged values can be drawn on the chart: the error ratio and
 * the error log rate can; the judged p95 is another estimate than the
 * chart's, a canary's request rate is per instance (the chart's is the
 * version's total) and the patterns signal counts patterns.
 */
function judgedOnChart(signal: SignalName, comparison: Verification['comparison']): boolean {
  // The judged p95 is read per group of requests on a log-normal scale; the chart's is per
  // step with linear interpolation inside buckets (the RED reader), which reads higher.
  if (signal === 'new_log_patterns' || signal === 'latency') return false;
  if (signal === 'request_rate') return comparison !== 'canary';
  return true;
}

function flat(
  timestamps: readonly number[],
  fromMs: number,
  toMs: number,
  value: number,
): Array<number | null> {
  return timestamps.map((t) => (t >= fromMs && t < toMs ? value : null));
}

export function signalSeries(
  v: Verification,
  s: VerifiedSignal | undefined,
  signal: SignalName,
  red: RedResult,
): ChartSeries[] {
  const get = pick(signal, red.source);
  const lines: ChartSeries[] = red.series.map((x, i) => ({
    name: x.version ?? 'all versions',
    values: get(x),
    color: x.version === v.version ? '#cf222e' : seriesColor(i),
  }));
  if (!s || !judgedOnChart(signal, v.comparison)) return lines;
  const base = v.baselines.find((b) => b.name === s.baselineName);
  if (base && s.baseline.value !== null)
    lines.push({
      name: 'baseline (judged)',
      values: flat(red.timestamps, Date.parse(base.from), Date.parse(base.to), s.baseline.value),
      color: '#57606a',
      dashed: true,
    });
  if (s.candidate.value !== null)
    lines.push({
      name: 'candidate (judged)',
      values: flat(
        red.timestamps,
        Date.parse(v.candidate.from),
        Date.parse(v.candidate.to),
        s.candidate.value,
      ),
      color: '#82071e',
      dashed: true,
    });
  return lines;
}

/** The verification as `hub verify` reads it (the API's Verification, the fields used here). */
export interface SignalView {
  signal: string;
  status: string;
  baseline: { value: number | null; requests: number };
  candidate: { value: number | null; requests: number };
  effect: { ratio: number | null; ciLow: number | null; ciHigh: number | null; confidence: number } | null;
  patterns?: Array<{ counted: boolean }>;
}

export interface VerificationView {
  id: string;
  service: string;
  version: string;
  state: string;
  chartUrl: string;
  error: string | null;
  progress: {
    fraction: number;
    windowSeconds: number;
    candidateRequests: number;
    baselineRequests: number;
    candidateErrorLogs: number;
  };
  verdict: { status: string; summary: string; source: string; signals: SignalView[] } | null;
}

const NAMES: Record<string, string> = {
  error_rate: 'error rate',
  latency: 'p95 latency',
  request_rate: 'request rate',
  new_log_patterns: 'new error patterns',
};

function value(signal: string, v: number | null, source: string): string {
  if (v === null) return '-';
  if (signal === 'error_rate')
    return source === 'logs'
      ? `${Number((v * 60).toPrecision(3))}/min`
      : `${Number((v * 100).toPrecision(3))}%`;
  if (signal === 'latency')
    return v < 1 ? `${Number((v * 1000).toPrecision(3))} ms` : `${Number(v.toPrecision(3))} s`;
  if (signal === 'request_rate') return `${Number(v.toPrecision(3))}/s`;
  return String(v);
}

const ratio = (r: number | null): string => (r === null ? '∞' : `×${Number(r.toPrecision(2))}`);

function change(s: SignalView): string {
  if (s.signal === 'new_log_patterns') {
    const counted = (s.patterns ?? []).filter((p) => p.counted).length;
    return `${counted} new`;
  }
  if (!s.effect) return '-';
  const ci =
    s.effect.ciLow === null && s.effect.ciHigh === null
      ? ''
      : ` (${ratio(s.effect.ciLow ?? 0)}–${ratio(s.effect.ciHigh)})`;
  return `${ratio(s.effect.ratio)}${ci}`;
}

/** A fixed-width table: signal, baseline, candidate, change with its interval, samples, result. */
export function signalTable(v: VerificationView): string {
  if (!v.verdict) return '';
  const source = v.verdict.source;
  const rows = [
    ['signal', 'baseline', 'candidate', 'change (CI)', 'samples', 'result'],
    ...v.verdict.signals.map((s) => [
      NAMES[s.signal] ?? s.signal,
      s.signal === 'new_log_patterns' ? '-' : value(s.signal, s.baseline.value, source),
      s.signal === 'new_log_patterns' ? '-' : value(s.signal, s.candidate.value, source),
      change(s),
      `${s.candidate.requests} vs ${s.baseline.requests}`,
      s.status,
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return `${rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

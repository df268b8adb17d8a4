import { compact, formatDuration } from '../lib/format.ts';

/**
 * An alert's value against its condition: "0.073 > 0.02"; an absence rule's
 * value is the seconds without data; no data and errors say so.
 */
export function valueText(a: {
  kind: string;
  value: number | null;
  op: string | null;
  threshold: number | null;
  reason: string;
}): string {
  if (a.reason === 'no_data') return 'no data';
  if (a.reason === 'error') return 'evaluation error';
  if (a.value === null) return '—';
  if (a.kind === 'absence') return `no data for ${formatDuration(a.value)}`;
  const cond = a.op !== null && a.threshold !== null ? ` ${a.op} ${compact(a.threshold)}` : '';
  return `${compact(a.value)}${cond}`;
}

/** "5m", "1h30m" from milliseconds, as rules are written. */
export function durationText(ms: number): string {
  if (ms === 0) return '0s';
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.join('');
}

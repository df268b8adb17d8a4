import { ApiErrors } from '../errors.ts';

/**
 * Time parameters: ISO 8601 ("2026-11-22T10:00:00Z"), epoch milliseconds, or
 * relative to now ("now", "now-15m", "now-2h", "now-7d", units s m h d w).
 * Every query carries a range; the default is the last 15 minutes.
 */
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
export const MAX_RANGE_MS = 31 * 86_400_000;

export function parseTime(text: string, nowMs: number, what: string): number {
  const t = text.trim();
  const rel = /^now(?:-(\d{1,6})([smhdw]))?$/.exec(t);
  if (rel) return rel[1] ? nowMs - Number(rel[1]) * (UNIT_MS[rel[2] as string] as number) : nowMs;
  if (/^\d{10,14}$/.test(t)) return Number(t);
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+)?(Z|[+-]\d{2}:?\d{2})?$/.test(t)) {
    const ms = Date.parse(t.replace(' ', 'T'));
    if (Number.isFinite(ms)) return ms;
  }
  throw new ApiErrors.BAD_REQUEST(
    `${what} "${text.slice(0, 64)}" is not a time: use ISO 8601, epoch ms, or now-15m`,
  );
}

export interface TimeRange {
  fromMs: number;
  toMs: number;
}

export function parseRange(from: string, to: string, nowMs = Date.now()): TimeRange {
  const fromMs = parseTime(from, nowMs, 'from');
  const toMs = parseTime(to, nowMs, 'to');
  if (fromMs >= toMs) throw new ApiErrors.BAD_REQUEST('from must be before to');
  if (toMs - fromMs > MAX_RANGE_MS) throw new ApiErrors.BAD_REQUEST('the time range is limited to 31 days');
  if (fromMs < 0 || toMs > 4_294_967_295_000)
    throw new ApiErrors.BAD_REQUEST('time outside the storable range');
  return { fromMs, toMs };
}

/** Nanoseconds since the epoch as a decimal string (exact, for UInt64 comparisons). */
export function msToNanos(ms: number): bigint {
  return BigInt(Math.floor(ms)) * 1_000_000n;
}

/** ISO 8601 with nanoseconds from a decimal nanosecond string. */
export function nanosToIso(nanos: string): string {
  const n = BigInt(nanos);
  const ms = Number(n / 1_000_000n);
  const frac = (n % 1_000_000_000n).toString().padStart(9, '0');
  return `${new Date(ms).toISOString().slice(0, 19)}.${frac}Z`;
}

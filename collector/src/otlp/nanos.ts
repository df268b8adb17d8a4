/**
 * Unix nanoseconds as two 32-bit halves (as fixed64 arrives on the wire),
 * converted to whole seconds without BigInt: 1e9 = 2^9 * 1953125, so dividing
 * by 2^9 first keeps the intermediate below 2^53, and the result exact, for
 * every time below 2^62 ns (year 2116). Later times come out approximately,
 * which is harmless: they are past 2^32 seconds, where the encoders clamp.
 * Each half may be given as uint32 or as int32 (the same bits).
 */
export function nanosToSeconds(lo: number, hi: number): number {
  const q = (hi >>> 0) * 8388608 + ((lo >>> 0) >>> 9); // (hi * 2^32 + lo) / 2^9
  return Math.floor(q / 1953125);
}

/** Parses a decimal (JSON) nanosecond value into halves; undefined when not a valid uint64. */
export function parseNanos(value: unknown): { lo: number; hi: number } | undefined {
  let big: bigint;
  if (typeof value === 'string') {
    if (!/^\d{1,20}$/.test(value)) return undefined;
    big = BigInt(value);
  } else if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0) return undefined;
    big = BigInt(value);
  } else {
    return undefined;
  }
  if (big > 0xffffffffffffffffn) return undefined;
  return { lo: Number(big & 0xffffffffn), hi: Number(big >> 32n) };
}

export function nowNanos(nowMs = Date.now()): { lo: number; hi: number } {
  const ns = BigInt(nowMs) * 1_000_000n;
  return { lo: Number(ns & 0xffffffffn), hi: Number(ns >> 32n) };
}

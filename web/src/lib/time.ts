/** Time ranges as the API takes them: ISO 8601, epoch ms, or now / now-15m. */
export const PRESETS = [
  { label: '15m', from: 'now-15m', title: 'Last 15 minutes' },
  { label: '1h', from: 'now-1h', title: 'Last hour' },
  { label: '6h', from: 'now-6h', title: 'Last 6 hours' },
  { label: '24h', from: 'now-24h', title: 'Last 24 hours' },
  { label: '7d', from: 'now-7d', title: 'Last 7 days' },
] as const;

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const RELATIVE = /^now(?:-(\d{1,6})([smhdw]))?$/;
const ISO = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Milliseconds since the epoch for a time expression, or undefined when it is not one. */
export function resolveTime(text: string, nowMs = Date.now()): number | undefined {
  const t = text.trim();
  const rel = RELATIVE.exec(t);
  if (rel) return rel[1] ? nowMs - Number(rel[1]) * (UNIT_MS[rel[2] as string] as number) : nowMs;
  if (/^\d{10,14}$/.test(t)) return Number(t);
  if (ISO.test(t)) {
    // Without a zone the API reads UTC; so does this.
    const withZone = /Z|[+-]\d{2}:?\d{2}$/.test(t) || t.length <= 10 ? t : `${t}Z`;
    const ms = Date.parse(withZone.replace(' ', 'T'));
    return Number.isFinite(ms) ? ms : undefined;
  }
  return undefined;
}

export function isRelative(text: string): boolean {
  return RELATIVE.test(text.trim());
}

/** A range check with the reason, for the time picker. */
export function checkRange(from: string, to: string): string | undefined {
  const f = resolveTime(from);
  const t = resolveTime(to);
  if (f === undefined) return `"${from}" is not a time`;
  if (t === undefined) return `"${to}" is not a time`;
  if (f >= t) return 'from must be before to';
  if (t - f > 31 * 86_400_000) return 'the range is limited to 31 days';
  return undefined;
}

/** 2026-11-22T10:00:00.000Z for an absolute bound. */
export function isoMs(ms: number): string {
  return new Date(ms).toISOString();
}

/** "2026-11-22 10:04:05.123" (UTC) from an ISO timestamp with nanoseconds. */
export function displayTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

/** Short human label of a range: "Last 15 minutes" or "11-22 10:00 → 11-22 11:00 UTC". */
export function rangeLabel(from: string, to: string): string {
  if (to.trim() === 'now') {
    const preset = PRESETS.find((p) => p.from === from.trim());
    if (preset) return preset.title;
    if (isRelative(from)) return `Since ${from}`;
  }
  const f = resolveTime(from);
  const t = resolveTime(to);
  const fmt = (ms: number | undefined, raw: string) =>
    ms === undefined ? raw : isoMs(ms).slice(5, 19).replace('T', ' ');
  return `${fmt(f, from)} → ${fmt(t, to)} UTC`;
}

/** A count as "12,345". */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * What the URL and the API get for a typed time: relative and epoch forms as
 * typed, an ISO time without a zone as UTC (the UI shows UTC everywhere).
 */
export function normalizeTime(text: string): string {
  const t = text.trim();
  if (RELATIVE.test(t) || /^\d{10,14}$/.test(t)) return t;
  const ms = resolveTime(t);
  return ms === undefined ? t : isoMs(ms);
}

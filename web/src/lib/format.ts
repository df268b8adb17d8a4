/**
 * Numbers with their units, as the service, deploy and metric pages show them.
 * Every formatter takes null (no data) and answers "—".
 */
export const NO_VALUE = '—';

/** Up to three significant digits, no exponent: 0.0123, 1.23, 12.3, 123, 1,234. */
export function compact(n: number): string {
  const a = Math.abs(n);
  if (a === 0) return '0';
  if (a >= 1000) return Math.round(n).toLocaleString('en-US');
  if (a >= 100) return n.toFixed(0);
  if (a >= 10) return trim(n.toFixed(1));
  if (a >= 1) return trim(n.toFixed(2));
  if (a >= 0.001) return trim(n.toPrecision(2));
  return n.toExponential(1);
}

function trim(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** Requests (or records) per second. */
export function formatRate(v: number | null | undefined, unit = 'req/s'): string {
  return v === null || v === undefined ? NO_VALUE : `${compact(v)} ${unit}`;
}

/** A per-second rate shown per minute (error logs: 0.3/min reads better than 0.005/s). */
export function formatPerMinute(perSecond: number | null | undefined): string {
  return perSecond === null || perSecond === undefined ? NO_VALUE : `${compact(perSecond * 60)}/min`;
}

/** A ratio 0..1 as a percentage: 0.1%, 2.5%, 12%. */
export function formatRatio(v: number | null | undefined): string {
  if (v === null || v === undefined) return NO_VALUE;
  const pct = v * 100;
  if (pct === 0) return '0%';
  if (pct < 0.01) return '<0.01%';
  return `${pct < 10 ? trim(pct.toFixed(2)) : trim(pct.toFixed(1))}%`;
}

/** Seconds as ms (or s above 10 s): 12.3 ms, 850 ms, 1.2 s. */
export function formatSeconds(v: number | null | undefined): string {
  if (v === null || v === undefined) return NO_VALUE;
  if (v >= 10) return `${compact(v)} s`;
  const ms = v * 1000;
  if (ms >= 1000) return `${trim((ms / 1000).toFixed(2))} s`;
  return `${compact(ms)} ms`;
}

/** A change in percent: +12%, −3.4%, 0%. */
export function formatChange(v: number | null | undefined): string {
  if (v === null || v === undefined) return NO_VALUE;
  if (v === 0) return '0%';
  const a = Math.abs(v);
  const text = a >= 100 ? Math.round(a).toLocaleString('en-US') : trim(a.toFixed(a >= 10 ? 0 : 1));
  return `${v > 0 ? '+' : '−'}${text}%`;
}

/** "3 min ago", "2 h ago", "5 d ago" (from an ISO time). */
export function relativeTime(iso: string, nowMs = Date.now()): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  const s = Math.round((nowMs - ms) / 1000);
  if (s < 0) return 'in the future';
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/** "2026-11-22 10:04:05" (UTC) from an ISO time. */
export function utcTime(iso: string | number): string {
  const d = typeof iso === 'number' ? new Date(iso) : new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

/** A duration in seconds as "30 min", "1 h", "1 h 30 min", "45 s". */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  const h = Math.floor(seconds / 3600);
  const m = Math.round((seconds % 3600) / 60);
  return m ? `${h} h ${m} min` : `${h} h`;
}

/**
 * A metric value with the metric's unit (UCUM, as OpenTelemetry names it) and
 * the aggregation's effect on it: a rate is per second, a quantile of a
 * duration histogram in seconds is shown in ms.
 */
export function formatMetricValue(v: number | null | undefined, unit: string, aggregation: string): string {
  if (v === null || v === undefined) return NO_VALUE;
  // A UCUM annotation ({request}, {message}) names what is counted: the number is a count.
  const u = /^\{.*\}$/.test(unit) ? '1' : unit;
  if (aggregation === 'rate' || aggregation === 'count_rate') {
    const what = aggregation === 'count_rate' ? '' : u === '1' ? '' : u;
    return `${compact(v)}${what ? ` ${what}/s` : '/s'}`;
  }
  if (u === 's') return formatSeconds(v);
  if (u === 'ms') return v >= 1000 ? `${trim((v / 1000).toFixed(2))} s` : `${compact(v)} ms`;
  if (u === 'By') return formatBytes(v);
  if (u === '1' || u === '') return compact(v);
  if (u === '%') return `${compact(v)}%`;
  return `${compact(v)} ${u}`;
}

function formatBytes(v: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let n = v;
  let i = 0;
  while (Math.abs(n) >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${compact(n)} ${units[i]}`;
}

/** Escapes text for the one place HTML is written: echarts tooltips. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

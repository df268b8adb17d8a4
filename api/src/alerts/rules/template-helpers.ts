/**
 * Helpers available in alert templates, named after Prometheus' template
 * functions so that rules read the same: `{{humanizePercentage $value}}`.
 * Each takes one argument and never throws: a value of the wrong type is
 * printed as it is.
 */

const SI_LARGE = ['', 'k', 'M', 'G', 'T', 'P', 'E'];
const SI_SMALL = ['', 'm', 'µ', 'n', 'p', 'f', 'a'];

/** Four significant digits without a trailing ".000" or an exponent for everyday values. */
function significant(value: number): string {
  return String(Number(value.toPrecision(4)));
}

/** 1234567 → "1.235M", 0.00123 → "1.23m", like Prometheus' humanize. */
export function humanize(value: unknown): string {
  if (typeof value !== 'number' || !Number.isFinite(value) || value === 0) return String(value);
  let v = value;
  let i = 0;
  if (Math.abs(v) >= 1) {
    while (Math.abs(v) >= 1000 && i < SI_LARGE.length - 1) {
      v /= 1000;
      i++;
    }
    return `${significant(v)}${SI_LARGE[i] as string}`;
  }
  while (Math.abs(v) < 1 && i < SI_SMALL.length - 1) {
    v *= 1000;
    i++;
  }
  return `${significant(v)}${SI_SMALL[i] as string}`;
}

/** 0.0734 → "7.34%". */
export function humanizePercentage(value: unknown): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return String(value);
  return `${significant(value * 100)}%`;
}

/** Seconds as "1d 2h 3m 4s", or "250ms" under a second, like Prometheus' humanizeDuration. */
export function humanizeDuration(value: unknown): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return String(value);
  if (value === 0) return '0s';
  const sign = value < 0 ? '-' : '';
  let rest = Math.abs(value);
  if (rest < 1) return `${sign}${significant(rest * 1000)}ms`;
  const parts: string[] = [];
  for (const [unit, seconds] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    const n = Math.floor(rest / seconds);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * seconds;
  }
  if (rest > 0 || parts.length === 0) parts.push(`${significant(rest)}s`);
  return sign + parts.join(' ');
}

export function toUpper(value: unknown): string {
  return String(value).toUpperCase();
}

export function toLower(value: unknown): string {
  return String(value).toLowerCase();
}

export const TEMPLATE_HELPERS: Readonly<Record<string, (value: unknown) => string>> = {
  humanize,
  humanizePercentage,
  humanizeDuration,
  toUpper,
  toLower,
};

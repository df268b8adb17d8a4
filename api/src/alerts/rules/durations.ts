/**
 * Durations as Prometheus writes them: one or more `<integer><unit>` parts,
 * units from largest to smallest, each at most once: `30s`, `5m`, `1h30m`,
 * `250ms`, `2d`, and `0`. Units: y (365 d), w, d, h, m, s, ms.
 *
 * A small function rather than `ms` or `parse-duration`: both accept much more
 * ("5 minutes", "1.5h", "1 hour 2 min"), and a rule file should be read the
 * same way by this hub, by Prometheus users and by the JSON schema's pattern.
 */

const UNIT_MS = {
  y: 365 * 86_400_000,
  w: 7 * 86_400_000,
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
};
type Unit = keyof typeof UNIT_MS;
const UNITS_IN_ORDER: readonly Unit[] = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];

/**
 * The same grammar as a JSON-schema pattern (ECMA-262), so editors check it too.
 * The lookahead refuses the empty string, which every part being optional would allow.
 */
export const DURATION_PATTERN =
  '^(0|(?=[0-9])([0-9]+y)?([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)?)$';

const DURATION_RE = new RegExp(DURATION_PATTERN);

/** What a duration looks like, for messages: "must be a duration like 5m, 1h30m or 90s". */
export const DURATION_HINT = 'must be a duration like 5m, 1h30m or 90s';

/**
 * Milliseconds of a duration, or undefined when the text is not one (wrong
 * syntax, units out of order or repeated, or too large to be exact).
 */
export function parseDuration(text: string): number | undefined {
  const match = DURATION_RE.exec(text);
  if (match === null) return undefined;
  if (text === '0') return 0;
  let total = 0;
  // Groups 2..8 hold the parts in UNITS_IN_ORDER order, e.g. "1h" or undefined.
  for (let i = 0; i < UNITS_IN_ORDER.length; i++) {
    const part = match[i + 2];
    if (part === undefined) continue;
    const unit = UNITS_IN_ORDER[i] as Unit;
    total += Number(part.slice(0, part.length - unit.length)) * UNIT_MS[unit];
  }
  return Number.isSafeInteger(total) ? total : undefined;
}

/** The shortest Prometheus-style text for a whole number of milliseconds: 5400000 → "1h30m". */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`not a duration in ms: ${ms}`);
  if (ms === 0) return '0s';
  let rest = ms;
  let text = '';
  // Weeks and years are left out: "14d" reads better than "2w" in an alert.
  for (const unit of ['d', 'h', 'm', 's', 'ms'] as const) {
    const n = Math.floor(rest / UNIT_MS[unit]);
    if (n > 0) {
      text += `${n}${unit}`;
      rest -= n * UNIT_MS[unit];
    }
  }
  return text;
}

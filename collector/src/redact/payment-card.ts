/**
 * payment-card: 13-19 digits, contiguous or in groups separated by one space or dash
 * (4-4-4-4, 4-6-5, 4-4-4-4-3), first digit 2-6 (Mastercard 2-series, Amex, Diners,
 * JCB, Visa, Mastercard/Maestro, Discover, UnionPay), and only when the Luhn checksum
 * passes. The first-digit rule keeps epoch timestamps (1…, in s, ms, µs or ns) out;
 * Luhn keeps out 9 in 10 other numbers such as order ids.
 *
 * The pattern only finds maximal runs of digit groups, which it cannot fail to extend,
 * so it never backtracks; which groups form a card is decided here, in code.
 */

export const REDACTED_CARD = '[REDACTED_CARD]';

export const DIGIT_RUN = /\d+(?:[ -]\d+)*/g;
const SEPARATOR = /([ -])/;
const MIN_DIGITS = 13;
const MAX_DIGITS = 19;

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

function isCardStart(group: string): boolean {
  const c = group.charCodeAt(0);
  return c >= 50 && c <= 54; // '2'..'6'
}

function isAlnum(c: string | undefined): boolean {
  return c !== undefined && /^[A-Za-z0-9]$/.test(c);
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** A run between ":" / "[" / "," and "," / "}" / "]" is a JSON number: the marker is then quoted. */
function inJsonNumberPosition(text: string, start: number, end: number): boolean {
  let i = start - 1;
  while (i >= 0 && text[i] === ' ') i--;
  let j = end;
  while (j < text.length && text[j] === ' ') j++;
  const before = text[i];
  const after = text[j];
  return (
    (before === ':' || before === '[' || before === ',') && (after === ',' || after === '}' || after === ']')
  );
}

/**
 * The last group of a card starting at group i, or -1. A card is one group of 13-19
 * digits, or a 4-digit group followed by groups of 3-6 digits, 13-19 digits in all;
 * the longest checksum-valid choice wins.
 */
function cardEnd(group: (k: number) => string, i: number, n: number, attachedEnd: boolean): number {
  const first = group(i);
  if (!isCardStart(first)) return -1;
  if (first.length >= MIN_DIGITS && first.length <= MAX_DIGITS) {
    return !(i === n - 1 && attachedEnd) && luhnValid(first) ? i : -1;
  }
  if (first.length !== 4) return -1;
  let found = -1;
  let digits = first;
  for (let j = i + 1; j < n && j <= i + 4; j++) {
    const next = group(j);
    if (next.length < 3 || next.length > 6) break;
    digits += next;
    if (digits.length > MAX_DIGITS) break;
    if (digits.length >= MIN_DIGITS && !(j === n - 1 && attachedEnd) && luhnValid(digits)) found = j;
  }
  return found;
}

/** String.replace callback for DIGIT_RUN: the run with every card in it replaced. */
export function redactCardRun(run: string, offset: number, text: string): string {
  // Most numbers in a log line are short: they leave here.
  if (run.length < MIN_DIGITS) return run;
  const parts = run.split(SEPARATOR); // [group, separator, group, …]
  const n = (parts.length + 1) / 2;
  const group = (k: number): string => parts[2 * k] as string;
  // Digits glued to letters (hex ids, "v4111…") or after a decimal point are not cards.
  const before = text[offset - 1];
  const attachedStart = isAlnum(before) || (before === '.' && isDigit(text[offset - 2]));
  const end = offset + run.length;
  const after = text[end];
  const attachedEnd = isAlnum(after) || ((after === '.' || after === ',') && isDigit(text[end + 1]));

  const spans: number[] = []; // [firstGroup, lastGroup] pairs
  for (let i = attachedStart ? 1 : 0; i < n; i++) {
    const last = cardEnd(group, i, n, attachedEnd);
    if (last >= 0) {
      spans.push(i, last);
      i = last;
    }
  }
  if (spans.length === 0) return run;

  let out = '';
  let k = 0;
  for (let s = 0; s < spans.length; s += 2) {
    const first = spans[s] as number;
    const last = spans[s + 1] as number;
    for (; k < first; k++) out += group(k) + (parts[2 * k + 1] as string);
    const whole = first === 0 && last === n - 1;
    out += whole && inJsonNumberPosition(text, offset, end) ? `"${REDACTED_CARD}"` : REDACTED_CARD;
    k = last + 1;
    if (k < n) out += parts[2 * k - 1] as string;
  }
  for (; k < n; k++) out += group(k) + (k < n - 1 ? (parts[2 * k + 1] as string) : '');
  return out;
}

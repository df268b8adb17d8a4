import { HINT } from './hints.ts';

/**
 * scanHints() over UTF-8 bytes still in a protobuf request, so that a value can be
 * stored as its bytes, without becoming a JS string first, when no rule could
 * change it. The answer is a superset of scanHints() on the same text: a bit may be
 * set where scanHints() would not set it (the value then takes the string path,
 * where the real scan decides), never the other way round.
 *
 * Only ASCII is scanned: any byte from 0x80 on returns NOT_ASCII, and the value is
 * decoded (and its UTF-8 checked) as before. For ASCII, characters are bytes, so
 * lengths and rule minimums compare as they do on the string.
 */
export const NOT_ASCII = -1;

/**
 * The credential words of hints.ts (bearer, basic, passw, secret, token, api[_-]?key)
 * each contain one of these 4-byte sequences, compared with every byte ORed with 0x20:
 * that lowercases A-Z and maps no other byte onto a lowercase letter ("_" becomes 0x7f,
 * so "api_" is written with it).
 */
const WORD_GRAMS = ['bear', 'basi', 'pass', 'secr', 'toke', 'apik', 'api\u007f', 'api-'].map((g) => {
  let h = 0;
  for (let i = 0; i < 4; i++) h = (h << 8) | (g.charCodeAt(i) | 0x20);
  return h;
});

/** A 16-bit hash of a 4-gram; the filter is exact after the table says "maybe". */
function gramSlot(h: number): number {
  return Math.imul(h, 0x9e3779b1) >>> 16;
}

const GRAM_FILTER = new Uint8Array(65536);
for (const h of WORD_GRAMS) GRAM_FILTER[gramSlot(h)] = 1;

const CLASS_DIGIT = 1;
const CLASS_SEPARATOR = 2;
const CLASS = new Uint8Array(256);
for (let c = 0x30; c <= 0x39; c++) CLASS[c] = CLASS_DIGIT;
CLASS[0x20] = CLASS_SEPARATOR; // space
CLASS[0x2d] = CLASS_SEPARATOR; // -

/** Digits in a run that make a card number possible (hints.ts: 13, one separator between). */
const CARD_DIGITS = 13;

/**
 * Per byte, what the first pass adds up: 1 for a digit, 1 << 16 for an "@" (so
 * one sum counts both).
 */
const TALLY = new Int32Array(256);
for (let c = 0x30; c <= 0x39; c++) TALLY[c] = 1;
const AT_TALLY = 1 << 16;
TALLY[0x40] = AT_TALLY;

/**
 * Hint bits for buf[start, end), or NOT_ASCII. A first, branch-free pass finds
 * whether any byte is not ASCII, whether an "@" occurs, how many digits do and
 * whether some 4-byte sequence may be a credential word's (the hashed filter);
 * most values end there, as a card needs 13 digits and a word its 4-gram. The
 * exact pass runs only for what the first one could not rule out.
 */
export function scanByteHints(buf: Uint8Array, start: number, end: number): number {
  let high = 0;
  let tally = 0;
  let gram = 0;
  let maybeWord = 0;
  for (let i = start; i < end; i++) {
    const c = buf[i] as number;
    high |= c;
    tally += TALLY[c] as number;
    gram = (gram << 8) | (c | 0x20);
    maybeWord |= GRAM_FILTER[gramSlot(gram)] as number;
  }
  if ((high & 0x80) !== 0) return NOT_ASCII;
  // 2^16 digits or more would spill into the "@" count: such long values take the exact pass.
  let hints = tally >= AT_TALLY ? HINT.AT : 0;
  const cards = tally % AT_TALLY >= CARD_DIGITS || end - start >= AT_TALLY;
  if (maybeWord !== 0 || cards) hints |= exactHints(buf, start, end, maybeWord !== 0, cards);
  return hints;
}

/** The WORD and DIGITS bits, from the byte sequences themselves (ASCII input). */
function exactHints(buf: Uint8Array, start: number, end: number, words: boolean, cards: boolean): number {
  let hints = 0;
  let gram = 0;
  let digits = 0;
  let afterSeparator = false;
  for (let i = start; i < end; i++) {
    const c = buf[i] as number;
    if (words) {
      gram = (gram << 8) | (c | 0x20);
      if (GRAM_FILTER[gramSlot(gram)] === 1 && WORD_GRAMS.includes(gram)) hints |= HINT.WORD;
    }
    if (!cards) continue;
    switch (CLASS[c]) {
      case CLASS_DIGIT:
        if (++digits >= CARD_DIGITS) hints |= HINT.DIGITS;
        afterSeparator = false;
        break;
      case CLASS_SEPARATOR:
        // One separator between digits keeps the run; a second one in a row ends it.
        if (afterSeparator) digits = 0;
        afterSeparator = true;
        break;
      default:
        digits = 0;
        afterSeparator = false;
    }
  }
  return hints;
}

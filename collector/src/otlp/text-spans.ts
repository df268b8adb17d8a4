import { scanByteHints, NOT_ASCII } from '../redact/byte-hints.ts';
import type { Redactor } from '../redact/redactor.ts';
import {
  AttributeLimitError,
  STRING_TAG,
  readAnyValue,
  readRepeatedString,
  type AnyValueResult,
  type Attributes,
  type DecodeLimits,
} from './attributes.ts';
import { KeyValue, WIRE } from './fields.ts';
import { nestedEnd, stringAt, type Reader } from './reader.ts';

/**
 * Log record text that stays in the request. A protobuf string and a RowBinary
 * String are framed the same way (varint length, then UTF-8 bytes), so a body
 * or attribute value that is plain ASCII and that no redaction rule would touch
 * is copied from the request into its row as bytes: it never becomes a JS
 * string. Anything else (non-ASCII, a possible secret, a user redaction rule)
 * is decoded, checked and redacted as before; the stored bytes are the same
 * either way (collector/test/text-spans.test.ts compares the two paths).
 */

/** An AnyValue as read by readValueSpan: a span of the request (start >= 0), or text. */
export interface ValueSpan extends AnyValueResult {
  /** Offset of a lone string_value's bytes in the request, or -1 (text and num hold the value). */
  start: number;
  len: number;
}

export function valueSpan(): ValueSpan {
  return { text: '', num: undefined, start: -1, len: 0 };
}

/** Reads an AnyValue ending at end: a lone string_value is left in place as a span. */
export function readValueSpan(r: Reader, end: number, limits: DecodeLimits, out: ValueSpan): void {
  const at = r.pos;
  if (at < end && r.buf[at] === STRING_TAG) {
    r.pos = at + 1;
    const len = r.uint32();
    if (r.pos + len === end) {
      out.start = r.pos;
      out.len = len;
      out.text = '';
      out.num = undefined;
      r.pos = end;
      return;
    }
    r.pos = at;
  }
  out.start = -1;
  readAnyValue(r, end, limits, out);
}

/**
 * Whether the span of out can be stored as its bytes (ASCII, left alone by the
 * redactor under key); if not, out.text becomes its checked, decoded text.
 */
export function settleSpan(
  buf: Buffer,
  out: ValueSpan,
  redactor: Redactor | undefined,
  key?: string,
): boolean {
  const start = out.start;
  if (start < 0) return false;
  const end = start + out.len;
  const hints = scanByteHints(buf, start, end);
  if (hints !== NOT_ASCII && (redactor === undefined || redactor.keepsAscii(hints, out.len, key)))
    return true;
  out.text = stringAt(buf, start, end, 'string_value');
  out.start = -1;
  return false;
}

const value = valueSpan();

/** readKeyValue for a log record's attributes: string values stay in the request when they can. */
export function readKeyValueSpan(
  r: Reader,
  end: number,
  limits: DecodeLimits,
  attrs: Attributes,
  redactor: Redactor | undefined,
): void {
  let key = '';
  value.start = -1;
  value.text = '';
  value.num = undefined;
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === KeyValue.KEY && wt === WIRE.LEN) key = readRepeatedString(r, 'attribute key');
    else if (field === KeyValue.VALUE && wt === WIRE.LEN) {
      // A value sent twice: the last one counts, but the first must be valid UTF-8 too.
      if (value.start >= 0) settleSpan(r.buf as Buffer, value, undefined);
      const vEnd = nestedEnd(r, end);
      readValueSpan(r, vEnd, limits, value);
    } else r.skipType(wt);
  }
  // Settled after the loop (the key decides about redaction, and may follow the value),
  // and before the limit check, so that invalid UTF-8 fails the request as it always has.
  const asBytes = settleSpan(r.buf as Buffer, value, redactor, key);
  if (attrs.count >= limits.maxAttributes) {
    throw new AttributeLimitError(limits.maxAttributes);
  }
  if (asBytes) {
    attrs.addSpan(key, value.start, value.len);
    return;
  }
  attrs.add(key, value.text);
  if (value.num !== undefined) attrs.addNumber(key, value.num);
}

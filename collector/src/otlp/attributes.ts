import { AnyValue, ArrayValue, KeyValue, KeyValueList, WIRE } from './fields.ts';
import { invalid, nestedEnd, readString, type Reader } from './reader.ts';

/**
 * Attributes of one resource, scope, record or data point, as parallel arrays
 * (the storage shape on ClickHouse 18.16, which has no Map). Every attribute
 * keeps its text form; numeric ones are also kept as numbers for comparisons.
 * A log record's string value may instead stay in the request as a span (see
 * text-spans.ts): values[i] is then '' and starts[i] / lens[i] locate its bytes
 * in src. Reused across records: reset() keeps the arrays' capacity.
 */
export class Attributes {
  keys: string[] = [];
  values: string[] = [];
  /** Byte offset in src of a value stored as a span, or -1 (the value is values[i]). */
  starts: number[] = [];
  lens: number[] = [];
  /** The request buffer that spans point into. */
  src: Buffer | undefined;
  numKeys: string[] = [];
  numValues: number[] = [];
  count = 0;
  numCount = 0;

  reset(): void {
    this.count = 0;
    this.numCount = 0;
  }

  add(key: string, text: string): void {
    this.keys[this.count] = key;
    this.values[this.count] = text;
    this.starts[this.count] = -1;
    this.count++;
  }

  /** A value that is ASCII bytes of src, which the caller found needs no redaction. */
  addSpan(key: string, start: number, len: number): void {
    this.keys[this.count] = key;
    this.values[this.count] = '';
    this.starts[this.count] = start;
    this.lens[this.count] = len;
    this.count++;
  }

  /** The text of value i, whether it is held as a string or as a span. */
  valueAt(i: number): string {
    const start = this.starts[i] as number;
    if (start < 0 || this.src === undefined) return this.values[i] as string;
    return this.src.toString('latin1', start, start + (this.lens[i] as number));
  }

  addNumber(key: string, value: number): void {
    this.numKeys[this.numCount] = key;
    this.numValues[this.numCount] = value;
    this.numCount++;
  }

  get(key: string): string | undefined {
    for (let i = 0; i < this.count; i++) if (this.keys[i] === key) return this.valueAt(i);
    return undefined;
  }

  getNumber(key: string): number | undefined {
    for (let i = 0; i < this.numCount; i++) if (this.numKeys[i] === key) return this.numValues[i];
    return undefined;
  }

  /** key=value pairs sorted by key: the identity used for series fingerprints. */
  canonical(): string {
    const pairs: string[] = [];
    for (let i = 0; i < this.count; i++) pairs.push(`${this.keys[i]}\u0000${this.valueAt(i)}`);
    return pairs.sort().join('\u0001');
  }

  copy(): Attributes {
    const a = new Attributes();
    for (let i = 0; i < this.count; i++) a.add(this.keys[i] as string, this.valueAt(i));
    a.numKeys = this.numKeys.slice(0, this.numCount);
    a.numValues = this.numValues.slice(0, this.numCount);
    a.numCount = this.numCount;
    return a;
  }
}

export interface DecodeLimits {
  maxAttributes: number;
  maxDepth: number;
}

/** The decoded form of an AnyValue: its text, and a number when it is int or double. */
export interface AnyValueResult {
  text: string;
  num: number | undefined;
}

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/** Text of the small non-negative integers seen so far (status codes, ports, counts): made once each. */
const SMALL_INT_TEXT: (string | undefined)[] = [];
const SMALL_INT_LIMIT = 65536;

/** The text an attribute or body keeps for a number: String(n), with "NaN" and "Infinity" spelled out. */
export function numberText(n: number): string {
  if (n >= 0 && n < SMALL_INT_LIMIT && (n | 0) === n && !Object.is(n, -0)) {
    return (SMALL_INT_TEXT[n] ??= String(n));
  }
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity';
  return centsText(n) ?? String(n);
}

/**
 * String(n) for a number with at most two decimals below 10^9 (durations in ms,
 * prices): about three times cheaper than the general shortest-digits conversion.
 * When k / 100 === |n| for the integer k, "i.ff" is exactly k / 100, whose nearest
 * double is n; doubles that small are far closer together than 0.01, so no shorter
 * decimal reads back as n, and "i.ff" (its trailing zero dropped) is what String()
 * prints. Anything else (more decimals, large or negative zero) returns undefined.
 */
function centsText(n: number): string | undefined {
  const a = n < 0 ? -n : n;
  if (!(a < 1e9) || Object.is(n, -0)) return undefined;
  const k = Math.round(a * 100);
  if (k / 100 !== a) return undefined;
  const cents = k % 100;
  const whole = (k - cents) / 100;
  const head =
    (n < 0 ? '-' : '') +
    (whole < SMALL_INT_LIMIT ? (SMALL_INT_TEXT[whole] ??= String(whole)) : String(whole));
  if (cents === 0) return head;
  return cents % 10 === 0 ? `${head}.${cents / 10}` : `${head}${cents < 10 ? '.0' : '.'}${cents}`;
}

/** Reads an AnyValue message ending at `end` into a JSON-able value. */
function readAnyJson(r: Reader, end: number, depth: number, limits: DecodeLimits): Json {
  if (depth > limits.maxDepth) throw invalid(`AnyValue nested deeper than ${limits.maxDepth}`);
  let value: Json = null;
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === AnyValue.STRING && wt === WIRE.LEN) value = readString(r, 'string_value');
    else if (field === AnyValue.BOOL && wt === WIRE.VARINT) value = r.bool();
    else if (field === AnyValue.INT && wt === WIRE.VARINT) {
      const long = r.int64() as unknown as { toNumber(): number; toString(): string };
      const n = long.toNumber();
      value = Number.isSafeInteger(n) ? n : long.toString();
    } else if (field === AnyValue.DOUBLE && wt === WIRE.I64) {
      const d = r.double();
      value = Number.isFinite(d) ? d : numberText(d);
    } else if (field === AnyValue.BYTES && wt === WIRE.LEN) value = (r.bytes() as Buffer).toString('base64');
    else if (field === AnyValue.ARRAY && wt === WIRE.LEN) {
      const arrEnd = nestedEnd(r, end);
      const items: Json[] = [];
      while (r.pos < arrEnd) {
        const t = r.uint32();
        if (t >>> 3 === ArrayValue.VALUES && (t & 7) === WIRE.LEN) {
          const itemEnd = nestedEnd(r, arrEnd);
          items.push(readAnyJson(r, itemEnd, depth + 1, limits));
        } else r.skipType(t & 7);
      }
      value = items;
    } else if (field === AnyValue.KVLIST && wt === WIRE.LEN) {
      const listEnd = nestedEnd(r, end);
      // No prototype: a key such as "__proto__" must become a property, not be swallowed.
      const obj = Object.create(null) as { [k: string]: Json };
      while (r.pos < listEnd) {
        const t = r.uint32();
        if (t >>> 3 === KeyValueList.VALUES && (t & 7) === WIRE.LEN) {
          const kvEnd = nestedEnd(r, listEnd);
          let key = '';
          let v: Json = null;
          while (r.pos < kvEnd) {
            const kt = r.uint32();
            if (kt >>> 3 === KeyValue.KEY && (kt & 7) === WIRE.LEN) key = readString(r, 'key');
            else if (kt >>> 3 === KeyValue.VALUE && (kt & 7) === WIRE.LEN) {
              const vEnd = nestedEnd(r, kvEnd);
              v = readAnyJson(r, vEnd, depth + 1, limits);
            } else r.skipType(kt & 7);
          }
          obj[key] = v;
        } else r.skipType(t & 7);
      }
      value = obj;
    } else r.skipType(wt);
  }
  if (r.pos !== end) throw invalid('AnyValue overruns its length');
  return value;
}

function jsonToResult(v: Json, out: AnyValueResult): void {
  if (typeof v === 'string') {
    out.text = v;
    out.num = undefined;
  } else if (typeof v === 'number') {
    out.text = numberText(v);
    out.num = v;
  } else if (typeof v === 'boolean') {
    out.text = v ? 'true' : 'false';
    out.num = undefined;
  } else if (v === null) {
    out.text = '';
    out.num = undefined;
  } else {
    out.text = JSON.stringify(v);
    out.num = undefined;
  }
}

/**
 * Reads an AnyValue (message body ending at `end`) into out. Strings take the
 * fast path; arrays and maps are rendered as JSON text.
 */
export function readAnyValue(r: Reader, end: number, limits: DecodeLimits, out: AnyValueResult): void {
  // Fast paths for the common shapes: a lone string_value, int_value or double_value.
  const start = r.pos;
  if (start < end) {
    const tag = r.uint32();
    if (tag === STRING_TAG) {
      const s = readString(r, 'string_value');
      if (r.pos === end) {
        out.text = s;
        out.num = undefined;
        return;
      }
    } else if (tag === INT_TAG) {
      if (readSmallVarint(r, end, out)) return;
    } else if (tag === DOUBLE_TAG && r.pos + 8 === end) {
      const d = r.double();
      if (Number.isFinite(d)) {
        out.text = numberText(d);
        out.num = d;
        return;
      }
    }
    r.pos = start;
  }
  // An int64 beyond 2^53 comes back as its exact decimal text (kept as text only).
  jsonToResult(readAnyJson(r, end, 1, limits), out);
}

/** The tag of an AnyValue's string_value: a lone one is the common shape of a value. */
export const STRING_TAG = (AnyValue.STRING << 3) | WIRE.LEN;
const INT_TAG = (AnyValue.INT << 3) | WIRE.VARINT;
const DOUBLE_TAG = (AnyValue.DOUBLE << 3) | WIRE.I64;

/**
 * An int_value that ends the AnyValue at end in at most 7 varint bytes (0 to 2^49 - 1:
 * counts, ports, status codes) into out, without the Long that protobufjs' int64()
 * makes; false (r.pos unspecified) for anything else, negative numbers included.
 */
function readSmallVarint(r: Reader, end: number, out: AnyValueResult): boolean {
  const buf = r.buf;
  let p = r.pos;
  let n = 0;
  let scale = 1;
  for (let i = 0; i < 7 && p < end; i++) {
    const b = buf[p++] as number;
    n += (b & 0x7f) * scale;
    if (b < 0x80) {
      if (p !== end) return false;
      r.pos = p;
      out.text = numberText(n);
      out.num = n;
      return true;
    }
    scale *= 128;
  }
  return false;
}

const scratch: AnyValueResult = { text: '', num: undefined };

/**
 * Attribute keys (and severity texts) repeat from record to record, so a small
 * cache of (UTF-8 bytes, string) answers most of them with a byte comparison
 * instead of a decode and a new string. Two entries per hash set, the newest
 * first: two common strings with the same hash (the bench workload's `user.id`
 * and `ERROR`) no longer evict each other on every record. Only bytes that
 * readString accepted are cached; anything unusual (long strings, a miss, the
 * end of the buffer) takes readString.
 */
const KEY_CACHE_SETS = 256;
const keyCacheBytes: (Buffer | undefined)[] = new Array<Buffer | undefined>(KEY_CACHE_SETS * 2);
const keyCacheText: string[] = new Array<string>(KEY_CACHE_SETS * 2).fill('');

function cachedAt(entry: number, buf: Uint8Array, start: number, len: number): boolean {
  const cached = keyCacheBytes[entry];
  if (cached === undefined || cached.length !== len) return false;
  let i = 0;
  while (i < len && cached[i] === buf[start + i]) i++;
  return i === len;
}

export function readRepeatedString(r: Reader, field: string): string {
  const buf = r.buf;
  const lenPos = r.pos;
  const len = lenPos < r.len ? (buf[lenPos] as number) : 128;
  const start = lenPos + 1;
  if (len === 0 || len >= 128 || start + len > r.len) return readString(r, field);
  const first =
    ((len * 31 +
      (buf[start] as number) +
      (buf[start + len - 1] as number) * 17 +
      (buf[start + (len >> 1)] as number) * 131) &
      (KEY_CACHE_SETS - 1)) <<
    1;
  if (cachedAt(first, buf, start, len)) {
    r.pos = start + len;
    return keyCacheText[first] as string;
  }
  if (cachedAt(first + 1, buf, start, len)) {
    r.pos = start + len;
    return keyCacheText[first + 1] as string;
  }
  const key = readString(r, field);
  keyCacheBytes[first + 1] = keyCacheBytes[first];
  keyCacheText[first + 1] = keyCacheText[first] as string;
  keyCacheBytes[first] = Buffer.from(buf.subarray(start, start + len));
  keyCacheText[first] = key;
  return key;
}

/** Reads one KeyValue (message ending at `end`) into attrs. */
export function readKeyValue(r: Reader, end: number, limits: DecodeLimits, attrs: Attributes): void {
  let key = '';
  scratch.text = '';
  scratch.num = undefined;
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === KeyValue.KEY && wt === WIRE.LEN) key = readRepeatedString(r, 'attribute key');
    else if (field === KeyValue.VALUE && wt === WIRE.LEN) {
      const vEnd = nestedEnd(r, end);
      readAnyValue(r, vEnd, limits, scratch);
    } else r.skipType(wt);
  }
  if (attrs.count >= limits.maxAttributes) {
    throw new AttributeLimitError(limits.maxAttributes);
  }
  attrs.add(key, scratch.text);
  if (scratch.num !== undefined) attrs.addNumber(key, scratch.num);
}

/** A record with more attributes than allowed: the record is rejected, not the request. */
export class AttributeLimitError extends Error {
  constructor(limit: number) {
    super(`more than ${limit} attributes`);
  }
}

/** Converts an OTLP/JSON AnyValue object. */
export function jsonAnyValue(value: unknown, limits: DecodeLimits, out: AnyValueResult, depth = 1): void {
  jsonToResult(jsonAnyToJson(value, limits, depth), out);
}

function jsonAnyToJson(value: unknown, limits: DecodeLimits, depth: number): Json {
  if (depth > limits.maxDepth) throw invalid(`AnyValue nested deeper than ${limits.maxDepth}`);
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid('AnyValue must be an object');
  const v = value as Record<string, unknown>;
  if ('stringValue' in v || 'string_value' in v) {
    const s = v['stringValue'] ?? v['string_value'];
    if (typeof s !== 'string') throw invalid('stringValue must be a string');
    return s;
  }
  if ('boolValue' in v || 'bool_value' in v) {
    const b = v['boolValue'] ?? v['bool_value'];
    if (typeof b !== 'boolean') throw invalid('boolValue must be a boolean');
    return b;
  }
  if ('intValue' in v || 'int_value' in v) {
    const i = v['intValue'] ?? v['int_value'];
    if (typeof i === 'number' && Number.isInteger(i)) return i;
    if (typeof i === 'string' && /^-?\d{1,19}$/.test(i)) {
      const n = Number(i);
      return Number.isSafeInteger(n) ? n : i;
    }
    throw invalid('intValue must be an integer or a decimal string');
  }
  if ('doubleValue' in v || 'double_value' in v) {
    const d = v['doubleValue'] ?? v['double_value'];
    if (typeof d === 'number') return d;
    if (d === 'NaN' || d === 'Infinity' || d === '-Infinity') return d;
    if (typeof d === 'string' && d.trim() !== '' && Number.isFinite(Number(d))) return Number(d);
    throw invalid('doubleValue must be a number');
  }
  if ('bytesValue' in v || 'bytes_value' in v) {
    const b = v['bytesValue'] ?? v['bytes_value'];
    if (typeof b !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(b))
      throw invalid('bytesValue must be base64');
    return b;
  }
  if ('arrayValue' in v || 'array_value' in v) {
    const a = (v['arrayValue'] ?? v['array_value']) as { values?: unknown } | null;
    const values = a?.values ?? [];
    if (!Array.isArray(values)) throw invalid('arrayValue.values must be an array');
    return values.map((item) => jsonAnyToJson(item, limits, depth + 1));
  }
  if ('kvlistValue' in v || 'kvlist_value' in v) {
    const kv = (v['kvlistValue'] ?? v['kvlist_value']) as { values?: unknown } | unknown[] | null;
    // Some producers (and the spec's events.json example) send the entries as a bare array.
    const values = Array.isArray(kv) ? kv : (kv?.values ?? []);
    if (!Array.isArray(values)) throw invalid('kvlistValue.values must be an array');
    const obj = Object.create(null) as { [k: string]: Json };
    for (const item of values) {
      if (typeof item !== 'object' || item === null) throw invalid('kvlistValue entries must be objects');
      const { key, value: inner } = item as { key?: unknown; value?: unknown };
      if (typeof key !== 'string') throw invalid('kvlistValue key must be a string');
      obj[key] = jsonAnyToJson(inner, limits, depth + 1);
    }
    return obj;
  }
  return null;
}

/** Reads an OTLP/JSON attributes array into attrs. */
export function jsonAttributes(list: unknown, limits: DecodeLimits, attrs: Attributes): void {
  if (list === undefined || list === null) return;
  if (!Array.isArray(list)) throw invalid('attributes must be an array');
  if (attrs.count + list.length > limits.maxAttributes) throw new AttributeLimitError(limits.maxAttributes);
  for (const item of list) {
    if (typeof item !== 'object' || item === null) throw invalid('attribute must be an object');
    const { key, value } = item as { key?: unknown; value?: unknown };
    if (typeof key !== 'string') throw invalid('attribute key must be a string');
    jsonAnyValue(value, limits, scratch);
    attrs.add(key, scratch.text);
    if (scratch.num !== undefined) attrs.addNumber(key, scratch.num);
  }
}

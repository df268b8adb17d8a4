/**
 * AssemblyScript, compiled to log-transcoder.wasm by `npm run build:wasm`.
 *
 * The common case of an OTLP LogRecord, transcoded from its protobuf bytes to
 * its RowBinary log row in one pass, without JS strings or objects: the same
 * bytes as collector/src/otlp/log-row.ts encodeLogRow writes. Anything outside
 * the common case makes record() answer FALLBACK, having written nothing, and
 * the JS decoder (collector/src/otlp/logs-proto.ts) reads that record as it
 * always has: it decides what is invalid, rejected or redacted. So this file
 * never rejects and never redacts; it only declines.
 *
 * The common case: the known LogRecord fields, each at most once (attributes
 * repeated); ASCII texts; a body that is a lone string_value; attribute values
 * that are a lone string_value, a bool, a non-negative int below 10^12 or a
 * double with at most two decimals below 10^9; no value a redaction rule could
 * touch (collector/src/redact/byte-hints.ts, the same hints); severity_number
 * 0-24 with severity_text not needing the number derived from it.
 *
 * Memory is laid out by the JS side (collector/src/otlp/log-transcoder.ts):
 * the request, then the scope's row prefix, then the output rows.
 */

const FALLBACK: i32 = 0;
const DONE: i32 = 1;
const FULL: i32 = 2;

const HINT_AT: i32 = 1;
const HINT_DIGITS: i32 = 2;
const HINT_WORD: i32 = 4;
const NOT_ASCII: i32 = -1;

/** Attributes kept per record; a record with more is left to the JS decoder. */
const MAX_ATTRS: i32 = 128;
/** Per attribute: key ptr, key len, kind, value ptr, value len (u32 each), pad, number (f64). */
const ATTR_BYTES: i32 = 32;
const ATTRS = memory.data(MAX_ATTRS * ATTR_BYTES, 8);

const KIND_SPAN: u32 = 0;
const KIND_INT: u32 = 1;
const KIND_DOUBLE: u32 = 2;
const KIND_BOOL: u32 = 3;

const HEX = memory.data<u8>([
  0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66,
]);
/** TRACE DEBUG INFO WARN ERROR FATAL, 5 bytes apart, with their lengths. */
const SEVERITY = memory.data<u8>([
  0x54, 0x52, 0x41, 0x43, 0x45, 0x44, 0x45, 0x42, 0x55, 0x47, 0x49, 0x4e, 0x46, 0x4f, 0x00, 0x57, 0x41, 0x52,
  0x4e, 0x00, 0x45, 0x52, 0x52, 0x4f, 0x52, 0x46, 0x41, 0x54, 0x41, 0x4c,
]);
const SEVERITY_LEN = memory.data<u8>([5, 5, 4, 4, 5, 5]);

/**
 * The credential-word 4-grams of byte-hints.ts (bear basi pass secr toke apik
 * api_ api-, every byte ORed with 0x20) and a 2^16-bit filter of their hashes.
 */
const GRAM_BEAR: u32 = 0x62656172;
const GRAM_BASI: u32 = 0x62617369;
const GRAM_PASS: u32 = 0x70617373;
const GRAM_SECR: u32 = 0x73656372;
const GRAM_TOKE: u32 = 0x746f6b65;
const GRAM_APIK: u32 = 0x6170696b;
const GRAM_API_: u32 = 0x6170697f;
const GRAM_APID: u32 = 0x6170692d;
const FILTER = memory.data(8192);

function gramSlot(g: u32): u32 {
  return (g * 0x9e3779b1) >> 16;
}

function addGram(g: u32): void {
  const slot = gramSlot(g);
  const at = FILTER + <usize>(slot >> 3);
  store<u8>(at, <u8>((<u32>load<u8>(at)) | (1 << (slot & 7))));
}

addGram(GRAM_BEAR);
addGram(GRAM_BASI);
addGram(GRAM_PASS);
addGram(GRAM_SECR);
addGram(GRAM_TOKE);
addGram(GRAM_APIK);
addGram(GRAM_API_);
addGram(GRAM_APID);

function isWordGram(g: u32): bool {
  return (
    g == GRAM_BEAR ||
    g == GRAM_BASI ||
    g == GRAM_PASS ||
    g == GRAM_SECR ||
    g == GRAM_TOKE ||
    g == GRAM_APIK ||
    g == GRAM_API_ ||
    g == GRAM_APID
  );
}

// Set per request and scope by the JS side.
let idLowByte: u32 = 0;
let idHigh: u32 = 0;
let row: u32 = 0;
let receivedLo: u32 = 0;
let receivedHi: u32 = 0;
let prefixPtr: usize = 0;
let prefixLen: usize = 0;
let outStart: usize = 0;
let outPos: usize = 0;
let outEnd: usize = 0;
/** Whether values are checked against the built-in redaction rules (a redactor is configured). */
let redact: bool = false;
let sensitiveKeys: bool = false;
let minLength: u32 = 0xffffffff;
let maxAttributes: i32 = 0;
let minTs: f64 = Infinity;
let maxTs: f64 = -Infinity;

/** Base of the memory the JS side may use: past this module's static data. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~(<usize>15);
}

/** The decoding limits and redaction checks of one request. */
export function configure(
  withRedaction: bool,
  withSensitiveKeys: bool,
  shortestMatch: u32,
  attributeLimit: i32,
  recvLo: u32,
  recvHi: u32,
): void {
  redact = withRedaction;
  sensitiveKeys = withSensitiveKeys;
  minLength = shortestMatch;
  maxAttributes = attributeLimit < MAX_ATTRS ? attributeLimit : MAX_ATTRS;
  receivedLo = recvLo;
  receivedHi = recvHi;
}

/** The row prefix, row ids and output region for the records of one scope. */
export function scope(
  prefix: usize,
  prefixBytes: usize,
  lowByte: u32,
  high: u32,
  firstRow: u32,
  out: usize,
  outLimit: usize,
): void {
  prefixPtr = prefix;
  prefixLen = prefixBytes;
  idLowByte = lowByte;
  idHigh = high;
  row = firstRow;
  outStart = out;
  outEnd = outLimit;
  drained();
}

/** Bytes of rows written since scope() or the last drained(). */
export function written(): usize {
  return outPos - outStart;
}

/** The output was copied out: rows start again at the region's start. */
export function drained(): void {
  outPos = outStart;
  minTs = Infinity;
  maxTs = -Infinity;
}

/** The row number the next row takes (the JS side's RowIds.row). */
export function nextRow(): u32 {
  return row;
}

export function setRow(next: u32): void {
  row = next;
}

export function lowestTs(): f64 {
  return minTs;
}

export function highestTs(): f64 {
  return maxTs;
}

// The read cursor and whether the record left the common case.
let p: usize = 0;
let bad: bool = false;

/** A varint of at most 5 bytes (tags, lengths); longer ones leave the common case. */
function uvarint(end: usize): u32 {
  let v: u32 = 0;
  for (let shift: u32 = 0; shift < 35; shift += 7) {
    if (p >= end) break;
    const b = <u32>load<u8>(p++);
    v |= (b & 0x7f) << shift;
    if (b < 0x80) return v;
  }
  bad = true;
  return 0;
}

/** A length prefix whose bytes fit before end; returns the end of those bytes. */
function lengthEnd(end: usize): usize {
  const len = <usize>uvarint(end);
  if (bad || len > end - p) {
    bad = true;
    return end;
  }
  return p + len;
}

function ascii(ptr: usize, len: usize): bool {
  let high: u32 = 0;
  for (let q = ptr; q < ptr + len; q++) high |= <u32>load<u8>(q);
  return (high & 0x80) == 0;
}

/**
 * scanByteHints() of byte-hints.ts: NOT_ASCII, or the hint bits (exact for words
 * and digit runs, like its second pass).
 */
function hints(ptr: usize, len: usize): i32 {
  const end = ptr + len;
  let high: u32 = 0;
  let at: u32 = 0;
  let digits: u32 = 0;
  let gram: u32 = 0;
  let maybeWord: u32 = 0;
  for (let q = ptr; q < end; q++) {
    const c = <u32>load<u8>(q);
    high |= c;
    at |= <u32>(c == 0x40);
    digits += <u32>(c - 0x30 < 10);
    gram = (gram << 8) | (c | 0x20);
    const slot = gramSlot(gram);
    maybeWord |= ((<u32>load<u8>(FILTER + <usize>(slot >> 3))) >> (slot & 7)) & 1;
  }
  if ((high & 0x80) != 0) return NOT_ASCII;
  let found: i32 = at != 0 ? HINT_AT : 0;
  if (maybeWord != 0) {
    gram = 0;
    for (let q = ptr; q < end; q++) {
      gram = (gram << 8) | ((<u32>load<u8>(q)) | 0x20);
      if (isWordGram(gram)) found |= HINT_WORD;
    }
  }
  if (digits >= 13) {
    let run: u32 = 0;
    let afterSeparator = false;
    for (let q = ptr; q < end; q++) {
      const c = <u32>load<u8>(q);
      if (c - 0x30 < 10) {
        if (++run >= 13) found |= HINT_DIGITS;
        afterSeparator = false;
      } else if (c == 0x20 || c == 0x2d) {
        if (afterSeparator) run = 0;
        afterSeparator = true;
      } else {
        run = 0;
        afterSeparator = false;
      }
    }
  }
  return found;
}

function lower(c: u32): u32 {
  return c - 0x41 < 26 ? c | 0x20 : c;
}

/** Whether the ASCII key ends with word (lowercase), ignoring the case of A-Z. */
function endsWith(ptr: usize, len: usize, word: string): bool {
  const n = <usize>word.length;
  if (len < n) return false;
  const from = ptr + len - n;
  for (let i: usize = 0; i < n; i++) {
    if (lower(<u32>load<u8>(from + i)) != <u32>word.charCodeAt(<i32>i)) return false;
  }
  return true;
}

/**
 * builtins.ts SENSITIVE_KEY over ASCII bytes: the key ends with password, passwd,
 * secret, token, apikey, api_key, api-key, authorization or cookie, in any case.
 */
function sensitiveKey(ptr: usize, len: usize): bool {
  if (len < 5) return false;
  const last = lower(<u32>load<u8>(ptr + len - 1));
  if (last == 0x64) return endsWith(ptr, len, 'password') || endsWith(ptr, len, 'passwd');
  if (last == 0x74) return endsWith(ptr, len, 'secret');
  if (last == 0x6e) return endsWith(ptr, len, 'token') || endsWith(ptr, len, 'authorization');
  if (last == 0x79)
    return endsWith(ptr, len, 'apikey') || endsWith(ptr, len, 'api_key') || endsWith(ptr, len, 'api-key');
  if (last == 0x65) return endsWith(ptr, len, 'cookie');
  return false;
}

/** hints() of len bytes at ptr, for the tests that hold it to scanHints(). */
export function valueHints(ptr: usize, len: usize): i32 {
  return hints(ptr, len);
}

/** sensitiveKey() of len ASCII bytes at ptr, for the tests that hold it to SENSITIVE_KEY. */
export function credentialKey(ptr: usize, len: usize): bool {
  return sensitiveKey(ptr, len);
}

/** Whether a string value is stored as its bytes: ASCII and beyond every built-in rule's reach. */
function keptAsBytes(ptr: usize, len: usize): bool {
  const h = hints(ptr, len);
  if (h == NOT_ASCII) return false;
  return !redact || h == 0 || <u32>len < minLength;
}

/** Where attribute i of the current record is kept (ATTRS). */
function attribute(i: i32): usize {
  return ATTRS + <usize>(i * ATTR_BYTES);
}

/** Whether the attribute also goes to the numeric columns (an int or a double). */
function isNumber(entry: usize): bool {
  const kind = load<u32>(entry, 8);
  return kind == KIND_INT || kind == KIND_DOUBLE;
}

/**
 * Reads the AnyValue of an attribute into entry; false if it is not one of the
 * common shapes.
 */
function readValue(end: usize, entry: usize): bool {
  if (end - p < 2) return false;
  const tag = <u32>load<u8>(p++);
  if (tag == 0x0a) {
    // string_value, alone
    const sEnd = lengthEnd(end);
    if (bad || sEnd != end) return false;
    const len = end - p;
    if (!keptAsBytes(p, len)) return false;
    store<u32>(entry, KIND_SPAN, 8);
    store<u32>(entry, <u32>p, 12);
    store<u32>(entry, <u32>len, 16);
    p = end;
    return true;
  }
  if (tag == 0x10) {
    // bool_value: 0 or 1
    if (end - p != 1) return false;
    const b = <u32>load<u8>(p++);
    if (b > 1) return false;
    store<u32>(entry, KIND_BOOL, 8);
    store<u32>(entry, b, 16);
    return true;
  }
  if (tag == 0x18) {
    // int_value: below 10^12 (its text has too few digits for the card rule)
    let n: u64 = 0;
    let shift: u64 = 0;
    while (true) {
      if (p >= end || shift > 35) return false;
      const b = <u64>load<u8>(p++);
      n |= (b & 0x7f) << shift;
      if (b < 0x80) break;
      shift += 7;
    }
    if (p != end || n >= 1000000000000) return false;
    store<u32>(entry, KIND_INT, 8);
    store<f64>(entry, <f64>n, 24);
    return true;
  }
  if (tag == 0x21) {
    // double_value: "i.ff" text (attributes.ts centsText), else the JS decoder's String(n)
    if (end - p != 8) return false;
    const d = load<f64>(p);
    p = end;
    const a = Math.abs(d);
    if (!(a < 1e9) || (d == 0 && 1 / d < 0)) return false;
    const k = Math.floor(a * 100 + 0.5);
    if (k / 100 != a) return false;
    store<u32>(entry, KIND_DOUBLE, 8);
    store<f64>(entry, d, 24);
    return true;
  }
  return false;
}

/** Reads one KeyValue ending at end into attribute n; false outside the common case. */
function readAttribute(end: usize, n: i32): bool {
  const entry = attribute(n);
  let keyPtr: usize = 0;
  let keyLen: usize = 0;
  let seen: u32 = 0;
  while (p < end) {
    const tag = uvarint(end);
    if (bad) return false;
    if (tag == 0x0a) {
      if ((seen & 1) != 0) return false;
      seen |= 1;
      const kEnd = lengthEnd(end);
      if (bad) return false;
      keyPtr = p;
      keyLen = kEnd - p;
      if (!ascii(keyPtr, keyLen)) return false;
      p = kEnd;
    } else if (tag == 0x12) {
      if ((seen & 2) != 0) return false;
      seen |= 2;
      const vEnd = lengthEnd(end);
      if (bad || !readValue(vEnd, entry)) return false;
    } else return false;
  }
  if ((seen & 2) == 0) return false;
  if (redact && sensitiveKeys && sensitiveKey(keyPtr, keyLen)) return false;
  store<u32>(entry, <u32>keyPtr, 0);
  store<u32>(entry, <u32>keyLen, 4);
  return true;
}

function putVarint(o: usize, value: usize): usize {
  let v = value;
  while (v >= 0x80) {
    store<u8>(o++, <u8>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  store<u8>(o++, <u8>v);
  return o;
}

function putBytes(o: usize, ptr: usize, len: usize): usize {
  const q = putVarint(o, len);
  memory.copy(q, ptr, len);
  return q + len;
}

function putHex(o: usize, ptr: usize, len: usize): usize {
  let q = putVarint(o, len * 2);
  for (let i: usize = 0; i < len; i++) {
    const b = <usize>load<u8>(ptr + i);
    store<u8>(q++, load<u8>(HEX + (b >> 4)));
    store<u8>(q++, load<u8>(HEX + (b & 15)));
  }
  return q;
}

function decimalDigits(n: u64): usize {
  let d: usize = 1;
  let v = n;
  while (v >= 10) {
    v /= 10;
    d++;
  }
  return d;
}

/** The decimal digits of n at o (no length prefix). */
function putDecimal(o: usize, n: u64): usize {
  const d = decimalDigits(n);
  let v = n;
  for (let i = d; i > 0; i--) {
    store<u8>(o + i - 1, <u8>(0x30 + <u32>(v % 10)));
    v /= 10;
  }
  return o + d;
}

/** An attribute's key as a RowBinary String. */
function putKey(o: usize, entry: usize): usize {
  return putBytes(o, <usize>load<u32>(entry, 0), <usize>load<u32>(entry, 4));
}

/** An attribute value's text as a RowBinary String. */
function putValueText(o: usize, entry: usize): usize {
  const kind = load<u32>(entry, 8);
  if (kind == KIND_SPAN) return putBytes(o, <usize>load<u32>(entry, 12), <usize>load<u32>(entry, 16));
  if (kind == KIND_BOOL) {
    if (load<u32>(entry, 16) != 0) {
      store<u8>(o, 4);
      store<u32>(o + 1, 0x65757274); // "true"
      return o + 5;
    }
    store<u8>(o, 5);
    store<u32>(o + 1, 0x736c6166); // "fals"
    store<u8>(o + 5, 0x65);
    return o + 6;
  }
  const n = load<f64>(entry, 24);
  if (kind == KIND_INT) {
    const text = o + 1;
    const end = putDecimal(text, <u64>n);
    store<u8>(o, <u8>(end - text));
    return end;
  }
  // KIND_DOUBLE: [-]whole[.c] or [-]whole.cc, as attributes.ts centsText
  const a = Math.abs(n);
  const k = <u64>Math.floor(a * 100 + 0.5);
  const cents = k % 100;
  const whole = k / 100;
  let q = o + 1;
  if (n < 0) store<u8>(q++, 0x2d);
  q = putDecimal(q, whole);
  if (cents != 0) {
    store<u8>(q++, 0x2e);
    if (cents % 10 == 0) store<u8>(q++, <u8>(0x30 + <u32>(cents / 10)));
    else {
      store<u8>(q++, <u8>(0x30 + <u32>(cents / 10)));
      store<u8>(q++, <u8>(0x30 + <u32>(cents % 10)));
    }
  }
  store<u8>(o, <u8>(q - o - 1));
  return q;
}

function keyIs(entry: usize, text: string): bool {
  const len = <usize>text.length;
  if (<usize>load<u32>(entry, 4) != len) return false;
  const ptr = <usize>load<u32>(entry, 0);
  for (let i: usize = 0; i < len; i++) {
    if (<i32>load<u8>(ptr + i) != text.charCodeAt(<i32>i)) return false;
  }
  return true;
}

/** log-row.ts httpStatus(): the first numeric http.response.status_code, else http.status_code. */
function httpStatus(count: i32): u32 {
  for (let pass = 0; pass < 2; pass++) {
    const key = pass == 0 ? 'http.response.status_code' : 'http.status_code';
    for (let i = 0; i < count; i++) {
      const entry = attribute(i);
      if (!isNumber(entry) || !keyIs(entry, key)) continue;
      const n = load<f64>(entry, 24);
      return Math.floor(n) == n && n >= 100 && n <= 999 ? <u32>n : 0;
    }
  }
  return 0;
}

/**
 * Transcodes the LogRecord in [start, end) to a row at the output's end.
 * DONE; FALLBACK (nothing written: the JS decoder reads this record); FULL
 * (nothing written: copy the output out, drained(), and call again).
 */
export function record(start: usize, end: usize): i32 {
  if (outPos + (end - start) * 6 + prefixLen + 256 > outEnd) return FULL;
  if (row >= 0x1000000) return FALLBACK;
  p = start;
  bad = false;
  let seen: u32 = 0;
  let tLo: u32 = 0;
  let tHi: u32 = 0;
  let oLo: u32 = 0;
  let oHi: u32 = 0;
  let sev: u32 = 0;
  let sevPtr: usize = 0;
  let sevLen: usize = 0;
  let bodyPtr: usize = 0;
  let bodyLen: usize = 0;
  let tracePtr: usize = 0;
  let spanPtr: usize = 0;
  let flags: u32 = 0;
  let eventPtr: usize = 0;
  let eventLen: usize = 0;
  let count: i32 = 0;
  while (p < end) {
    const tag = uvarint(end);
    if (bad) return FALLBACK;
    const field = tag >> 3;
    if (field != 6) {
      if (field > 31 || (seen & ((<u32>1) << field)) != 0) return FALLBACK;
      seen |= (<u32>1) << field;
    }
    switch (tag) {
      case 0x09: // time_unix_nano
      case 0x59: {
        // observed_time_unix_nano
        if (end - p < 8) return FALLBACK;
        if (tag == 0x09) {
          tLo = load<u32>(p);
          tHi = load<u32>(p, 4);
        } else {
          oLo = load<u32>(p);
          oHi = load<u32>(p, 4);
        }
        p += 8;
        break;
      }
      case 0x10: {
        // severity_number: 0-24 is one byte
        if (p >= end) return FALLBACK;
        sev = <u32>load<u8>(p++);
        if (sev > 24) return FALLBACK;
        break;
      }
      case 0x1a: // severity_text
      case 0x62: {
        // event_name
        const sEnd = lengthEnd(end);
        if (bad || !ascii(p, sEnd - p)) return FALLBACK;
        if (tag == 0x1a) {
          sevPtr = p;
          sevLen = sEnd - p;
        } else {
          eventPtr = p;
          eventLen = sEnd - p;
        }
        p = sEnd;
        break;
      }
      case 0x2a: {
        // body: a lone string_value
        const bEnd = lengthEnd(end);
        if (bad || bEnd - p < 2 || load<u8>(p) != 0x0a) return FALLBACK;
        p++;
        const sEnd = lengthEnd(bEnd);
        if (bad || sEnd != bEnd || !keptAsBytes(p, bEnd - p)) return FALLBACK;
        bodyPtr = p;
        bodyLen = bEnd - p;
        p = bEnd;
        break;
      }
      case 0x32: {
        // attributes
        if (count >= maxAttributes) return FALLBACK;
        const kvEnd = lengthEnd(end);
        if (bad || !readAttribute(kvEnd, count)) return FALLBACK;
        count++;
        break;
      }
      case 0x38: {
        // dropped_attributes_count (SDKs send 0): skipped, as the JS decoder does
        let b: u32 = 0x80;
        for (let i = 0; i < 10 && b >= 0x80; i++) {
          if (p >= end) return FALLBACK;
          b = <u32>load<u8>(p++);
        }
        if (b >= 0x80) return FALLBACK;
        break;
      }
      case 0x45: {
        // flags
        if (end - p < 4) return FALLBACK;
        flags = load<u32>(p);
        p += 4;
        break;
      }
      case 0x4a: // trace_id
      case 0x52: {
        // span_id: empty or all zeros is no id
        const idEnd = lengthEnd(end);
        if (bad) return FALLBACK;
        const len = idEnd - p;
        if (len != 0 && len != (tag == 0x4a ? 16 : 8)) return FALLBACK;
        let zero = true;
        for (let q = p; q < idEnd; q++) if (load<u8>(q) != 0) zero = false;
        if (!zero) {
          if (tag == 0x4a) tracePtr = p;
          else spanPtr = p;
        }
        p = idEnd;
        break;
      }
      default:
        return FALLBACK;
    }
  }
  // severityFromText() when only the text is given: the JS decoder's.
  if (sev == 0 && sevLen > 0) return FALLBACK;

  if ((oLo | oHi) == 0) {
    oLo = receivedLo;
    oHi = receivedHi;
  }
  if ((tLo | tHi) == 0) {
    tLo = oLo;
    tHi = oHi;
  }
  // nanos.ts nanosToSeconds(), the same arithmetic
  const seconds = Math.floor((<f64>tHi * 8388608 + <f64>(tLo >> 9)) / 1953125);
  if (seconds < minTs) minTs = seconds;
  if (seconds > maxTs) maxTs = seconds;

  let o = outPos;
  store<u32>(o, (idLowByte << 24) + row);
  store<u32>(o, idHigh, 4);
  store<u32>(o, seconds > 4294967295 ? 0xffffffff : <u32>seconds, 8);
  store<u32>(o, tLo, 12);
  store<u32>(o, tHi, 16);
  store<u32>(o, oLo, 20);
  store<u32>(o, oHi, 24);
  store<u8>(o, <u8>sev, 28);
  o += 29;
  if (sevLen > 0) o = putBytes(o, sevPtr, sevLen);
  else if (sev == 0) store<u8>(o++, 0);
  else {
    const name = (sev - 1) >> 2;
    o = putBytes(o, SEVERITY + <usize>(name * 5), <usize>load<u8>(SEVERITY_LEN + <usize>name));
  }
  o = putBytes(o, bodyPtr, bodyLen);
  if (tracePtr != 0) o = putHex(o, tracePtr, 16);
  else store<u8>(o++, 0);
  if (spanPtr != 0) o = putHex(o, spanPtr, 8);
  else store<u8>(o++, 0);
  store<u32>(o, flags);
  o += 4;
  o = putBytes(o, eventPtr, eventLen);
  store<u16>(o, <u16>httpStatus(count));
  o += 2;

  o = putVarint(o, <usize>count);
  for (let i = 0; i < count; i++) o = putKey(o, attribute(i));
  o = putVarint(o, <usize>count);
  let numbers: usize = 0;
  for (let i = 0; i < count; i++) {
    const entry = attribute(i);
    o = putValueText(o, entry);
    if (isNumber(entry)) numbers++;
  }
  o = putVarint(o, numbers);
  for (let i = 0; i < count; i++) {
    const entry = attribute(i);
    if (isNumber(entry)) o = putKey(o, entry);
  }
  o = putVarint(o, numbers);
  for (let i = 0; i < count; i++) {
    const entry = attribute(i);
    if (isNumber(entry)) {
      store<f64>(o, load<f64>(entry, 24));
      o += 8;
    }
  }
  memory.copy(o, prefixPtr, prefixLen);
  outPos = o + prefixLen;
  row++;
  return DONE;
}

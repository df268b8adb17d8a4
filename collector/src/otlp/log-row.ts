import type { Redactor } from '../redact/redactor.ts';
import { Attributes } from './attributes.ts';
import type { RowIds } from './ids.ts';
import { nanosToSeconds } from './nanos.ts';
import type { RowWriter } from './row-writer.ts';
import { severityFromText, severityText } from './severity.ts';

/**
 * One log record being decoded; reused across records (reset() between them).
 * The protobuf decoder may leave the body and the ids in the request (src): see
 * text-spans.ts. A start of -1 means the string field holds the value.
 */
export class LogRecordScratch {
  timeLo = 0;
  timeHi = 0;
  obsLo = 0;
  obsHi = 0;
  severityNumber = 0;
  severityText = '';
  body = '';
  traceId = '';
  spanId = '';
  flags = 0;
  eventName = '';
  readonly attrs = new Attributes();
  /** The request that the spans below (and attrs' spans) point into. */
  src: Buffer | undefined;
  bodyStart = -1;
  bodyLen = 0;
  /** Offset of the 16 trace id bytes (8 span id bytes) in src, or -1. */
  traceStart = -1;
  spanStart = -1;

  /** The record's spans point into buf from now on. */
  readFrom(buf: Buffer): void {
    this.src = buf;
    this.attrs.src = buf;
  }

  reset(): void {
    this.bodyStart = -1;
    this.traceStart = -1;
    this.spanStart = -1;
    this.timeLo = 0;
    this.timeHi = 0;
    this.obsLo = 0;
    this.obsHi = 0;
    this.severityNumber = 0;
    this.severityText = '';
    this.body = '';
    this.traceId = '';
    this.spanId = '';
    this.flags = 0;
    this.eventName = '';
    this.attrs.reset();
  }
}

/**
 * The last key list written and its RowBinary: records of one kind send the
 * same attribute keys in the same order (the same string objects, from the key
 * cache in attributes.ts), so the list is usually copied as bytes instead of
 * written key by key.
 */
interface KeyListCache {
  keys: string[];
  bytes: Buffer;
}

const TEXT_KEYS: KeyListCache = { keys: [], bytes: Buffer.from([0]) };
const NUMBER_KEYS: KeyListCache = { keys: [], bytes: Buffer.from([0]) };

function writeKeyList(w: RowWriter, cache: KeyListCache, keys: readonly string[], count: number): void {
  const last = cache.keys;
  if (last.length === count) {
    let i = 0;
    while (i < count && keys[i] === last[i]) i++;
    if (i === count) {
      w.raw(cache.bytes);
      return;
    }
  }
  // Relative to the writer's start: a writer that grows moves its rows.
  const from = w.pos - w.start;
  w.stringArray(keys, count);
  cache.bytes = Buffer.from(w.buf.subarray(w.start + from, w.pos));
  cache.keys = keys.slice(0, count);
}

/** The attribute values, each from its string or its span. */
function writeValues(w: RowWriter, a: Attributes): void {
  const src = a.src;
  w.varint(a.count);
  for (let i = 0; i < a.count; i++) {
    const start = a.starts[i] as number;
    if (start >= 0 && src) w.stringBytes(src, start, a.lens[i] as number);
    else w.string(a.values[i] as string);
  }
}

/** Why a record cannot be stored; the rest of the request still is. */
export function validateLogRecord(rec: LogRecordScratch): string | undefined {
  if (rec.severityNumber > 24) return `severity_number ${rec.severityNumber} is outside 0-24`;
  return undefined;
}

function httpStatus(attrs: Attributes): number {
  const n = attrs.getNumber('http.response.status_code') ?? attrs.getNumber('http.status_code');
  return n !== undefined && Number.isInteger(n) && n >= 100 && n <= 999 ? n : 0;
}

/**
 * Encodes one log row in LOG_COLUMNS order: the record's columns, then the
 * pre-encoded resource/scope prefix. Time falls back to observed time, then to
 * the time the request was received. With a redactor, the body and attribute
 * values are redacted first (the prefix was redacted when it was built).
 */
export function encodeLogRow(
  w: RowWriter,
  rec: LogRecordScratch,
  ids: RowIds,
  prefix: Buffer,
  receivedLo: number,
  receivedHi: number,
  redactor?: Redactor,
): number {
  // Spans were checked against the redactor when they were read (text-spans.ts).
  if (redactor) {
    if (rec.bodyStart < 0) rec.body = redactor.redact(rec.body);
    redactor.redactAttributes(rec.attrs);
  }
  let obsLo = rec.obsLo;
  let obsHi = rec.obsHi;
  if (obsLo === 0 && obsHi === 0) {
    obsLo = receivedLo;
    obsHi = receivedHi;
  }
  let tLo = rec.timeLo;
  let tHi = rec.timeHi;
  if (tLo === 0 && tHi === 0) {
    tLo = obsLo;
    tHi = obsHi;
  }
  const seconds = nanosToSeconds(tLo, tHi);
  let sevNum = rec.severityNumber;
  let sevText = rec.severityText;
  if (sevNum === 0 && sevText !== '') sevNum = severityFromText(sevText);
  if (sevText === '') sevText = severityText(sevNum);

  w.u64Parts(ids.nextLo(), ids.high);
  w.u32(seconds > 4294967295 ? 4294967295 : seconds);
  w.u64Parts(tLo, tHi);
  w.u64Parts(obsLo, obsHi);
  w.u8(sevNum);
  w.string(sevText);
  const src = rec.src;
  if (rec.bodyStart >= 0 && src) w.stringBytes(src, rec.bodyStart, rec.bodyLen);
  else w.string(rec.body);
  if (rec.traceStart >= 0 && src) w.hex(src, rec.traceStart, 16);
  else w.string(rec.traceId);
  if (rec.spanStart >= 0 && src) w.hex(src, rec.spanStart, 8);
  else w.string(rec.spanId);
  w.u32(rec.flags);
  w.string(rec.eventName);
  w.u16(httpStatus(rec.attrs));
  const a = rec.attrs;
  writeKeyList(w, TEXT_KEYS, a.keys, a.count);
  writeValues(w, a);
  writeKeyList(w, NUMBER_KEYS, a.numKeys, a.numCount);
  w.f64Array(a.numValues, a.numCount);
  w.raw(prefix);
  return seconds;
}

import type { Redactor } from '../redact/redactor.ts';
import { Attributes } from './attributes.ts';
import type { RowIds } from './ids.ts';
import { nanosToSeconds } from './nanos.ts';
import type { RowWriter } from './row-writer.ts';
import { severityFromText, severityText } from './severity.ts';

/** One log record being decoded; reused across records (reset() between them). */
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

  reset(): void {
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
  if (redactor) {
    rec.body = redactor.redact(rec.body);
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
  w.string(rec.body);
  w.string(rec.traceId);
  w.string(rec.spanId);
  w.u32(rec.flags);
  w.string(rec.eventName);
  w.u16(httpStatus(rec.attrs));
  const a = rec.attrs;
  writeKeyList(w, TEXT_KEYS, a.keys, a.count);
  w.stringArray(a.values, a.count);
  writeKeyList(w, NUMBER_KEYS, a.numKeys, a.numCount);
  w.f64Array(a.numValues, a.numCount);
  w.raw(prefix);
  return seconds;
}

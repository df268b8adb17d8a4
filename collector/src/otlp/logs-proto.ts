import { AttributeLimitError, readRepeatedString } from './attributes.ts';
import type { DecodeContext, DecodeOutcome } from './decoded.ts';
import { Rejections, logsOutcome } from './decoded.ts';
import { ExportRequest, LogRecord, ResourceItems, ScopeItems, WIRE } from './fields.ts';
import { LogResourceRows, type LogResourceRef } from './log-resources.ts';
import { LogRecordScratch, encodeLogRow, validateLogRecord } from './log-row.ts';
import { nanosToSeconds } from './nanos.ts';
import { createReader, decodeGuard, fixed32Bits, nestedEnd, readString, type Reader } from './reader.ts';
import { encodeLogPrefix, readResource, readScope, type ResourceInfo, type ScopeInfo } from './resource.ts';
import { RowWriter } from './row-writer.ts';
import { readKeyValueSpan, readValueSpan, settleSpan, valueSpan } from './text-spans.ts';

const EMPTY_SCOPE: ScopeInfo = { name: '', version: '' };
/**
 * Start and end offsets of the current scope's records, reused by every scope
 * and request (decoding is synchronous, one scope at a time) so that a busy
 * collector does not grow a fresh array for each scope's records. Dropped after
 * a scope of more than RECORD_BOUNDS_KEPT records, so that one huge request of
 * tiny records does not pin its offsets' memory for the life of the process.
 */
const RECORD_BOUNDS: number[] = [];
const RECORD_BOUNDS_KEPT = 2 * 16_384;

/**
 * Reads a bytes field that holds an id: the offset of its bytes in the request,
 * written as hex with the row; -1 when it is empty or all zeros (no id).
 */
function readIdSpan(r: Reader, expected: number, what: string): number {
  const len = r.size(); // the length prefix and bounds check of r.bytes(), without its slice
  const start = r.pos;
  r.skip(len);
  if (len === 0) return -1;
  if (len !== expected) throw new RecordError(`${what} must be ${expected} bytes, got ${len}`);
  const buf = r.buf;
  for (let i = start; i < start + len; i++) if (buf[i] !== 0) return start;
  return -1;
}

class RecordError extends Error {}

/**
 * One RowWriter reused across requests: decoding is synchronous, so it is never
 * shared (a decode that throws simply does not give it back). Saves allocating,
 * and usually regrowing, a buffer about three times the request's size per
 * request; take() still copies the rows out. One grown past SCRATCH_MAX_BYTES is
 * dropped rather than kept.
 */
const SCRATCH_MAX_BYTES = 8 * 1024 * 1024;
let scratchWriter: RowWriter | undefined;

function acquireWriter(sizeHint: number): RowWriter {
  const w = scratchWriter ?? new RowWriter(sizeHint);
  scratchWriter = undefined;
  w.pos = 0;
  return w;
}

function releaseWriter(w: RowWriter): void {
  w.pos = 0;
  if (w.buf.length <= SCRATCH_MAX_BYTES) scratchWriter = w;
}

/**
 * Decodes an ExportLogsServiceRequest straight from the wire format into
 * RowBinary log rows: no intermediate message objects. Malformed framing fails
 * the whole request (400); a record that is well-formed but unacceptable is
 * rejected alone and counted in partial_success.
 */
export function decodeLogsProto(buf: Buffer, ctx: DecodeContext): DecodeOutcome {
  return decodeGuard('ExportLogsServiceRequest', () => {
    const r = createReader(buf);
    const ids = ctx.ids('logs');
    const sizeHint = 4096 + Math.ceil(buf.length * 1.6);
    // Straight into the batch's memory when it has room; else a scratch writer, copied out.
    const direct = ctx.writer?.('logs', sizeHint);
    const w = direct ?? acquireWriter(sizeHint);
    const t = ctx.transcoder?.begin(buf, ctx.limits, ctx.redactor, ctx.receivedLo, ctx.receivedHi)
      ? ctx.transcoder
      : undefined;
    const rec = new LogRecordScratch();
    rec.readFrom(buf);
    const rejections = new Rejections();
    const body = valueSpan();
    const resources = new LogResourceRows(ctx.logResources, nanosToSeconds(ctx.receivedLo, ctx.receivedHi));
    let rows = 0;
    let minTs = Infinity;
    let maxTs = -Infinity;

    const readRecord = (end: number, prefix: Buffer): void => {
      rec.reset();
      try {
        while (r.pos < end) {
          const tag = r.uint32();
          const field = tag >>> 3;
          const wt = tag & 7;
          switch (field) {
            case LogRecord.TIME_UNIX_NANO:
              if (wt !== WIRE.I64) break;
              rec.timeLo = fixed32Bits(r);
              rec.timeHi = fixed32Bits(r);
              continue;
            case LogRecord.OBSERVED_TIME_UNIX_NANO:
              if (wt !== WIRE.I64) break;
              rec.obsLo = fixed32Bits(r);
              rec.obsHi = fixed32Bits(r);
              continue;
            case LogRecord.SEVERITY_NUMBER:
              if (wt !== WIRE.VARINT) break;
              rec.severityNumber = r.int32();
              continue;
            case LogRecord.SEVERITY_TEXT:
              if (wt !== WIRE.LEN) break;
              rec.severityText = readRepeatedString(r, 'severity_text');
              continue;
            case LogRecord.BODY: {
              if (wt !== WIRE.LEN) break;
              const bEnd = nestedEnd(r, end);
              readValueSpan(r, bEnd, ctx.limits, body);
              if (settleSpan(buf, body, ctx.redactor)) {
                rec.bodyStart = body.start;
                rec.bodyLen = body.len;
              } else {
                rec.bodyStart = -1;
                rec.body = body.text;
              }
              continue;
            }
            case LogRecord.ATTRIBUTES: {
              if (wt !== WIRE.LEN) break;
              const kvEnd = nestedEnd(r, end);
              readKeyValueSpan(r, kvEnd, ctx.limits, rec.attrs, ctx.redactor);
              continue;
            }
            case LogRecord.FLAGS:
              if (wt !== WIRE.I32) break;
              rec.flags = r.fixed32();
              continue;
            case LogRecord.TRACE_ID:
              if (wt !== WIRE.LEN) break;
              rec.traceStart = readIdSpan(r, 16, 'trace_id');
              continue;
            case LogRecord.SPAN_ID:
              if (wt !== WIRE.LEN) break;
              rec.spanStart = readIdSpan(r, 8, 'span_id');
              continue;
            case LogRecord.EVENT_NAME:
              if (wt !== WIRE.LEN) break;
              rec.eventName = readString(r, 'event_name');
              continue;
            default:
              break;
          }
          r.skipType(wt);
        }
      } catch (err) {
        if (err instanceof AttributeLimitError || err instanceof RecordError) {
          rejections.add(`log record rejected: ${err.message}`);
          r.pos = end;
          return;
        }
        throw err;
      }
      if (r.pos !== end) throw new Error('log record overruns its length');
      if (rec.severityNumber < 0) {
        rejections.add(`log record rejected: severity_number ${rec.severityNumber} is negative`);
        return;
      }
      const problem = validateLogRecord(rec);
      if (problem) {
        rejections.add(`log record rejected: ${problem}`);
        return;
      }
      const ts = encodeLogRow(w, rec, ids, prefix, ctx.receivedLo, ctx.receivedHi, ctx.redactor);
      rows++;
      if (ts < minTs) minTs = ts;
      if (ts > maxTs) maxTs = ts;
    };

    const readScopeLogs = (end: number, resource: ResourceInfo, fingerprint: LogResourceRef): void => {
      let scope = EMPTY_SCOPE;
      let bounds = 0;
      // Two passes: the scope may follow its records on the wire.
      while (r.pos < end) {
        const tag = r.uint32();
        const field = tag >>> 3;
        const wt = tag & 7;
        if (field === ScopeItems.SCOPE && wt === WIRE.LEN) {
          const sEnd = nestedEnd(r, end);
          scope = readScope(r, sEnd);
        } else if (field === ScopeItems.ITEMS && wt === WIRE.LEN) {
          const recEnd = nestedEnd(r, end);
          RECORD_BOUNDS[bounds++] = r.pos;
          RECORD_BOUNDS[bounds++] = recEnd;
          r.pos = recEnd;
        } else r.skipType(wt);
      }
      const prefix = encodeLogPrefix(resource, scope, fingerprint);
      t?.scope(prefix, ids, w);
      for (let i = 0; i < bounds; i += 2) {
        const start = RECORD_BOUNDS[i] as number;
        const recEnd = RECORD_BOUNDS[i + 1] as number;
        if (t !== undefined) {
          if (t.record(start, recEnd)) continue;
          // The transcoder declined this record: its rows so far go first, then the JS decoder's.
          rows += t.flush();
        }
        r.pos = start;
        readRecord(recEnd, prefix);
        t?.resume();
      }
      if (t !== undefined) rows += t.flush();
      if (bounds > RECORD_BOUNDS_KEPT) RECORD_BOUNDS.length = 0;
      r.pos = end;
    };

    const readResourceLogs = (end: number): void => {
      let resource: ResourceInfo | undefined;
      const scopes: number[] = [];
      while (r.pos < end) {
        const tag = r.uint32();
        const field = tag >>> 3;
        const wt = tag & 7;
        if (field === ResourceItems.RESOURCE && wt === WIRE.LEN) {
          const resEnd = nestedEnd(r, end);
          resource = readResource(
            r,
            resEnd,
            { ...ctx.limits, maxAttributes: ctx.limits.maxAttributes * 4 },
            ctx.redactor,
          );
        } else if (field === ResourceItems.SCOPE_ITEMS && wt === WIRE.LEN) {
          const sEnd = nestedEnd(r, end);
          scopes.push(r.pos, sEnd);
          r.pos = sEnd;
        } else r.skipType(wt);
      }
      const res = resource ?? readResource(createReader(Buffer.alloc(0)), 0, ctx.limits);
      ctx.sighted?.(res);
      const fingerprint = resources.ref(res);
      const rowsBefore = rows;
      for (let i = 0; i < scopes.length; i += 2) {
        r.pos = scopes[i] as number;
        readScopeLogs(scopes[i + 1] as number, res, fingerprint);
      }
      if (rows > rowsBefore) resources.used(res, fingerprint);
      r.pos = end;
    };

    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag >>> 3 === ExportRequest.RESOURCE_ITEMS && (tag & 7) === WIRE.LEN) {
        const end = nestedEnd(r, r.len);
        readResourceLogs(end);
      } else r.skipType(tag & 7);
    }
    if (t !== undefined) {
      const done = t.end();
      if (done.minTs < minTs) minTs = done.minTs;
      if (done.maxTs > maxTs) maxTs = done.maxTs;
    }
    const logs = rows > 0 ? { bytes: direct ? w.view() : w.take(), rows, minTs, maxTs } : undefined;
    if (!direct) releaseWriter(w);
    return logsOutcome(logs, resources, rejections);
  });
}

export type { Reader };

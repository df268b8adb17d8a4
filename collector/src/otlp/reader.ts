import { isUtf8 } from 'node:buffer';
import protobuf from 'protobufjs/minimal.js';
import { CollectorErrors } from '../errors.ts';

/**
 * Thin helpers over protobufjs' Reader for the hot path: bounds-checked nested
 * messages, strict UTF-8 strings and fixed64 as two 32-bit halves (no Long).
 */
export type Reader = protobuf.Reader;
export const Reader = protobuf.Reader;

export function createReader(buf: Buffer): Reader {
  return protobuf.Reader.create(buf);
}

export function invalid(message: string): Error {
  return new CollectorErrors.PAYLOAD_INVALID(message);
}

/** Reads a length prefix and returns the end offset of the nested message, checked against its parent. */
export function nestedEnd(r: Reader, parentEnd: number): number {
  const len = r.uint32();
  const end = r.pos + len;
  if (end > parentEnd) throw invalid(`nested message of ${len} bytes overruns its parent at offset ${r.pos}`);
  return end;
}

/** A protobuf string field, rejecting invalid UTF-8 (as the protobuf spec requires). */
export function readString(r: Reader, field: string): string {
  const len = r.uint32();
  const start = r.pos;
  r.skip(len); // bounds-checked
  return stringAt(r.buf as Buffer, start, start + len, field);
}

/** The UTF-8 text of buf[start, end), rejecting invalid UTF-8. */
export function stringAt(buf: Buffer, start: number, end: number, field: string): string {
  const s = buf.toString('utf8', start, end);
  // A decode replaces each invalid sequence by U+FFFD; a U+FFFD may also have been sent as such.
  if (s.includes('\uFFFD') && !isUtf8(buf.subarray(start, end))) throw invalid(`invalid UTF-8 in ${field}`);
  return s;
}

/** Reads a bytes field as a view (no copy). */
export function readBytes(r: Reader): Buffer {
  return r.bytes() as Buffer;
}

/**
 * The next fixed32 as an int32 (its bits; `>>> 0` gives the uint32). protobufjs'
 * fixed32() returns the uint32, which V8 boxes when it is 2^31 or more: half of
 * all nanosecond timestamps' low halves.
 */
export function fixed32Bits(r: Reader): number {
  const p = r.pos;
  r.skip(4); // bounds-checked
  const b = r.buf;
  return (
    (b[p] as number) |
    ((b[p + 1] as number) << 8) |
    ((b[p + 2] as number) << 16) |
    ((b[p + 3] as number) << 24)
  );
}

/** fixed64 as a JS number (counts): exact below 2^53. */
export function readFixed64Number(r: Reader): number {
  const lo = r.fixed32();
  const hi = r.fixed32();
  return hi * 4294967296 + lo;
}

/** Skips a field of the given wire type, turning protobufjs' errors into payload errors. */
export function skip(r: Reader, wireType: number): void {
  r.skipType(wireType);
}

/** Runs a decoder and maps any low-level failure to HUB_OTLP_PAYLOAD_INVALID. */
export function decodeGuard<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof CollectorErrors.PAYLOAD_INVALID) throw err;
    throw invalid(`${what}: ${(err as Error).message}`);
  }
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RowIds } from '../src/index.ts';
import { readRepeatedString } from '../src/otlp/attributes.ts';
import { nanosToSeconds } from '../src/otlp/nanos.ts';
import { createReader, fixed32Bits } from '../src/otlp/reader.ts';
import { RowWriter } from '../src/otlp/row-writer.ts';

/**
 * The decoder keeps 32-bit halves as int32 where V8 would box a uint32 (row ids,
 * timestamp halves) and writes numbers byte by byte. These tests hold those
 * paths to Node's Buffer writers and to BigInt arithmetic, for either sign of
 * the same bits.
 */

const uint32 = fc.integer({ min: 0, max: 0xffffffff });

function written(write: (w: RowWriter) => void): Buffer {
  const w = new RowWriter(4);
  write(w);
  return w.take();
}

describe('RowWriter numbers', () => {
  it('u32 writes the bytes of writeUInt32LE, whether the value comes as uint32 or int32', () => {
    fc.assert(
      fc.property(uint32, (v) => {
        const expected = Buffer.alloc(4);
        expected.writeUInt32LE(v);
        expect(written((w) => w.u32(v))).toEqual(expected);
        expect(written((w) => w.u32(v | 0))).toEqual(expected);
      }),
    );
  });

  it('i32 writes the bytes of writeInt32LE', () => {
    fc.assert(
      fc.property(fc.integer({ min: -0x80000000, max: 0x7fffffff }), (v) => {
        const expected = Buffer.alloc(4);
        expected.writeInt32LE(v);
        expect(written((w) => w.i32(v))).toEqual(expected);
      }),
    );
  });

  it('u64Parts writes the UInt64 hi * 2^32 + lo, for halves of either sign', () => {
    fc.assert(
      fc.property(uint32, uint32, (lo, hi) => {
        const expected = Buffer.alloc(8);
        expected.writeBigUInt64LE((BigInt(hi) << 32n) | BigInt(lo));
        expect(written((w) => w.u64Parts(lo, hi))).toEqual(expected);
        expect(written((w) => w.u64Parts(lo | 0, hi | 0))).toEqual(expected);
      }),
    );
  });

  it('f64 and f64Array write the bytes of writeDoubleLE', () => {
    fc.assert(
      fc.property(fc.array(fc.double(), { maxLength: 20 }), (values) => {
        const expected = Buffer.alloc(values.length * 8);
        values.forEach((v, i) => expected.writeDoubleLE(v, i * 8));
        const one = written((w) => {
          for (const v of values) w.f64(v);
        });
        expect(one).toEqual(expected);
        // f64Array: a varint count, then the same bytes.
        const arr = written((w) => w.f64Array(values));
        expect(arr.subarray(arr.length - expected.length)).toEqual(expected);
      }),
    );
  });

  it('the ids of a batch are batch * 2^24 + row, written from the int32 low half', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 40 - 1 }),
        fc.integer({ min: 0, max: 2 ** 24 - 3 }),
        (batchKey, row) => {
          const ids = new RowIds(batchKey, row);
          const bytes = written((w) => {
            w.u64Parts(ids.nextLo(), ids.high);
            w.u64Parts(ids.nextLo(), ids.high);
          });
          const first = (BigInt(batchKey) << 24n) + BigInt(row);
          expect(bytes.readBigUInt64LE(0)).toBe(first);
          expect(bytes.readBigUInt64LE(8)).toBe(first + 1n);
        },
      ),
    );
  });
});

describe('fixed32Bits and nanosToSeconds', () => {
  it('fixed32Bits reads the bits of a fixed32 (>>> 0 gives the uint32) and moves on 4 bytes', () => {
    fc.assert(
      fc.property(uint32, uint32, (a, b) => {
        const buf = Buffer.alloc(8);
        buf.writeUInt32LE(a, 0);
        buf.writeUInt32LE(b, 4);
        const r = createReader(buf);
        expect(fixed32Bits(r) >>> 0).toBe(a);
        expect(r.pos).toBe(4);
        expect(fixed32Bits(r) >>> 0).toBe(b);
        expect(r.pos).toBe(8);
      }),
    );
  });

  it('fixed32Bits refuses to read past the end', () => {
    const r = createReader(Buffer.from([1, 2, 3]));
    expect(() => fixed32Bits(r)).toThrow(RangeError);
  });

  it('nanosToSeconds is floor(ns / 1e9) below 2^62 ns, for halves given as uint32 or int32', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 62n - 1n }), (ns) => {
        const lo = Number(ns & 0xffffffffn);
        const hi = Number(ns >> 32n);
        const seconds = Number(ns / 1_000_000_000n);
        expect(nanosToSeconds(lo, hi)).toBe(seconds);
        expect(nanosToSeconds(lo | 0, hi | 0)).toBe(seconds);
      }),
    );
  });
  it('nanosToSeconds from 2^62 ns on is past 2^32 seconds, where the row encoders clamp', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 2n ** 62n, max: 2n ** 64n - 1n }), (ns) => {
        const lo = Number(ns & 0xffffffffn);
        const hi = Number(ns >> 32n);
        expect(nanosToSeconds(lo, hi)).toBeGreaterThan(4294967295);
        expect(nanosToSeconds(lo | 0, hi | 0)).toBeGreaterThan(4294967295);
      }),
    );
  });
});

describe('readRepeatedString (the attribute-key cache)', () => {
  /** Protobuf string fields (length byte, then the bytes), one after another. */
  function fields(texts: readonly string[]): Buffer {
    return Buffer.concat(texts.flatMap((t) => [Buffer.from([Buffer.byteLength(t)]), Buffer.from(t)]));
  }

  it('strings that share a hash set keep coming back right (user.id and ERROR do)', () => {
    const sequence = ['user.id', 'ERROR', 'user.id', 'ERROR', 'ERROR', 'user.id'];
    const r = createReader(fields(sequence));
    expect(sequence.map(() => readRepeatedString(r, 'key'))).toEqual(sequence);
  });

  it('always returns the text that was sent, whatever the order and the collisions', () => {
    // Short strings over few letters: many share a length, first, middle and last byte.
    const text = fc.stringMatching(/^[ab.]{1,6}$/);
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 60 }), (sequence) => {
        const r = createReader(fields(sequence));
        expect(sequence.map(() => readRepeatedString(r, 'key'))).toEqual(sequence);
        expect(r.pos).toBe(r.len);
      }),
    );
  });
});

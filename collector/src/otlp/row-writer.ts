const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');
/** Scratch for doubles: written here, copied out as 8 little-endian bytes. */
const F64 = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64.buffer);

/**
 * A growable buffer that writes ClickHouse RowBinary values. Strings are
 * written as varint byte length + UTF-8 bytes, arrays as varint count + items,
 * numbers little-endian. One writer serves a whole request.
 */
export class RowWriter {
  buf: Buffer;
  pos = 0;
  /** Where this writer's rows begin in buf (0, except for a writer over shared memory: at()). */
  start = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** A writer that appends to `buf` from `start` on; if it outgrows buf, it moves its own rows to a new buffer. */
  static at(buf: Buffer, start: number): RowWriter {
    const w = new RowWriter(0);
    w.buf = buf;
    w.pos = start;
    w.start = start;
    return w;
  }

  private grow(need: number): void {
    const used = this.pos - this.start;
    let size = Math.max(1024, used * 2);
    while (size < used + need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, this.start, this.pos);
    this.buf = next;
    this.start = 0;
    this.pos = used;
  }

  ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  varint(value: number): void {
    this.ensure(10);
    let v = value;
    while (v >= 0x80) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }

  u8(value: number): void {
    this.ensure(1);
    this.buf[this.pos++] = value;
  }

  u16(value: number): void {
    this.ensure(2);
    this.buf.writeUInt16LE(value, this.pos);
    this.pos += 2;
  }

  /*
   * 32-bit values are written byte by byte (a typed-array store keeps the low 8
   * bits): the same bytes as writeUInt32LE(value >>> 0), for a value given as
   * uint32 or as int32, without passing a boxed number above 2^31 to a call.
   */

  u32(value: number): void {
    this.ensure(4);
    this.put32(value);
  }

  i32(value: number): void {
    this.ensure(4);
    this.put32(value);
  }

  /** UInt64 from its low and high 32-bit halves (each uint32 or int32). */
  u64Parts(lo: number, hi: number): void {
    this.ensure(8);
    this.put32(lo);
    this.put32(hi);
  }

  private put32(v: number): void {
    const buf = this.buf;
    const p = this.pos;
    buf[p] = v;
    buf[p + 1] = v >>> 8;
    buf[p + 2] = v >>> 16;
    buf[p + 3] = v >>> 24;
    this.pos = p + 4;
  }

  private put64f(value: number): void {
    F64[0] = value;
    const buf = this.buf;
    const p = this.pos;
    for (let i = 0; i < 8; i++) buf[p + i] = F64_BYTES[i] as number;
    this.pos = p + 8;
  }

  /** UInt64 from a non-negative JS number (exact below 2^53). */
  u64(value: number): void {
    const v = value > 0 ? value : 0;
    this.u64Parts(v % 4294967296, Math.floor(v / 4294967296));
  }

  f64(value: number): void {
    this.ensure(8);
    this.put64f(value);
  }

  string(value: string): void {
    // Short ASCII strings (most keys and values) are copied byte by byte: the same
    // bytes as Buffer.write, without its per-call overhead. Anything else takes the
    // general path, which overwrites whatever the attempt left past pos.
    const n = value.length;
    if (n < 128) {
      this.ensure(n + 1);
      const buf = this.buf;
      const start = this.pos;
      let p = start + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) break;
        buf[p++] = c;
      }
      if (i === n) {
        buf[start] = n;
        this.pos = p;
        return;
      }
    }
    const bytes = Buffer.byteLength(value, 'utf8');
    this.varint(bytes);
    this.ensure(bytes);
    this.buf.write(value, this.pos, bytes, 'utf8');
    this.pos += bytes;
  }

  /** A String from UTF-8 bytes of src (a span of a request): varint length, then the bytes. */
  stringBytes(src: Uint8Array, start: number, len: number): void {
    this.varint(len);
    this.ensure(len);
    const buf = this.buf;
    if (len < 64) {
      // Short copies byte by byte: cheaper than a native call for a few bytes.
      let p = this.pos;
      for (let i = start; i < start + len; i++) buf[p++] = src[i] as number;
    } else buf.set(src.subarray(start, start + len), this.pos);
    this.pos += len;
  }

  /** A String holding src[start, start + len) in lowercase hex (trace and span ids). */
  hex(src: Uint8Array, start: number, len: number): void {
    this.varint(len * 2);
    this.ensure(len * 2);
    const buf = this.buf;
    let p = this.pos;
    for (let i = start; i < start + len; i++) {
      const b = src[i] as number;
      buf[p++] = HEX_DIGITS[b >>> 4] as number;
      buf[p++] = HEX_DIGITS[b & 15] as number;
    }
    this.pos = p;
  }

  stringArray(values: readonly string[], count = values.length): void {
    this.varint(count);
    for (let i = 0; i < count; i++) this.string(values[i] as string);
  }

  f64Array(values: readonly number[], count = values.length): void {
    this.varint(count);
    this.ensure(count * 8);
    for (let i = 0; i < count; i++) this.put64f(values[i] as number);
  }

  u64Array(values: readonly number[], count = values.length): void {
    this.varint(count);
    for (let i = 0; i < count; i++) this.u64(values[i] as number);
  }

  raw(bytes: Buffer): void {
    this.ensure(bytes.length);
    // TypedArray#set: a plain memcpy, cheaper than Buffer#copy for the small per-row prefix.
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** A copy of what was written (the writer can then be reused). */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(this.start, this.pos));
    this.pos = this.start;
    return out;
  }

  /** What was written, without a copy: valid while nothing else writes to that memory. */
  view(): Buffer {
    return this.buf.subarray(this.start, this.pos);
  }
}

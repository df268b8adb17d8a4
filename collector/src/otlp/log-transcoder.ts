import { readFileSync } from 'node:fs';
import type { Redactor } from '../redact/redactor.ts';
import type { DecodeLimits } from './attributes.ts';
import type { RowIds } from './ids.ts';
import type { RowWriter } from './row-writer.ts';

/**
 * The WebAssembly transcoder of log records (collector/wasm/log-transcoder.ts,
 * built by `npm run build:wasm`): the common case of a LogRecord, from protobuf
 * straight to its RowBinary row, the same bytes as the JS decoder writes. The
 * JS decoder (logs-proto.ts) walks resources and scopes, hands each record here
 * first, and reads any record the transcoder declines itself, so every error,
 * rejection and redaction stays the JS decoder's (docs/ingest.md "Decoding").
 *
 * Memory layout of the module's linear memory, from heapBase(): the request,
 * then the scope's row prefix, then the output rows (OUTPUT_BYTES), copied into
 * the batch when the scope ends, the output is full, or a record falls back.
 */
/** The part of the WebAssembly JS API used here (@types/node 20 does not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
}
const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
const MODULE = new Wasm.Module(readFileSync(new URL('../../wasm/log-transcoder.wasm', import.meta.url)));

const DONE = 1;
const FULL = 2;
/** Requests above this size are decoded by JS alone, so the module's memory stays small (it never shrinks). */
const MAX_REQUEST_BYTES = 4 * 1024 * 1024;
const OUTPUT_BYTES = 1024 * 1024;
const PAGE = 65536;

interface Exports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  heapBase(): number;
  configure(
    redact: number,
    sensitiveKeys: number,
    minLength: number,
    maxAttributes: number,
    recvLo: number,
    recvHi: number,
  ): void;
  scope(
    prefix: number,
    prefixLen: number,
    lowByte: number,
    high: number,
    row: number,
    out: number,
    outEnd: number,
  ): void;
  record(start: number, end: number): number;
  written(): number;
  drained(): void;
  nextRow(): number;
  setRow(row: number): void;
  lowestTs(): number;
  highestTs(): number;
  valueHints(ptr: number, len: number): number;
  credentialKey(ptr: number, len: number): number;
}

/** The `timestamp` range (seconds) of the rows the transcoder wrote for a request. */
export interface TranscodedRange {
  minTs: number;
  maxTs: number;
}

export class LogTranscoder {
  private readonly wasm: Exports;
  private readonly base: number;
  private bytes: Uint8Array;
  /** The request's bytes sit at base; they end here. */
  private requestEnd = 0;
  private outAt = 0;
  private ids: RowIds | undefined;
  private writer: RowWriter | undefined;
  private range: TranscodedRange = { minTs: Infinity, maxTs: -Infinity };
  /** Whether the current scope's records are offered to the module. */
  private active = false;
  /**
   * Whether the module's row counter is in step with RowIds for this scope: from a
   * successful scope() until the flush() after a failure, which hands the rows
   * written before it back; from then on the JS decoder alone counts.
   */
  private scoped = false;
  /**
   * The first error the module threw (a trap would be a bug; memory.grow can fail
   * under memory pressure). From then on every record is left to the JS decoder,
   * rather than failing requests that the JS decoder can read.
   */
  failure: Error | undefined;

  constructor() {
    // The module imports nothing (stub runtime, no assertions).
    const instance = new Wasm.Instance(MODULE, {});
    this.wasm = instance.exports as unknown as Exports;
    this.base = this.wasm.heapBase();
    this.bytes = new Uint8Array(this.wasm.memory.buffer);
  }

  /**
   * Takes a protobuf logs request; false when this request is JS's alone (too large,
   * or user redaction rules, which may match anything).
   */
  begin(
    buf: Buffer,
    limits: DecodeLimits,
    redactor: Redactor | undefined,
    recvLo: number,
    recvHi: number,
  ): boolean {
    this.active = false;
    this.scoped = false;
    this.ids = undefined;
    this.writer = undefined;
    if (buf.length > MAX_REQUEST_BYTES || this.failure) return false;
    const rules = redactor?.byteRules();
    if (rules === null) return false;
    this.requestEnd = this.base + buf.length;
    this.range = { minTs: Infinity, maxTs: -Infinity };
    return this.guard(() => {
      this.placeAtBase(buf);
      this.wasm.configure(
        rules ? 1 : 0,
        rules?.sensitiveKeys ? 1 : 0,
        rules ? Math.min(rules.minLength, 0xffffffff) : 0xffffffff,
        limits.maxAttributes,
        recvLo,
        recvHi,
      );
      return true;
    });
  }

  /** Starts a scope's records: rows get this prefix and ids from ids, and go to w. */
  scope(prefix: Buffer, ids: RowIds, w: RowWriter): void {
    this.ids = ids;
    this.writer = w;
    this.scoped = false;
    this.active = false;
    if (this.failure) return;
    this.scoped = this.active = this.guard(() => {
      const prefixAt = align(this.requestEnd);
      this.outAt = align(prefixAt + prefix.length);
      this.reserve(this.outAt + OUTPUT_BYTES);
      this.bytes.set(prefix, prefixAt);
      this.wasm.scope(
        prefixAt,
        prefix.length,
        ids.lowByte,
        ids.high,
        ids.row,
        this.outAt,
        this.outAt + OUTPUT_BYTES,
      );
      return true;
    });
  }

  /**
   * Transcodes the record at [start, end) of the request; false when the JS decoder
   * must read it (call flush() first: rows keep their order and ids).
   */
  record(start: number, end: number): boolean {
    if (!this.active) return false;
    const at = this.base;
    // A record is written whole or not at all: a trap midway leaves the rows before it.
    // (try/catch here, not guard(): no closure per record on the hot path.)
    try {
      let res = this.wasm.record(at + start, at + end);
      if (res === FULL && this.wasm.written() > 0) {
        this.copyOut();
        res = this.wasm.record(at + start, at + end);
      }
      return res === DONE;
    } catch (err) {
      return this.fail(err);
    }
  }

  /**
   * Copies the rows written so far into the writer and hands the row ids back to
   * RowIds; returns how many rows were transcoded since the last flush().
   */
  flush(): number {
    const ids = this.ids;
    if (!this.scoped || !ids) return 0;
    this.copyOut();
    // RowIds was last in step at scope() or resume(): the module's rows since are the new ones.
    const next = this.wasm.nextRow();
    const rows = next - ids.row;
    ids.row = next;
    if (!this.active) this.scoped = false;
    return rows;
  }

  /** The timestamp range of the rows transcoded for this request (after the last flush()). */
  end(): TranscodedRange {
    this.ids = undefined;
    this.writer = undefined;
    return this.range;
  }

  /** After the JS decoder wrote a record: the transcoder's rows continue from RowIds'. */
  resume(): void {
    if (this.ids && this.active) this.wasm.setRow(this.ids.row);
  }

  /** A record that falls back ends at flush(); FULL copies out mid-scope. */
  private copyOut(): void {
    const n = this.wasm.written();
    if (n === 0 || !this.writer) return;
    const w = this.writer;
    w.ensure(n);
    w.buf.set(this.bytes.subarray(this.outAt, this.outAt + n), w.pos);
    w.pos += n;
    const range = this.range;
    range.minTs = Math.min(range.minTs, this.wasm.lowestTs());
    range.maxTs = Math.max(range.maxTs, this.wasm.highestTs());
    this.wasm.drained();
  }

  /** Runs fn; false once the module has thrown (this.failure), now or before. */
  private guard(fn: () => boolean): boolean {
    try {
      return fn();
    } catch (err) {
      return this.fail(err);
    }
  }

  private fail(err: unknown): false {
    this.failure = err instanceof Error ? err : new Error(String(err));
    this.active = false;
    return false;
  }

  /*
   * Probes of the module's checks for the tests that hold them to the JS path's. They use
   * the memory of the request being decoded: never call them during a decode.
   */

  /** The module's byte scan of an attribute value or body (collector/src/redact/byte-hints.ts bits). */
  hints(text: Uint8Array): number {
    this.placeAtBase(text);
    return this.wasm.valueHints(this.base, text.length);
  }

  /** Whether the module treats an ASCII attribute key as a credential key (builtins.ts SENSITIVE_KEY). */
  credentialKey(key: Uint8Array): boolean {
    this.placeAtBase(key);
    return this.wasm.credentialKey(this.base, key.length) !== 0;
  }

  /** Copies bytes to where a request goes: the start of the memory this side lays out. */
  private placeAtBase(bytes: Uint8Array): void {
    this.reserve(this.base + bytes.length);
    this.bytes.set(bytes, this.base);
  }

  private reserve(bytes: number): void {
    const memory = this.wasm.memory;
    const have = memory.buffer.byteLength;
    if (bytes > have) memory.grow(Math.ceil((bytes - have) / PAGE));
    if (this.bytes.buffer !== memory.buffer) this.bytes = new Uint8Array(memory.buffer);
  }
}

function align(n: number): number {
  return (n + 15) & ~15;
}

import { createHash } from 'node:crypto';
import type { EncodedRows } from './decoded.ts';
import type { ResourceInfo } from './resource.ts';
import { RowWriter } from './row-writer.ts';

/** A log resource's fingerprint (two 32-bit halves of a UInt64) and when its row was last made durable. */
export interface LogResourceRef {
  readonly lo: number;
  readonly hi: number;
  /** 0: never. */
  writtenAtSeconds: number;
}

/**
 * Log resources stored once (docs/schema.md#log-resources): each log row holds
 * its resource's fingerprint, 64 bits of SHA-1 over the sorted resource
 * attributes (as JSON), and the attributes themselves go to log_resources when the
 * resource is first seen and again hourly (last_seen, which retention reads).
 * Cached by that sorted text, so a busy resource costs one map lookup per
 * ResourceLogs, never per record.
 */
export class LogResourceFingerprints {
  private readonly cache = new Map<string, LogResourceRef>();

  constructor(
    private readonly maxEntries = 50_000,
    private readonly refreshSeconds = 3600,
  ) {}

  /** The resource's fingerprint (and when its row was last made durable). */
  lookup(resource: ResourceInfo): LogResourceRef {
    const key = resourceIdentity(resource);
    let ref = this.cache.get(key);
    if (ref === undefined) {
      if (this.cache.size >= this.maxEntries) this.cache.clear();
      const digest = createHash('sha1').update(key).digest();
      ref = { lo: digest.readUInt32LE(0), hi: digest.readUInt32LE(4), writtenAtSeconds: 0 };
      this.cache.set(key, ref);
    }
    return ref;
  }

  /**
   * Whether the resource's log_resources row must go with this request: when
   * it was never made durable or not in the last hour. Only written() marks it
   * done, once the request's rows are durable, so a request that fails
   * (malformed, refused, WAL error) leaves it to the next one.
   */
  due(ref: LogResourceRef, nowSeconds: number): boolean {
    return ref.writtenAtSeconds === 0 || nowSeconds - ref.writtenAtSeconds >= this.refreshSeconds;
  }

  /** The rows of these resources are durable as of nowSeconds. */
  written(refs: Iterable<LogResourceRef>, nowSeconds: number): void {
    for (const ref of refs) if (ref.writtenAtSeconds < nowSeconds) ref.writtenAtSeconds = nowSeconds;
  }
}

/**
 * The log_resources rows of one logs request: each resource that needs its row
 * written, once, however many ResourceLogs repeat it.
 */
export class LogResourceRows {
  private readonly writer = new RowWriter(1024);
  private readonly pending = new Set<LogResourceRef>();

  constructor(
    private readonly fingerprints: LogResourceFingerprints,
    private readonly nowSeconds: number,
  ) {}

  /** The fingerprint to write in the resource's log rows. */
  ref(resource: ResourceInfo): LogResourceRef {
    return this.fingerprints.lookup(resource);
  }

  /** Some log rows of the resource were written: its own row goes with them when due. */
  used(resource: ResourceInfo, ref: LogResourceRef): void {
    if (this.pending.has(ref) || !this.fingerprints.due(ref, this.nowSeconds)) return;
    encodeLogResource(this.writer, ref, resource, this.nowSeconds);
    this.pending.add(ref);
  }

  /** The request's log_resources rows, if any. */
  rows(): EncodedRows | undefined {
    if (this.pending.size === 0) return undefined;
    return {
      bytes: this.writer.take(),
      rows: this.pending.size,
      minTs: this.nowSeconds,
      maxTs: this.nowSeconds,
    };
  }

  /** Called once the request's rows are durable. */
  durable(): void {
    this.fingerprints.written(this.pending, this.nowSeconds);
  }
}

/**
 * The resource's identity: its attributes sorted by key, as JSON, so no value
 * can imitate a separator and make two resources share a fingerprint.
 */
function resourceIdentity(resource: ResourceInfo): string {
  const a = resource.attrs;
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i < a.count; i++) pairs.push([a.keys[i] as string, a.values[i] as string]);
  pairs.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0));
  return JSON.stringify(pairs);
}

/** One log_resources row, in LOG_RESOURCE_COLUMNS order. */
export function encodeLogResource(
  w: RowWriter,
  ref: LogResourceRef,
  resource: ResourceInfo,
  nowSeconds: number,
): void {
  w.u64Parts(ref.lo, ref.hi);
  w.string(resource.serviceName);
  w.string(resource.environment);
  w.stringArray(resource.attrs.keys, resource.attrs.count);
  w.stringArray(resource.attrs.values, resource.attrs.count);
  w.u32(nowSeconds);
  w.u32(nowSeconds);
}

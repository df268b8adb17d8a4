import {
  SERVICE_VERSIONS_TABLE,
  SERVICE_VERSION_COLUMNS,
  columnNames,
  type Db,
  type Logger,
} from '@obshub/core';
import type { ResourceInfo } from '../otlp/resource.ts';
import { RowWriter } from '../otlp/row-writer.ts';

/**
 * First sightings of (service, environment, service.version) in telemetry, the
 * source of inferred deploys (docs/deploys.md). The decoders report each
 * decoded resource (not each record); a triple this process has not written yet
 * is queued, and the queue is written to `service_versions` in one small INSERT
 * about every second, off the request path. A failed INSERT forgets its
 * triples, so the next sighting queues them again. Memory is bounded: at most
 * maxKnown triples are remembered (the oldest is forgotten first) and at most
 * maxPending queued; a sighting past that is simply noted again later. A
 * forgotten triple seen again is written again, which is harmless: readers
 * take the earliest sighting.
 */
export interface VersionSightingsOptions {
  flushIntervalMs: number;
  maxKnown: number;
  maxPending: number;
}

export const DEFAULT_SIGHTINGS_OPTIONS: VersionSightingsOptions = {
  flushIntervalMs: 1000,
  maxKnown: 10_000,
  maxPending: 5000,
};

/** Longer values are not deploy versions (the deploys API limits each to 256 characters). */
const MAX_PART_LENGTH = 256;
const COLUMNS = columnNames(SERVICE_VERSION_COLUMNS);

interface Sighting {
  key: string;
  service: string;
  environment: string;
  version: string;
  firstSeenMs: number;
}

export class VersionSightings {
  private readonly options: VersionSightingsOptions;
  /** Triples written or queued by this process, in insertion order (the oldest is evicted first). */
  private readonly known = new Set<string>();
  private pending: Sighting[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private written = 0;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    options: Partial<VersionSightingsOptions> = {},
  ) {
    this.options = { ...DEFAULT_SIGHTINGS_OPTIONS, ...options };
  }

  /** Called once per decoded resource: one Set lookup when the triple is known. */
  note(resource: ResourceInfo, receivedMs: number): void {
    const version = resource.serviceVersion;
    if (version === '' || version.length > MAX_PART_LENGTH) return;
    const service = resource.serviceName;
    const environment = resource.environment;
    if (service.length > MAX_PART_LENGTH || environment.length > MAX_PART_LENGTH) return;
    const key = `${service}\u0000${environment}\u0000${version}`;
    if (this.known.has(key)) return;
    if (this.pending.length >= this.options.maxPending) return;
    if (this.known.size >= this.options.maxKnown) {
      const oldest = this.known.values().next().value;
      if (oldest !== undefined) this.known.delete(oldest);
    }
    this.known.add(key);
    this.pending.push({ key, service, environment, version, firstSeenMs: receivedMs });
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs);
    this.timer.unref();
  }

  /**
   * Stops the timer and writes what is queued (a failure is logged, not thrown).
   * Best effort: shutdown waits at most timeoutMs for it.
   */
  async stop(timeoutMs = 5000): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    let timeout: NodeJS.Timeout | undefined;
    // A flush already in flight took its batch; the second writes what was queued since.
    const drain = async (): Promise<void> => {
      await this.flush();
      await this.flush();
    };
    await Promise.race([
      drain(),
      new Promise<void>((resolve) => {
        timeout = setTimeout(resolve, timeoutMs);
        timeout.unref();
      }),
    ]);
    clearTimeout(timeout);
  }

  get stats(): { known: number; pending: number; written: number } {
    return { known: this.known.size, pending: this.pending.length, written: this.written };
  }

  /** Writes the queued sightings; one flush at a time. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.pending.length === 0) return Promise.resolve();
    this.flushing = this.write().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async write(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    const w = new RowWriter(64 + batch.length * 64);
    for (const s of batch) {
      w.string(s.service);
      w.string(s.environment);
      w.string(s.version);
      w.u64(s.firstSeenMs);
    }
    try {
      await this.db.insertRowBinary(SERVICE_VERSIONS_TABLE.name, COLUMNS, w.take());
      this.written += batch.length;
    } catch (err) {
      for (const s of batch) this.known.delete(s.key);
      this.log.warn(
        { err: (err as Error).message, triples: batch.length },
        'service version sightings not written; noted again on the next sighting',
      );
    }
  }
}

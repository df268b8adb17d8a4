import { isUtf8 } from 'node:buffer';
import { metrics } from '@opentelemetry/api';
import { CollectorErrors } from './errors.ts';
import type { DecodeLimits } from './otlp/attributes.ts';
import type { DecodeContext, DecodeOutcome } from './otlp/decoded.ts';
import { decodeLogsJson } from './otlp/logs-json.ts';
import { decodeLogsProto } from './otlp/logs-proto.ts';
import { LogResourceFingerprints } from './otlp/log-resources.ts';
import type { LogTranscoder } from './otlp/log-transcoder.ts';
import { SeriesFingerprints } from './otlp/metric-row.ts';
import { decodeMetricsJson } from './otlp/metrics-json.ts';
import { decodeMetricsProto } from './otlp/metrics-proto.ts';
import { nowNanos } from './otlp/nanos.ts';
import type { PartialSuccess, Signal } from './otlp/responses.ts';
import { TRACES_NOT_STORED, countSpansJson, countSpansProto } from './otlp/traces.ts';
import type { IngestPipeline } from './pipeline/pipeline.ts';
import type { Redactor } from './redact/redactor.ts';
import type { VersionSightings } from './versions/sightings.ts';

export type PayloadFormat = 'proto' | 'json';

/**
 * What both transports (OTLP/HTTP and OTLP/gRPC) call with a decompressed body:
 * admission, decoding, and the durable append. Throws catalogue errors.
 */
export class Ingestor {
  private readonly fingerprints = new SeriesFingerprints();
  private readonly logResources = new LogResourceFingerprints();
  private readonly meter = metrics.getMeter('hub-collector');
  private readonly received = this.meter.createCounter('hub.collector.received_items', {
    description: 'Log records and data points accepted',
  });
  private readonly rejectedCounter = this.meter.createCounter('hub.collector.rejected_items', {
    description: 'Log records and data points rejected as invalid',
  });

  constructor(
    private readonly pipeline: IngestPipeline,
    private readonly limits: DecodeLimits,
    /** Applied to logs only: metric attributes are series labels (docs/redaction.md). */
    private readonly redactor?: Redactor,
    /** Service version sightings (inferred deploys); absent = not recorded. */
    private readonly sightings?: VersionSightings,
    /** Common protobuf log records in WebAssembly; absent = the JS decoder reads them all. */
    private readonly transcoder?: LogTranscoder,
  ) {}

  /** Throws HUB_OTLP_OVERLOADED / STORAGE_UNAVAILABLE / SHUTTING_DOWN when the request must be retried later. */
  admit(): void {
    const refusal = this.pipeline.admission();
    if (refusal) throw refusal;
  }

  get retryAfterSeconds(): number {
    return this.pipeline.retryAfterSeconds;
  }

  async ingest(signal: Signal, body: Buffer, format: PayloadFormat): Promise<PartialSuccess> {
    this.admit();
    const json = format === 'json' ? parseJson(body) : undefined;
    if (signal === 'traces') {
      const spans = format === 'json' ? countSpansJson(json) : countSpansProto(body);
      return { rejected: spans, errorMessage: spans > 0 ? TRACES_NOT_STORED : '' };
    }
    const receivedMs = Date.now();
    const received = nowNanos(receivedMs);
    const sightings = this.sightings;
    const ctx: DecodeContext = {
      limits: this.limits,
      ids: (table) => this.pipeline.ids(table),
      writer: (table, sizeHint) => this.pipeline.writer(table, sizeHint),
      receivedLo: received.lo,
      receivedHi: received.hi,
      fingerprints: this.fingerprints,
      logResources: this.logResources,
      redactor: this.redactor,
      transcoder: this.transcoder,
      sighted: sightings ? (resource) => sightings.note(resource, receivedMs) : undefined,
    };
    let outcome: DecodeOutcome;
    if (signal === 'logs')
      outcome = format === 'json' ? decodeLogsJson(json, ctx) : decodeLogsProto(body, ctx);
    else outcome = format === 'json' ? decodeMetricsJson(json, ctx) : decodeMetricsProto(body, ctx);

    if (outcome.rejected > 0) this.rejectedCounter.add(outcome.rejected, { signal });
    if (outcome.accepted === 0 && outcome.rejected > 0) {
      // Nothing usable: a client error, not a partial success.
      throw new CollectorErrors.PAYLOAD_INVALID(`every item was rejected: ${outcome.errorMessage}`);
    }
    // Same tick as the decode: the rows join the batches whose ids they carry.
    await this.pipeline.commit(outcome);
    outcome.onDurable?.();
    this.received.add(outcome.accepted, { signal });
    return { rejected: outcome.rejected, errorMessage: outcome.errorMessage };
  }
}

function parseJson(body: Buffer): unknown {
  if (!isUtf8(body)) throw new CollectorErrors.PAYLOAD_INVALID('request body is not valid UTF-8');
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (err) {
    throw new CollectorErrors.PAYLOAD_INVALID(`malformed JSON: ${(err as Error).message}`);
  }
}

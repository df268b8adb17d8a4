import path from 'node:path';
import type { Server as GrpcServer } from '@grpc/grpc-js';
import type { FastifyInstance } from 'fastify';
import type { CollectorConfig, Db, Logger } from '@obshub/core';
import { TokenCheck } from './auth.ts';
import { bindGrpc, buildGrpcReceiver } from './grpc/server.ts';
import { buildHttpReceiver } from './http/server.ts';
import { Ingestor } from './ingest.ts';
import { IngestPipeline } from './pipeline/pipeline.ts';
import { LogTranscoder } from './otlp/log-transcoder.ts';
import { Redactor } from './redact/redactor.ts';
import { VersionSightings } from './versions/sightings.ts';

export interface Collector {
  readonly http: FastifyInstance;
  readonly grpc: GrpcServer;
  readonly pipeline: IngestPipeline;
  /** First sightings of service versions (inferred deploys). */
  readonly sightings: VersionSightings;
  /** Replays the WAL and starts listening; returns the bound ports. */
  start(): Promise<{ httpPort: number; grpcPort: number; replayedRows: number }>;
  /** Stops accepting, flushes every batch (what cannot be flushed stays in the WAL). */
  stop(timeoutMs?: number): Promise<void>;
}

export interface BuildCollectorOptions {
  config: CollectorConfig;
  db: Db;
  logger: Logger;
  /** Base folder for a relative walDir. */
  dataDir?: string;
}

/** Builds the collector without starting it (tests start it on port 0). */
export function buildCollector(options: BuildCollectorOptions): Collector {
  const { config, db, logger } = options;
  const walDir = path.isAbsolute(config.walDir)
    ? config.walDir
    : path.resolve(options.dataDir ?? '.', config.walDir);
  const pipeline = new IngestPipeline(
    db,
    {
      walDir,
      walFsync: config.walFsync,
      flushRows: config.flushRows,
      flushBytes: config.flushBytes,
      flushIntervalMs: config.flushIntervalMs,
      maxPendingBytes: config.maxPendingBytes,
      maxConcurrentInserts: config.maxConcurrentInserts,
      retryAfterSeconds: config.retryAfterSeconds,
      maxBodyBytes: config.maxBodyBytes,
    },
    logger,
  );
  // Built before anything listens: a bad rule stops start-up (HUB_CONFIG_INVALID).
  const redactor = config.redaction.enabled ? new Redactor(config.redaction) : undefined;
  const sightings = new VersionSightings(db, logger);
  const ingestor = new Ingestor(
    pipeline,
    { maxAttributes: config.maxAttributesPerRecord, maxDepth: config.maxAnyValueDepth },
    redactor && !redactor.empty ? redactor : undefined,
    sightings,
    config.wasmTranscoder ? new LogTranscoder() : undefined,
  );
  const auth = new TokenCheck(config.authTokens);
  const http = buildHttpReceiver({ ingestor, pipeline, auth, maxBodyBytes: config.maxBodyBytes });
  const grpc = buildGrpcReceiver({ ingestor, auth, maxBodyBytes: config.maxBodyBytes });

  return {
    http,
    grpc,
    pipeline,
    sightings,
    async start() {
      const replayedRows = await pipeline.start();
      sightings.start();
      await http.listen({ host: config.host, port: config.httpPort });
      const address = http.server.address();
      const httpPort = typeof address === 'object' && address ? address.port : config.httpPort;
      const grpcPort = await bindGrpc(grpc, config.host, config.grpcPort);
      return { httpPort, grpcPort, replayedRows };
    },
    async stop(timeoutMs = 30_000) {
      await new Promise<void>((resolve) => {
        grpc.tryShutdown(() => resolve());
        setTimeout(() => {
          grpc.forceShutdown();
          resolve();
        }, 5000).unref();
      });
      await http.close();
      await sightings.stop();
      await pipeline.stop(timeoutMs);
    },
  };
}

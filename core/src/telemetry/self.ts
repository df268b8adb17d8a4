import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { SelfTelemetryConfig } from '../config/schema.ts';

export interface SelfTelemetry {
  shutdown(): Promise<void>;
}

export interface SelfTelemetryOptions {
  serviceName: string;
  serviceVersion: string;
  environment: string;
  config: SelfTelemetryConfig;
  /** OTLP/HTTP base URL used when config.endpoint is empty (the hub's own collector). */
  defaultEndpoint: string;
  /** Extra headers (the ingest token when the collector requires one). */
  headers?: Record<string, string>;
}

/**
 * Instruments a hub process with @opentelemetry/sdk-node: logs (through the
 * logger bridge) and metrics, no traces (the hub does not store them yet).
 *
 * Feedback guard: exports are batched on a fixed interval and the collector's
 * ingest path never logs per request, so self-traffic is a few small requests
 * per interval however busy the hub is, instead of growing with its own load.
 */
export function startSelfTelemetry(options: SelfTelemetryOptions): SelfTelemetry {
  if (!options.config.enabled) return { shutdown: async () => {} };
  const base = (options.config.endpoint || options.defaultEndpoint).replace(/\/$/, '');
  const headers = options.headers ?? {};
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: options.serviceName,
      [ATTR_SERVICE_VERSION]: options.serviceVersion,
      'deployment.environment.name': options.environment,
    }),
    autoDetectResources: false,
    spanProcessors: [],
    instrumentations: [],
    logRecordProcessors: [
      new BatchLogRecordProcessor({
        exporter: new OTLPLogExporter({ url: `${base}/v1/logs`, headers }),
        scheduledDelayMillis: options.config.exportIntervalMs,
        maxQueueSize: 2048,
        maxExportBatchSize: 512,
      }),
    ],
    metricReaders: [
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: `${base}/v1/metrics`, headers }),
        exportIntervalMillis: options.config.exportIntervalMs,
      }),
    ],
  });
  sdk.start();
  return {
    shutdown: async () => {
      await sdk.shutdown().catch(() => undefined);
    },
  };
}

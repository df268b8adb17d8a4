import { ROOT_CONTEXT, TraceFlags, ValueType, context, trace, type HrTime } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchLogRecordProcessor,
  LoggerProvider,
  type LogRecordExporter,
  type LogRecordProcessor,
  type SdkLogRecord,
} from '@opentelemetry/sdk-logs';
import {
  AggregationType,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';

/**
 * A small instrumented "app" built on the real OpenTelemetry JS SDK: a
 * LoggerProvider with a BatchLogRecordProcessor and a MeterProvider with a
 * PeriodicExportingMetricReader, both exporting through the exporter the test
 * passes in (OTLP/HTTP protobuf, OTLP/HTTP JSON or OTLP/gRPC). The values it
 * records are fixed so the test can state the expected rows as literals.
 */
export const APP_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
export const APP_SPAN_ID = '00f067aa0ba902b7';

/** Log record whose time the "no-time producer" processor clears (observed time is set). */
export const CLEARED_TIME_MARKER = 'app.clear_time';
export const CLEARED_TIME_OBSERVED: HrTime = [1_700_000_002, 500];

export interface AppOptions {
  service: string;
  logExporter: LogRecordExporter;
  metricExporter: PushMetricExporter;
}

export interface InstrumentedApp {
  /** Every export result the exporters reported (an export that failed is in here too). */
  results: ExportResult[];
  /** Nanosecond window around the emission of the record that has no time. */
  noTimeWindow: { from: bigint; to: bigint };
  /** Adds 3 to the counter and exports the metrics again (cumulative: total 15). */
  exportMoreMetrics(): Promise<void>;
  shutdown(): Promise<void>;
}

function recordResults<T>(
  exporter: { export(items: T, done: (result: ExportResult) => void): void },
  results: ExportResult[],
): void {
  const original = exporter.export.bind(exporter);
  exporter.export = (items, done) =>
    original(items, (result) => {
      results.push(result);
      done(result);
    });
}

/**
 * Stands in for a producer that does not know when an event happened (the OTLP
 * time_unix_nano is optional; the JS SDK always fills it in): clears the time of
 * marked records so only the observed time reaches the collector.
 */
class ClearTimeProcessor implements LogRecordProcessor {
  onEmit(record: SdkLogRecord): void {
    if (record.attributes[CLEARED_TIME_MARKER] === true) record.hrTime = [0, 0];
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const nowNanos = (): bigint => BigInt(Date.now()) * 1_000_000n;

export async function runInstrumentedApp(opts: AppOptions): Promise<InstrumentedApp> {
  const results: ExportResult[] = [];
  recordResults(opts.logExporter, results);
  recordResults(opts.metricExporter, results);

  const resource = resourceFromAttributes({
    'service.name': opts.service,
    'service.version': '1.4.2',
    'deployment.environment.name': 'staging',
    'host.name': 'web-7',
    'service.instance.id': `${opts.service}-instance-1`,
  });

  const loggerProvider = new LoggerProvider({
    resource,
    processors: [
      new ClearTimeProcessor(),
      new BatchLogRecordProcessor({ exporter: opts.logExporter, scheduledDelayMillis: 60_000 }),
    ],
  });
  const reader = new PeriodicExportingMetricReader({
    exporter: opts.metricExporter,
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new MeterProvider({
    resource,
    readers: [reader],
    views: [
      {
        instrumentName: 'app.payload.size',
        aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM },
      },
    ],
  });

  // Logs. A span context set by hand on the active context: no tracer provider needed.
  const logger = loggerProvider.getLogger('e2e-app', '2.1.0');
  const spanCtx = trace.setSpanContext(context.active(), {
    traceId: APP_TRACE_ID,
    spanId: APP_SPAN_ID,
    traceFlags: TraceFlags.SAMPLED,
    isRemote: false,
  });
  logger.emit({
    timestamp: [1_700_000_000, 123_456_789],
    severityNumber: SeverityNumber.INFO,
    severityText: 'info',
    body: 'user signed in',
    eventName: 'user.signin',
    context: spanCtx,
    attributes: {
      'attr.string': 'hello',
      'attr.int': 42,
      'attr.negative': -7,
      'attr.big': 2 ** 40,
      'attr.double': 3.25,
      'attr.bool': true,
      'attr.array': ['x', 'y'],
      'attr.numbers': [1, 2, 3],
      'attr.map': { a: 'b', n: 1 },
      'attr.bytes': new Uint8Array([1, 2, 3]),
      'http.response.status_code': 503,
    },
  });
  logger.emit({
    timestamp: [1_700_000_001, 0],
    severityNumber: SeverityNumber.WARN,
    body: { order: { id: 42, items: ['a', 'b'] }, ok: true, ratio: 0.5 },
    context: ROOT_CONTEXT,
  });
  const from = nowNanos();
  logger.emit({ severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', body: 'no time given' });
  const to = nowNanos();
  logger.emit({
    observedTimestamp: CLEARED_TIME_OBSERVED,
    severityNumber: SeverityNumber.DEBUG2,
    body: 'time cleared',
    attributes: { [CLEARED_TIME_MARKER]: true },
  });
  await loggerProvider.forceFlush();

  // Metrics.
  const meter = meterProvider.getMeter('e2e-app-meter', '3.0.0');
  const counter = meter.createCounter('app.requests', { unit: '{request}', description: 'Requests served' });
  counter.add(5, { route: '/a', code: 200 });
  counter.add(7, { route: '/a', code: 200 });
  const queue = meter.createUpDownCounter('app.queue.depth', {
    unit: '{item}',
    description: 'Items waiting',
    valueType: ValueType.INT,
  });
  queue.add(4);
  queue.add(-9);
  const latency = meter.createHistogram('app.latency', {
    unit: 'ms',
    description: 'Request latency',
    advice: { explicitBucketBoundaries: [10, 50, 100] },
  });
  for (const v of [5, 20, 30, 75, 200]) latency.record(v, { route: '/a' });
  meter
    .createObservableGauge('app.temperature', { unit: 'Cel', description: 'Room temperature' })
    .addCallback((result) => result.observe(21.5, { sensor: 's1' }));
  const payload = meter.createHistogram('app.payload.size', { unit: 'By', description: 'Payload sizes' });
  for (const v of [0, 1, 2, 3, 4, 8]) payload.record(v);
  await reader.forceFlush();

  return {
    results,
    noTimeWindow: { from, to },
    async exportMoreMetrics() {
      counter.add(3, { route: '/a', code: 200 });
      await reader.forceFlush();
    },
    async shutdown() {
      await loggerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

export function failedExports(results: readonly ExportResult[]): string[] {
  return results
    .filter((r) => r.code !== ExportResultCode.SUCCESS)
    .map((r) => r.error?.message ?? 'export failed');
}

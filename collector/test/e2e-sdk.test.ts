import { diag, DiagLogLevel } from '@opentelemetry/api';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../core/src/index.ts';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { eventually, startTestCollector, type TestCollector } from '../../test/helpers/collector.ts';
import {
  APP_SPAN_ID,
  APP_TRACE_ID,
  failedExports,
  runInstrumentedApp,
  type InstrumentedApp,
} from './helpers/sdk-app.ts';
import { selectLogRows, type StoredLogRow } from './helpers/stored-rows.ts';

/**
 * End to end with the real OpenTelemetry JS SDK: an instrumented app exports
 * logs and metrics over each OTLP transport (HTTP protobuf, HTTP JSON, gRPC,
 * and gzip-compressed HTTP and gRPC) to a real collector, and the rows are read
 * back from a real ClickHouse, field by field.
 */
interface Transport {
  name: string;
  service: string;
  logExporter(c: TestCollector): LogRecordExporter;
  metricExporter(c: TestCollector): PushMetricExporter;
}

const TRANSPORTS: Transport[] = [
  {
    name: 'OTLP/HTTP protobuf',
    service: 'e2e-http-proto',
    logExporter: (c) => new ProtoLogExporter({ url: `${c.httpUrl}/v1/logs` }),
    metricExporter: (c) => new ProtoMetricExporter({ url: `${c.httpUrl}/v1/metrics` }),
  },
  {
    name: 'OTLP/HTTP JSON',
    service: 'e2e-http-json',
    logExporter: (c) => new JsonLogExporter({ url: `${c.httpUrl}/v1/logs` }),
    metricExporter: (c) => new JsonMetricExporter({ url: `${c.httpUrl}/v1/metrics` }),
  },
  {
    name: 'OTLP/gRPC',
    service: 'e2e-grpc',
    logExporter: (c) => new GrpcLogExporter({ url: `http://127.0.0.1:${c.grpcPort}` }),
    metricExporter: (c) => new GrpcMetricExporter({ url: `http://127.0.0.1:${c.grpcPort}` }),
  },
  {
    name: 'OTLP/HTTP protobuf gzip',
    service: 'e2e-http-proto-gzip',
    logExporter: (c) =>
      new ProtoLogExporter({ url: `${c.httpUrl}/v1/logs`, compression: CompressionAlgorithm.GZIP }),
    metricExporter: (c) =>
      new ProtoMetricExporter({ url: `${c.httpUrl}/v1/metrics`, compression: CompressionAlgorithm.GZIP }),
  },
  {
    name: 'OTLP/gRPC gzip',
    service: 'e2e-grpc-gzip',
    logExporter: (c) =>
      new GrpcLogExporter({ url: `http://127.0.0.1:${c.grpcPort}`, compression: CompressionAlgorithm.GZIP }),
    metricExporter: (c) =>
      new GrpcMetricExporter({
        url: `http://127.0.0.1:${c.grpcPort}`,
        compression: CompressionAlgorithm.GZIP,
      }),
  },
];

interface SeriesRow {
  fp: string;
  metric_name: string;
  metric_type: string;
  unit: string;
  description: string;
  temporality: number;
  is_monotonic: number;
  service_name: string;
  service_version: string;
  environment: string;
  scope_name: string;
  attr_keys: string[];
  attr_values: string[];
  resource_keys: string[];
  resource_values: string[];
}

interface SampleRow {
  metric_name: string;
  fp: string;
  ts: number;
  time_ns: string;
  start_ns: string;
  flags: number;
  value: string;
  count: string;
  sum: string;
  min: string;
  max: string;
  bucket_bounds: number[];
  bucket_counts: string[];
  exp_scale: number;
  exp_zero_count: string;
  exp_positive_offset: number;
  exp_positive_counts: string[];
  exp_negative_offset: number;
  exp_negative_counts: string[];
}

const zip = (keys: string[], values: readonly unknown[]): Record<string, unknown> => {
  expect(values).toHaveLength(keys.length);
  expect(new Set(keys).size).toBe(keys.length);
  return Object.fromEntries(keys.map((k, i) => [k, values[i]]));
};

const nowNanos = (): bigint => BigInt(Date.now()) * 1_000_000n;

/** Exponential histogram bucket index of a positive value (buckets are (base^i, base^(i+1)]). */
function expBucketIndex(value: number, scale: number): number {
  const exact = Math.log2(value);
  if (Number.isInteger(exact)) return exact * 2 ** scale - 1;
  return Math.ceil(exact * 2 ** scale) - 1;
}

describe('OpenTelemetry JS SDK to ClickHouse', () => {
  let t: TestDb;
  let c: TestCollector;
  const diagnostics: string[] = [];

  beforeAll(async () => {
    diag.setLogger(
      {
        error: (msg) => diagnostics.push(`error: ${msg}`),
        warn: (msg) => diagnostics.push(`warn: ${msg}`),
        info: () => undefined,
        debug: () => undefined,
        verbose: () => undefined,
      },
      DiagLogLevel.WARN,
    );
    t = await createTestDb();
    c = await startTestCollector(t.db);
  });
  afterAll(async () => {
    diag.disable();
    await c?.stop();
    await t?.drop();
  });

  describe.each(TRANSPORTS)('$name', (transport) => {
    const svc = transport.service;
    let app: InstrumentedApp;
    let runFrom: bigint;
    let runTo: bigint;

    const logRows = () => selectLogRows(t.db, sql`service_name = ${svc}`);

    const seriesRows = () =>
      t.db.query<SeriesRow>(sql`
        SELECT toString(fingerprint) AS fp, metric_name, metric_type, unit, description, temporality,
          is_monotonic, service_name, service_version, environment, scope_name, attr_keys, attr_values,
          resource_keys, resource_values
        FROM metric_series FINAL WHERE service_name = ${svc}`);

    /** Float64 columns as text: NaN (no value) is not valid JSON. */
    const sampleRows = () =>
      t.db.query<SampleRow>(sql`
        SELECT metric_name, toString(fingerprint) AS fp, toUnixTimestamp(timestamp) AS ts,
          toString(time_unix_nano) AS time_ns, toString(start_time_unix_nano) AS start_ns, flags,
          toString(value) AS value, toString(count) AS count, toString(sum) AS sum,
          toString(min) AS min, toString(max) AS max, bucket_bounds,
          arrayMap(x -> toString(x), bucket_counts) AS bucket_counts, exp_scale,
          toString(exp_zero_count) AS exp_zero_count, exp_positive_offset,
          arrayMap(x -> toString(x), exp_positive_counts) AS exp_positive_counts, exp_negative_offset,
          arrayMap(x -> toString(x), exp_negative_counts) AS exp_negative_counts
        FROM metric_samples
        WHERE fingerprint IN (SELECT fingerprint FROM metric_series WHERE service_name = ${svc})
        ORDER BY metric_name, time_unix_nano`);

    /** The first exported sample of each metric. */
    const firstSamples = async (): Promise<Map<string, SampleRow>> => {
      const byName = new Map<string, SampleRow>();
      for (const row of await sampleRows())
        if (!byName.has(row.metric_name)) byName.set(row.metric_name, row);
      return byName;
    };

    beforeAll(async () => {
      diagnostics.length = 0; // each transport answers for its own warnings
      runFrom = nowNanos();
      app = await runInstrumentedApp({
        service: svc,
        logExporter: transport.logExporter(c),
        metricExporter: transport.metricExporter(c),
      });
      runTo = nowNanos();
      // Fail here, with the exporters' reasons, rather than time out waiting for rows.
      expect(failedExports(app.results)).toEqual([]);
      await eventually(async () => (await logRows()).length >= 4, 20_000, `${svc} log rows`);
      await eventually(async () => (await sampleRows()).length >= 5, 20_000, `${svc} metric samples`);
    });
    afterAll(async () => {
      await app?.shutdown();
    });

    it('every export succeeded without partial success or SDK warnings', () => {
      expect(failedExports(app.results)).toEqual([]);
      expect(app.results.length).toBeGreaterThanOrEqual(2);
      expect(diagnostics).toEqual([]);
    });

    it('stores each log record once, with the resource and scope columns', async () => {
      const rows = await logRows();
      expect(rows.map((r) => r.body).sort()).toEqual(
        [
          'no time given',
          'time cleared',
          'user signed in',
          JSON.stringify({ order: { id: 42, items: ['a', 'b'] }, ok: true, ratio: 0.5 }),
        ].sort(),
      );
      for (const row of rows) {
        expect(row).toMatchObject({
          service_name: svc,
          service_version: '1.4.2',
          service_namespace: '',
          service_instance_id: `${svc}-instance-1`,
          environment: 'staging',
          host_name: 'web-7',
          scope_name: 'e2e-app',
          scope_version: '2.1.0',
        });
        expect(zip(row.resource_keys, row.resource_values)).toEqual({
          'service.name': svc,
          'service.version': '1.4.2',
          'deployment.environment.name': 'staging',
          'host.name': 'web-7',
          'service.instance.id': `${svc}-instance-1`,
        });
      }
    });

    it('stores severity, body, trace context, event name and every attribute type', async () => {
      const row = (await logRows()).find((r) => r.body === 'user signed in');
      expect(row).toMatchObject({
        time_ns: '1700000000123456789',
        ts: 1_700_000_000,
        severity_number: 9,
        severity_text: 'info',
        trace_id: APP_TRACE_ID,
        span_id: APP_SPAN_ID,
        flags: 1, // trace flags: sampled
        event_name: 'user.signin',
        http_status: 503,
      });
      const r = row as StoredLogRow;
      const observed = BigInt(r.observed_ns);
      expect(observed >= runFrom && observed <= runTo).toBe(true);
      expect(zip(r.attr_keys, r.attr_values)).toEqual({
        'attr.string': 'hello',
        'attr.int': '42',
        'attr.negative': '-7',
        'attr.big': '1099511627776',
        'attr.double': '3.25',
        'attr.bool': 'true',
        'attr.array': '["x","y"]',
        'attr.numbers': '[1,2,3]',
        'attr.map': '{"a":"b","n":1}',
        'attr.bytes': Buffer.from([1, 2, 3]).toString('base64'),
        'http.response.status_code': '503',
      });
      expect(zip(r.attr_num_keys, r.attr_num_values)).toEqual({
        'attr.int': 42,
        'attr.negative': -7,
        'attr.big': 2 ** 40,
        'attr.double': 3.25,
        'http.response.status_code': 503,
      });
    });

    it('stores a map body as JSON text and derives severity text from the number', async () => {
      const row = (await logRows()).find((r) => r.body.startsWith('{'));
      expect(row).toMatchObject({
        time_ns: '1700000001000000000',
        ts: 1_700_000_001,
        severity_number: 13,
        severity_text: 'WARN',
        trace_id: '',
        span_id: '',
        flags: 0,
        event_name: '',
        http_status: 0,
        attr_keys: [],
        attr_num_keys: [],
      });
      expect(JSON.parse((row as StoredLogRow).body)).toEqual({
        order: { id: 42, items: ['a', 'b'] },
        ok: true,
        ratio: 0.5,
      });
    });

    it('uses the time the SDK filled in when the app gave none', async () => {
      const row = (await logRows()).find((r) => r.body === 'no time given') as StoredLogRow;
      expect(row).toMatchObject({ severity_number: 17, severity_text: 'ERROR' });
      const time = BigInt(row.time_ns);
      expect(time).toBe(BigInt(row.observed_ns));
      expect(time >= app.noTimeWindow.from && time <= app.noTimeWindow.to).toBe(true);
      expect(BigInt(row.ts)).toBe(time / 1_000_000_000n);
    });

    it('falls back to the observed time when the record has no time', async () => {
      const row = (await logRows()).find((r) => r.body === 'time cleared') as StoredLogRow;
      expect(row).toMatchObject({
        time_ns: '1700000002000000500',
        observed_ns: '1700000002000000500',
        ts: 1_700_000_002,
        severity_number: 6,
        severity_text: 'DEBUG',
      });
      expect(zip(row.attr_keys, row.attr_values)).toEqual({ 'app.clear_time': 'true' });
    });

    it('stores one series per instrument with type, temporality, monotonicity, unit and attributes', async () => {
      const rows = await seriesRows();
      const byName = new Map(rows.map((r) => [r.metric_name, r]));
      expect([...byName.keys()].sort()).toEqual([
        'app.latency',
        'app.payload.size',
        'app.queue.depth',
        'app.requests',
        'app.temperature',
      ]);
      expect(rows).toHaveLength(5);
      const common = {
        service_name: svc,
        service_version: '1.4.2',
        environment: 'staging',
        scope_name: 'e2e-app-meter',
      };
      const expected: Record<string, Partial<SeriesRow> & { attrs: Record<string, string> }> = {
        'app.requests': {
          metric_type: 'sum',
          temporality: 2,
          is_monotonic: 1,
          unit: '{request}',
          description: 'Requests served',
          attrs: { route: '/a', code: '200' },
        },
        'app.queue.depth': {
          metric_type: 'sum',
          temporality: 2,
          is_monotonic: 0,
          unit: '{item}',
          description: 'Items waiting',
          attrs: {},
        },
        'app.latency': {
          metric_type: 'histogram',
          temporality: 2,
          is_monotonic: 0,
          unit: 'ms',
          description: 'Request latency',
          attrs: { route: '/a' },
        },
        'app.temperature': {
          metric_type: 'gauge',
          temporality: 0,
          is_monotonic: 0,
          unit: 'Cel',
          description: 'Room temperature',
          attrs: { sensor: 's1' },
        },
        'app.payload.size': {
          metric_type: 'exponential_histogram',
          temporality: 2,
          is_monotonic: 0,
          unit: 'By',
          description: 'Payload sizes',
          attrs: {},
        },
      };
      for (const [name, { attrs, ...columns }] of Object.entries(expected)) {
        const row = byName.get(name) as SeriesRow;
        expect(row, name).toMatchObject({ ...common, ...columns });
        expect(zip(row.attr_keys, row.attr_values), name).toEqual(attrs);
        expect(zip(row.resource_keys, row.resource_values), name).toMatchObject({
          'service.name': svc,
          'host.name': 'web-7',
          'service.instance.id': `${svc}-instance-1`,
        });
      }
    });

    it('stores sums and gauges with their values and times', async () => {
      const samples = await firstSamples();
      const series = new Map((await seriesRows()).map((r) => [r.metric_name, r.fp]));
      for (const name of ['app.requests', 'app.queue.depth', 'app.temperature']) {
        const s = samples.get(name) as SampleRow;
        expect(s.fp, name).toBe(series.get(name));
        expect(s.flags, name).toBe(0);
        expect(s.count, name).toBe('0');
        expect(s.bucket_bounds, name).toEqual([]);
        const time = BigInt(s.time_ns);
        expect(time >= runFrom && time <= runTo, name).toBe(true);
        expect(BigInt(s.ts), name).toBe(time / 1_000_000_000n);
      }
      expect(samples.get('app.requests')?.value).toBe('12');
      expect(samples.get('app.queue.depth')?.value).toBe('-5');
      expect(samples.get('app.temperature')?.value).toBe('21.5');
      // Cumulative sums carry the start of their accumulation; gauges need none.
      for (const name of ['app.requests', 'app.queue.depth']) {
        const s = samples.get(name) as SampleRow;
        const start = BigInt(s.start_ns);
        expect(start > 0n && start <= BigInt(s.time_ns), name).toBe(true);
      }
    });

    it('stores the explicit-bucket histogram exactly as recorded', async () => {
      const s = (await firstSamples()).get('app.latency') as SampleRow;
      expect(s).toMatchObject({
        count: '5',
        sum: '330',
        min: '5',
        max: '200',
        bucket_bounds: [10, 50, 100],
        bucket_counts: ['1', '2', '1', '1'],
        exp_positive_counts: [],
      });
      expect(BigInt(s.start_ns) <= BigInt(s.time_ns)).toBe(true);
    });

    it('stores the exponential histogram with buckets that hold the recorded values', async () => {
      const s = (await firstSamples()).get('app.payload.size') as SampleRow;
      expect(s).toMatchObject({
        count: '6',
        sum: '18',
        min: '0',
        max: '8',
        exp_zero_count: '1',
        exp_negative_counts: [],
        bucket_bounds: [],
        bucket_counts: [],
      });
      // 160 buckets (the SDK default) cover 1..8 at scale 5 (3 * 2^5 + 1 buckets) but not at 6.
      expect(s.exp_scale).toBe(5);
      const counts = s.exp_positive_counts.map(Number);
      expect(counts.reduce((a, b) => a + b, 0) + Number(s.exp_zero_count)).toBe(6);
      const expected = new Map<number, number>();
      for (const v of [1, 2, 3, 4, 8]) {
        const i = expBucketIndex(v, s.exp_scale);
        expected.set(i, (expected.get(i) ?? 0) + 1);
      }
      const stored = new Map<number, number>();
      counts.forEach((n, i) => {
        if (n > 0) stored.set(s.exp_positive_offset + i, n);
      });
      expect(stored).toEqual(expected);
    });

    it('a second export of the cumulative counter has a larger total, same series and start', async () => {
      await app.exportMoreMetrics();
      await eventually(
        async () => (await sampleRows()).filter((r) => r.metric_name === 'app.requests').length >= 2,
        20_000,
        `${svc} second counter sample`,
      );
      expect(failedExports(app.results)).toEqual([]);
      const counter = (await sampleRows())
        .filter((r) => r.metric_name === 'app.requests')
        .sort((a, b) => Number(a.value) - Number(b.value));
      expect(counter.map((r) => r.value)).toEqual(['12', '15']);
      const [first, second] = counter as [SampleRow, SampleRow];
      expect(second.fp).toBe(first.fp);
      expect(second.start_ns).toBe(first.start_ns);
      expect(BigInt(second.time_ns) >= BigInt(first.time_ns)).toBe(true);
      const series = (await seriesRows()).filter((r) => r.metric_name === 'app.requests');
      expect(series.map((r) => r.fp)).toEqual([first.fp]);
    });
  });
});

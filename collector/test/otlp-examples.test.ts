import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../core/src/index.ts';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { eventually, startTestCollector, type TestCollector } from '../../test/helpers/collector.ts';
import { decodeExportResponse, otlpJsonToProtobuf } from './helpers/otlp-proto.ts';
import { selectLogRows } from './helpers/stored-rows.ts';

/**
 * The official OTLP/JSON examples (opentelemetry-proto/examples) posted to a
 * real collector as JSON and, encoded from the same file, as protobuf; every
 * field is read back from ClickHouse. JSON goes to one collector and protobuf to
 * another (each with its own series cache), both writing to one database, so
 * the two decoders' rows can be compared column for column.
 */
const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../test/fixtures/otlp/${name}`, import.meta.url), 'utf8'));

const LOGS = fixture('logs.json');
const METRICS = fixture('metrics.json');
const TRACES = fixture('trace.json');

interface Posted {
  status: number;
  contentType: string;
  body: Buffer;
}

async function post(url: string, contentType: string, body: string | Buffer): Promise<Posted> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    body: Buffer.from(await res.arrayBuffer()),
  };
}

const postJson = (c: TestCollector, path: string, body: unknown) =>
  post(`${c.httpUrl}${path}`, 'application/json', JSON.stringify(body));
const postProto = (c: TestCollector, path: string, body: Buffer) =>
  post(`${c.httpUrl}${path}`, 'application/x-protobuf', body);

const zip = (keys: string[], values: readonly unknown[]): Record<string, unknown> => {
  expect(values).toHaveLength(keys.length);
  expect(new Set(keys).size).toBe(keys.length);
  return Object.fromEntries(keys.map((k, i) => [k, values[i]]));
};

/** Every column but the row id (which differs per insert). */
function withoutId<T extends { id?: unknown }>(rows: T[]): Omit<T, 'id'>[] {
  return rows.map(({ id: _id, ...rest }) => rest);
}

describe('official OTLP examples', () => {
  let t: TestDb;
  let jsonCollector: TestCollector;
  let protoCollector: TestCollector;

  beforeAll(async () => {
    t = await createTestDb();
    jsonCollector = await startTestCollector(t.db);
    protoCollector = await startTestCollector(t.db);
  });
  afterAll(async () => {
    await jsonCollector?.stop();
    await protoCollector?.stop();
    await t?.drop();
  });

  describe('examples/logs.json', () => {
    let jsonRes: Posted;
    let protoRes: Posted;

    const logRows = () => selectLogRows(t.db, sql`service_name = 'my.service'`);

    beforeAll(async () => {
      jsonRes = await postJson(jsonCollector, '/v1/logs', LOGS);
      protoRes = await postProto(protoCollector, '/v1/logs', otlpJsonToProtobuf('logs', LOGS));
      await eventually(async () => (await logRows()).length >= 2, 20_000, 'example log rows');
    });

    it('answers the JSON request with 200 and an empty ExportLogsServiceResponse', () => {
      expect(jsonRes.status).toBe(200);
      expect(jsonRes.contentType).toMatch(/^application\/json/);
      expect(JSON.parse(jsonRes.body.toString('utf8'))).toEqual({});
    });

    it('answers the protobuf request with 200 and no partial success', () => {
      expect(protoRes.status).toBe(200);
      expect(protoRes.contentType).toMatch(/^application\/x-protobuf/);
      expect(decodeExportResponse(protoRes.body)).toBeNull();
    });

    it('stores every field of the record, over both encodings', async () => {
      const rows = await logRows();
      expect(rows).toHaveLength(2);
      for (const row of rows) {
        expect(row).toMatchObject({
          ts: 1_544_712_660,
          time_ns: '1544712660300000000',
          observed_ns: '1544712660300000000',
          // No severityNumber in the example: derived from "Information".
          severity_number: 9,
          severity_text: 'Information',
          body: 'Example log record',
          trace_id: '5b8efff798038103d269b633813fc60c',
          span_id: 'eee19b7ec3c1b174',
          flags: 0,
          event_name: '',
          http_status: 0,
          service_name: 'my.service',
          service_version: '',
          service_namespace: '',
          service_instance_id: '',
          environment: '',
          host_name: '',
          scope_name: 'my.library',
          scope_version: '1.0.0',
        });
        expect(zip(row.attr_keys, row.attr_values)).toEqual({
          'string.attribute': 'some string',
          'boolean.attribute': 'true',
          'int.attribute': '10',
          'double.attribute': '637.704',
          'array.attribute': '["many","values"]',
          'map.attribute': '{"some.map.key":"some value"}',
        });
        expect(zip(row.attr_num_keys, row.attr_num_values)).toEqual({
          'int.attribute': 10,
          'double.attribute': 637.704,
        });
        expect(zip(row.resource_keys, row.resource_values)).toEqual({ 'service.name': 'my.service' });
      }
    });

    it('stores identical rows from JSON and protobuf', async () => {
      const rows = withoutId(
        await t.db.query<Record<string, unknown>>(sql`SELECT * FROM logs WHERE service_name = 'my.service'`),
      );
      expect(rows).toHaveLength(2);
      expect(rows[1]).toEqual(rows[0]);
    });
  });

  describe('examples/metrics.json', () => {
    let jsonRes: Posted;
    let protoRes: Posted;

    interface SeriesRow {
      fingerprint: string;
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
      first_seen: string;
      last_seen: string;
    }
    interface SampleRow {
      id: string;
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
      exp_positive_counts: string[];
      quantiles: number[];
    }
    // No FINAL: each collector writes its own series row, and both are compared.
    const seriesRows = () =>
      t.db.query<SeriesRow>(sql`
        SELECT * FROM metric_series WHERE service_name = 'my.service' ORDER BY metric_name`);
    /** Float64 columns as text: an absent value is NaN, which JSON cannot carry. */
    const sampleRows = () =>
      t.db.query<SampleRow>(sql`
        SELECT toString(id) AS id, metric_name, toString(fingerprint) AS fp,
          toUnixTimestamp(timestamp) AS ts, toString(time_unix_nano) AS time_ns,
          toString(start_time_unix_nano) AS start_ns, flags, toString(value) AS value,
          toString(count) AS count, toString(sum) AS sum, toString(min) AS min, toString(max) AS max,
          bucket_bounds, arrayMap(x -> toString(x), bucket_counts) AS bucket_counts,
          arrayMap(x -> toString(x), exp_positive_counts) AS exp_positive_counts, quantiles
        FROM metric_samples
        WHERE fingerprint IN (SELECT fingerprint FROM metric_series WHERE service_name = 'my.service')
        ORDER BY metric_name`);

    beforeAll(async () => {
      jsonRes = await postJson(jsonCollector, '/v1/metrics', METRICS);
      protoRes = await postProto(protoCollector, '/v1/metrics', otlpJsonToProtobuf('metrics', METRICS));
      await eventually(
        async () => (await seriesRows()).length >= 6 && (await sampleRows()).length >= 6,
        20_000,
        'example metric rows',
      );
    });

    it('answers 200 with no partial success over both encodings', () => {
      expect(jsonRes.status).toBe(200);
      expect(JSON.parse(jsonRes.body.toString('utf8'))).toEqual({});
      expect(protoRes.status).toBe(200);
      expect(decodeExportResponse(protoRes.body)).toBeNull();
    });

    it('stores one series per metric with kind, temporality, monotonicity, unit and attributes', async () => {
      const rows = await seriesRows();
      expect(rows.map((r) => r.metric_name)).toEqual([
        'my.counter',
        'my.counter',
        'my.gauge',
        'my.gauge',
        'my.histogram',
        'my.histogram',
      ]);
      const expected: Record<string, Partial<SeriesRow> & { attr: string }> = {
        'my.counter': {
          metric_type: 'sum',
          temporality: 1,
          is_monotonic: 1,
          description: 'I am a Counter',
          attr: 'my.counter.attr',
        },
        'my.gauge': {
          metric_type: 'gauge',
          temporality: 0,
          is_monotonic: 0,
          description: 'I am a Gauge',
          attr: 'my.gauge.attr',
        },
        'my.histogram': {
          metric_type: 'histogram',
          temporality: 1,
          is_monotonic: 0,
          description: 'I am a Histogram',
          attr: 'my.histogram.attr',
        },
      };
      for (const row of rows) {
        const { attr, ...columns } = expected[row.metric_name] as Partial<SeriesRow> & { attr: string };
        expect(row, row.metric_name).toMatchObject({
          ...columns,
          unit: '1',
          service_name: 'my.service',
          service_version: '',
          environment: '',
          scope_name: 'my.library',
        });
        expect(zip(row.attr_keys, row.attr_values)).toEqual({ [attr]: 'some value' });
        expect(zip(row.resource_keys, row.resource_values)).toEqual({ 'service.name': 'my.service' });
      }
    });

    it('stores the counter, gauge and histogram points field for field', async () => {
      const rows = await sampleRows();
      expect(rows).toHaveLength(6);
      const series = new Map((await seriesRows()).map((r) => [r.metric_name, r.fingerprint]));
      const noHistogram = {
        count: '0',
        sum: 'nan',
        min: 'nan',
        max: 'nan',
        bucket_bounds: [],
        bucket_counts: [],
      };
      const expected: Record<string, Partial<SampleRow>> = {
        'my.counter': { value: '5', start_ns: '1544712660300000000', ...noHistogram },
        'my.gauge': { value: '10', start_ns: '0', ...noHistogram },
        'my.histogram': {
          value: 'nan',
          start_ns: '1544712660300000000',
          count: '2',
          sum: '2',
          min: '0',
          max: '2',
          bucket_bounds: [1],
          bucket_counts: ['1', '1'],
        },
      };
      for (const row of rows) {
        expect(row, row.metric_name).toMatchObject({
          ...expected[row.metric_name],
          fp: series.get(row.metric_name),
          ts: 1_544_712_660,
          time_ns: '1544712660300000000',
          flags: 0,
          exp_positive_counts: [],
          quantiles: [],
        });
      }
    });

    it('stores identical rows from JSON and protobuf', async () => {
      const samples = withoutId(await sampleRows());
      const series = (await seriesRows()).map(({ first_seen: _f, last_seen: _l, ...rest }) => rest);
      for (let i = 0; i < 6; i += 2) {
        expect(samples[i + 1]).toEqual(samples[i]);
        expect(series[i + 1]).toEqual(series[i]);
      }
    });
  });

  describe('examples/trace.json', () => {
    it('is accepted over JSON with a partial success saying spans are not stored', async () => {
      const res = await postJson(jsonCollector, '/v1/traces', TRACES);
      expect(res.status).toBe(200);
      expect(res.contentType).toMatch(/^application\/json/);
      const body = JSON.parse(res.body.toString('utf8')) as {
        partialSuccess?: { rejectedSpans?: string; errorMessage?: string };
      };
      expect(body.partialSuccess?.rejectedSpans).toBe('1');
      expect(body.partialSuccess?.errorMessage).toMatch(/traces are not stored/);
    });

    it('is accepted over protobuf with a partial success saying spans are not stored', async () => {
      const res = await postProto(protoCollector, '/v1/traces', otlpJsonToProtobuf('traces', TRACES));
      expect(res.status).toBe(200);
      expect(res.contentType).toMatch(/^application\/x-protobuf/);
      const partial = decodeExportResponse(res.body);
      expect(partial?.rejected).toBe(1);
      expect(partial?.errorMessage).toMatch(/traces are not stored/);
    });

    it('counts every span of a request with several resources and scopes', async () => {
      const span = (id: string) => ({
        traceId: '5b8efff798038103d269b633813fc60c',
        spanId: id,
        name: 'span',
        startTimeUnixNano: '1544712660000000000',
        endTimeUnixNano: '1544712661000000000',
      });
      const request = {
        resourceSpans: [
          { scopeSpans: [{ spans: [span('0000000000000001'), span('0000000000000002')] }] },
          { scopeSpans: [{ spans: [span('0000000000000003')] }, { spans: [span('0000000000000004')] }] },
        ],
      };
      const json = await postJson(jsonCollector, '/v1/traces', request);
      expect(JSON.parse(json.body.toString('utf8'))).toMatchObject({
        partialSuccess: { rejectedSpans: '4' },
      });
      const proto = await postProto(protoCollector, '/v1/traces', otlpJsonToProtobuf('traces', request));
      expect(proto.status).toBe(200);
      expect(decodeExportResponse(proto.body)?.rejected).toBe(4);
    });
  });
});

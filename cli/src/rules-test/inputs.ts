import type { Db } from '@obshub/core';
import {
  INSERT_COLUMNS,
  LogResourceFingerprints,
  RowIds,
  SeriesFingerprints,
  decodeLogsJson,
  decodeMetricsJson,
  newBatchKey,
  severityFromText,
  type DecodeContext,
  type DecodeOutcome,
  type TableName,
} from '@obshub/collector';
import { parseDuration } from '@obshub/api/alert-rules';
import type { InputLog, InputSeries } from './format.ts';
import { expandValues } from './values.ts';

/**
 * Test inputs go into ClickHouse the way telemetry does: as OTLP/JSON
 * payloads through the collector's own decoders (fingerprints, series rows,
 * every column), inserted as the RowBinary rows the collector writes. Metric
 * points of one step are one payload "received" at that step's time, so the
 * series rows carry the simulated time too.
 */
type Attrs = Readonly<Record<string, string | number | boolean>>;

const ns = (ms: number): string => (BigInt(Math.round(ms)) * 1_000_000n).toString();

function attributes(a: Attrs | undefined) {
  return Object.entries(a ?? {}).map(([key, v]) => ({
    key,
    value:
      typeof v === 'number'
        ? Number.isInteger(v)
          ? { intValue: String(v) }
          : { doubleValue: v }
        : typeof v === 'boolean'
          ? { boolValue: v }
          : { stringValue: v },
  }));
}

function context(receivedMs: number, fingerprints: SeriesFingerprints): DecodeContext {
  const received = BigInt(receivedMs) * 1_000_000n;
  return {
    limits: { maxAttributes: 256, maxDepth: 16 },
    ids: () => new RowIds(newBatchKey(), 0),
    receivedLo: Number(received & 0xffffffffn),
    receivedHi: Number(received >> 32n),
    fingerprints,
    logResources: new LogResourceFingerprints(),
  };
}

async function store(db: Db, outcome: DecodeOutcome): Promise<void> {
  if (outcome.rejected > 0) throw new Error(`input rejected: ${outcome.errorMessage}`);
  for (const [table, rows] of Object.entries(outcome.tables) as Array<[TableName, { bytes: Buffer }]>) {
    await db.insertRowBinary(table, INSERT_COLUMNS[table], rows.bytes);
  }
}

export function severityNumber(s: string | number): number {
  if (typeof s === 'number') return s;
  const n = severityFromText(s);
  if (n === 0) throw new Error(`unknown severity "${s}" (trace, debug, info, warn, error, fatal or 1-24)`);
  return n;
}

function offset(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const ms = parseDuration(text);
  if (ms === undefined) throw new Error(`"${text}" is not a duration`);
  return ms;
}

/** The instants (epoch ms) of a log input: `at`, or every `every` in [from, until). */
export function logTimes(input: InputLog, startMs: number): number[] {
  if (input.at !== undefined) return [startMs + offset(input.at, 0)];
  const from = offset(input.from, 0);
  const until = offset(input.until, from + 1);
  const every = offset(input.every, 60_000);
  if (every <= 0) throw new Error('every must be more than 0');
  const out: number[] = [];
  for (let t = from; t < until && out.length < 1_000_000; t += every) out.push(startMs + t);
  return out;
}

export async function insertLogs(db: Db, inputs: readonly InputLog[], startMs: number): Promise<number> {
  const resourceLogs = inputs.map((input) => {
    const resource: Record<string, string> = {
      'service.name': input.service,
      'deployment.environment.name': input.environment ?? 'production',
    };
    if (input.version !== undefined) resource['service.version'] = input.version;
    if (input.host !== undefined) resource['host.name'] = input.host;
    const severity = severityNumber(input.severity);
    const records = logTimes(input, startMs).flatMap((t) =>
      Array.from({ length: input.count }, (_, i) => ({
        timeUnixNano: ns(t + i * 0.001),
        severityNumber: severity,
        body: { stringValue: input.body },
        attributes: attributes(input.attributes),
      })),
    );
    return {
      resource: { attributes: attributes(resource) },
      scopeLogs: [{ scope: { name: 'hub-rules-test' }, logRecords: records }],
    };
  });
  if (resourceLogs.length === 0) return 0;
  const outcome = decodeLogsJson({ resourceLogs }, context(startMs, new SeriesFingerprints()));
  await store(db, outcome);
  return outcome.accepted;
}

function bucketCounts(bounds: readonly number[], observe: number, count: number): string[] {
  let i = bounds.findIndex((b) => observe <= b);
  if (i < 0) i = bounds.length;
  return Array.from({ length: bounds.length + 1 }, (_, k) => String(k === i ? count : 0));
}

/** One payload per step with every series' point at that step. */
export async function insertSeries(
  db: Db,
  inputs: readonly InputSeries[],
  startMs: number,
  stepMs: number,
): Promise<number> {
  const expanded = inputs.map((s) => ({ s, values: expandValues(s.values) }));
  const steps = Math.max(0, ...expanded.map((e) => e.values.length));
  const fingerprints = new SeriesFingerprints();
  const seriesStart = ns(startMs - 3_600_000);
  let points = 0;
  for (let i = 0; i < steps; i++) {
    const t = startMs + i * stepMs;
    const resourceMetrics = expanded.flatMap(({ s, values }) => {
      const v = values[i];
      if (v === null || v === undefined) return [];
      const base = { attributes: attributes(s.attributes), timeUnixNano: ns(t) };
      let data: Record<string, unknown>;
      switch (s.type) {
        case 'gauge':
          data = { gauge: { dataPoints: [{ ...base, asDouble: v }] } };
          break;
        case 'counter':
          data = {
            sum: {
              dataPoints: [{ ...base, startTimeUnixNano: seriesStart, asDouble: v }],
              aggregationTemporality: 'AGGREGATION_TEMPORALITY_CUMULATIVE',
              isMonotonic: true,
            },
          };
          break;
        case 'histogram': {
          const bounds = s.bounds ?? [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
          const observe = s.observe ?? 0;
          data = {
            histogram: {
              dataPoints: [
                {
                  ...base,
                  startTimeUnixNano: seriesStart,
                  count: String(Math.round(v)),
                  sum: Math.round(v) * observe,
                  explicitBounds: bounds,
                  bucketCounts: bucketCounts(bounds, observe, Math.round(v)),
                },
              ],
              aggregationTemporality: 'AGGREGATION_TEMPORALITY_CUMULATIVE',
            },
          };
          break;
        }
      }
      return [
        {
          resource: { attributes: attributes(s.resource) },
          scopeMetrics: [
            { scope: { name: 'hub-rules-test' }, metrics: [{ name: s.metric, unit: s.unit ?? '', ...data }] },
          ],
        },
      ];
    });
    if (resourceMetrics.length === 0) continue;
    const outcome = decodeMetricsJson({ resourceMetrics }, context(t, fingerprints));
    await store(db, outcome);
    points += outcome.accepted;
  }
  return points;
}

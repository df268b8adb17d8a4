import { sql, type Db } from '../../core/src/index.ts';
import { eventually } from '../../test/helpers/collector.ts';

/**
 * OTLP/JSON payloads for the metrics tests, posted to a real collector: the
 * same path an SDK's export takes (decoder, fingerprints, series rows, WAL,
 * RowBinary insert, and the rollup views behind it).
 */
type Attrs = Record<string, string | number>;

export interface PointSpec {
  /** Epoch seconds. */
  t: number;
  /** Epoch seconds; 0 for none. */
  start?: number;
  attrs?: Attrs;
  flags?: number;
  value?: number;
  count?: number;
  sum?: number;
  bounds?: number[];
  counts?: number[];
  scale?: number;
  zeroCount?: number;
  positive?: { offset: number; counts: number[] };
  quantiles?: Array<[number, number]>;
}

export interface MetricSpec {
  name: string;
  unit?: string;
  kind: 'gauge' | 'sum' | 'histogram' | 'exponentialHistogram' | 'summary';
  temporality?: 'delta' | 'cumulative';
  monotonic?: boolean;
  points: PointSpec[];
}

const ns = (seconds: number): string => (BigInt(Math.round(seconds * 1000)) * 1_000_000n).toString();

function attributes(a: Attrs | undefined) {
  return Object.entries(a ?? {}).map(([key, v]) => ({
    key,
    value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: v },
  }));
}

function point(kind: MetricSpec['kind'], p: PointSpec): Record<string, unknown> {
  const base: Record<string, unknown> = {
    attributes: attributes(p.attrs),
    timeUnixNano: ns(p.t),
    ...(p.start ? { startTimeUnixNano: ns(p.start) } : {}),
    ...(p.flags ? { flags: p.flags } : {}),
  };
  switch (kind) {
    case 'gauge':
    case 'sum':
      return { ...base, asDouble: p.value };
    case 'histogram':
      return {
        ...base,
        count: String(p.count),
        sum: p.sum,
        explicitBounds: p.bounds,
        bucketCounts: p.counts?.map(String),
      };
    case 'exponentialHistogram':
      return {
        ...base,
        count: String(p.count),
        sum: p.sum,
        scale: p.scale ?? 0,
        zeroCount: String(p.zeroCount ?? 0),
        positive: { offset: p.positive?.offset ?? 0, bucketCounts: (p.positive?.counts ?? []).map(String) },
      };
    case 'summary':
      return {
        ...base,
        count: String(p.count),
        sum: p.sum,
        quantileValues: (p.quantiles ?? []).map(([quantile, value]) => ({ quantile, value })),
      };
  }
}

export function metricsPayload(resource: Attrs, metrics: MetricSpec[]): unknown {
  return {
    resourceMetrics: [
      {
        resource: { attributes: attributes(resource) },
        scopeMetrics: [
          {
            scope: { name: 'test' },
            metrics: metrics.map((m) => {
              const temporality =
                m.temporality === 'delta'
                  ? 'AGGREGATION_TEMPORALITY_DELTA'
                  : 'AGGREGATION_TEMPORALITY_CUMULATIVE';
              const dataPoints = m.points.map((p) => point(m.kind, p));
              const data =
                m.kind === 'gauge'
                  ? { dataPoints }
                  : m.kind === 'summary'
                    ? { dataPoints }
                    : m.kind === 'sum'
                      ? { dataPoints, aggregationTemporality: temporality, isMonotonic: m.monotonic ?? true }
                      : { dataPoints, aggregationTemporality: temporality };
              return { name: m.name, unit: m.unit ?? '', [m.kind]: data };
            }),
          },
        ],
      },
    ],
  };
}

export function logsPayload(
  resource: Attrs,
  records: Array<{ t: number; severity: number; body: string }>,
): unknown {
  return {
    resourceLogs: [
      {
        resource: { attributes: attributes(resource) },
        scopeLogs: [
          {
            scope: { name: 'test' },
            logRecords: records.map((r) => ({
              timeUnixNano: ns(r.t),
              severityNumber: r.severity,
              body: { stringValue: r.body },
            })),
          },
        ],
      },
    ],
  };
}

export async function postOtlp(
  httpUrl: string,
  path: '/v1/metrics' | '/v1/logs',
  body: unknown,
): Promise<void> {
  const res = await fetch(`${httpUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== 200 || text.includes('rejected'))
    throw new Error(`collector answered ${res.status}: ${text}`);
}

/** Waits until the collector's inserts are visible. */
export async function waitForRows(db: Db, samples: number, logs = 0): Promise<void> {
  await eventually(
    async () => {
      const [s] = await db.query<{ n: string }>(sql`SELECT count() AS n FROM metric_samples`);
      const [l] = await db.query<{ n: string }>(sql`SELECT count() AS n FROM logs`);
      // The series rows are a separate insert: readers (and the increase job) need both.
      const [u] = await db.query<{ n: string }>(
        sql`SELECT count() AS n FROM metric_samples WHERE fingerprint NOT IN (SELECT fingerprint FROM metric_series)`,
      );
      return Number(s?.n) >= samples && Number(l?.n) >= logs && Number(u?.n) === 0;
    },
    30_000,
    `${samples} samples and ${logs} log records`,
  );
}

export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

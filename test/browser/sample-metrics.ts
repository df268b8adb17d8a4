import type { TestCollector } from '../helpers/collector.ts';

/**
 * OTLP/JSON metrics for the service and deploy pages' tests: an HTTP server's
 * `http.server.request.duration` as cumulative histograms, one series per
 * service.version and status code, the way an OpenTelemetry SDK exports it
 * (a point every `stepMs`, counts growing from the process's start).
 */
export interface VersionTraffic {
  version: string;
  /** When this version's processes started and stopped serving. */
  fromMs: number;
  toMs: number;
  /** Requests per second. */
  rate: number;
  /** Share of requests answered 500, 0..1. */
  errorRatio: number;
  /** Latency profile: fast (p95 about 40 ms) or slow (p95 about 400 ms). */
  latency: 'fast' | 'slow';
}

export const DURATION_BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** Share of requests per bucket (one more bucket than bounds), and the mean in seconds. */
const PROFILES: Record<VersionTraffic['latency'], { shares: number[]; mean: number }> = {
  // p50 ~ 20 ms, p95 ~ 45 ms
  fast: { shares: [0.05, 0.15, 0.35, 0.4, 0.03, 0.015, 0.005, 0, 0, 0, 0, 0, 0, 0, 0], mean: 0.024 },
  // p50 ~ 90 ms, p95 ~ 450 ms
  slow: { shares: [0, 0.02, 0.08, 0.15, 0.1, 0.15, 0.25, 0.2, 0.04, 0.01, 0, 0, 0, 0, 0], mean: 0.18 },
};

function attr(key: string, v: string | number) {
  return { key, value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: v } };
}

function nanos(ms: number): string {
  return String(BigInt(Math.round(ms)) * 1_000_000n);
}

function buckets(count: number, shares: readonly number[]): string[] {
  const out = shares.map((s) => Math.floor(count * s));
  const rest = count - out.reduce((a, b) => a + b, 0);
  // The remainder goes to the busiest bucket, so the counts add up to count.
  const busiest = shares.indexOf(Math.max(...shares));
  out[busiest] = (out[busiest] ?? 0) + rest;
  return out.map(String);
}

/** One export request holding the whole history of every version's series. */
export function httpServerMetrics(
  service: string,
  environment: string,
  versions: readonly VersionTraffic[],
  nowMs: number,
  stepMs = 30_000,
): unknown {
  return {
    resourceMetrics: versions.map((v) => {
      const end = Math.min(v.toMs, nowMs);
      const profile = PROFILES[v.latency];
      const points = [];
      for (const [status, share] of [
        [200, 1 - v.errorRatio],
        [500, v.errorRatio],
      ] as const) {
        for (let t = v.fromMs + stepMs; t <= end; t += stepMs) {
          const count = Math.round(((t - v.fromMs) / 1000) * v.rate * share);
          points.push({
            attributes: [
              attr('http.request.method', 'GET'),
              attr('http.route', '/checkout'),
              attr('http.response.status_code', status),
            ],
            startTimeUnixNano: nanos(v.fromMs),
            timeUnixNano: nanos(t),
            count: String(count),
            sum: count * profile.mean,
            bucketCounts: buckets(count, profile.shares),
            explicitBounds: DURATION_BOUNDS,
          });
        }
      }
      return {
        resource: {
          attributes: [
            attr('service.name', service),
            attr('service.version', v.version),
            attr('deployment.environment.name', environment),
            attr('host.name', `${service}-1`),
          ],
        },
        scopeMetrics: [
          {
            scope: { name: '@opentelemetry/instrumentation-http', version: '0.57.0' },
            metrics: [
              {
                name: 'http.server.request.duration',
                unit: 's',
                description: 'Duration of HTTP server requests.',
                histogram: { aggregationTemporality: 2, dataPoints: points },
              },
            ],
          },
        ],
      };
    }),
  };
}

/** A gauge with one series per queue, for the metric explorer. */
export function queueDepthGauge(
  service: string,
  environment: string,
  version: string,
  fromMs: number,
  nowMs: number,
  stepMs = 60_000,
): unknown {
  const points = [];
  for (let t = fromMs; t <= nowMs; t += stepMs) {
    const i = (t - fromMs) / stepMs;
    points.push(
      { attributes: [attr('queue', 'orders')], timeUnixNano: nanos(t), asDouble: 20 + 10 * Math.sin(i / 6) },
      { attributes: [attr('queue', 'emails')], timeUnixNano: nanos(t), asDouble: 5 + (i % 10) },
    );
  }
  return {
    resourceMetrics: [
      {
        resource: {
          attributes: [
            attr('service.name', service),
            attr('service.version', version),
            attr('deployment.environment.name', environment),
          ],
        },
        scopeMetrics: [
          {
            scope: { name: 'app', version: '1.0.0' },
            metrics: [
              {
                name: 'app.queue.depth',
                unit: '{message}',
                description: 'Messages waiting in a work queue.',
                gauge: { dataPoints: points },
              },
            ],
          },
        ],
      },
    ],
  };
}

/** Sends an OTLP/JSON metrics export through the collector. */
export async function sendMetrics(collector: TestCollector, body: unknown): Promise<void> {
  const res = await fetch(`${collector.httpUrl}/v1/metrics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`collector answered ${res.status}: ${await res.text()}`);
  const text = await res.text();
  if (text.includes('rejected')) {
    const parsed = JSON.parse(text) as { partialSuccess?: { rejectedDataPoints?: string | number } };
    if (Number(parsed.partialSuccess?.rejectedDataPoints ?? 0) > 0)
      throw new Error(`points rejected: ${text}`);
  }
}

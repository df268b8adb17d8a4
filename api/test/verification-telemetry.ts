import type { TestCollector } from '../../test/helpers/collector.ts';
import { logsPayload, metricsPayload, postOtlp, type PointSpec } from './metrics-otlp.ts';

/**
 * Synthetic service telemetry for verification tests, sent through the real
 * collector: cumulative http.server.request.duration histograms (OTel default
 * buckets) every 10 s per instance and status, with log-normal latencies and
 * binomial errors drawn from a seeded generator, and error logs.
 */
export const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const STEP = 10;

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Phase {
  version: string;
  instance: string;
  /** Epoch seconds, multiples of 10. */
  from: number;
  to: number;
  requestsPerSecond: number;
  errorRatio: number;
  /** Median latency in seconds (log-normal, sigma 0.5). */
  medianSeconds: number;
  /** Error logs: body and how many per minute. */
  errorLogs?: Array<{ body: (i: number) => string; perMinute: number }>;
}

function bucketOf(x: number): number {
  const i = BOUNDS.findIndex((b) => x <= b);
  return i < 0 ? BOUNDS.length : i;
}

/** Points of one phase: cumulative histograms for 200 and 500, starting at the phase start. */
export function phasePoints(p: Phase, rand: () => number): PointSpec[] {
  const statuses = [200, 500] as const;
  const counts = { 200: BOUNDS.map(() => 0).concat(0), 500: BOUNDS.map(() => 0).concat(0) };
  const sums = { 200: 0, 500: 0 };
  const out: PointSpec[] = [];
  let carry = 0;
  for (let t = p.from; t <= p.to; t += STEP) {
    if (t > p.from) {
      // Requests in the step: the expected count, carrying fractions over so low rates are exact on average.
      carry += p.requestsPerSecond * STEP;
      const n = Math.floor(carry);
      carry -= n;
      for (let k = 0; k < n; k++) {
        const status = rand() < p.errorRatio ? 500 : 200;
        const z = Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
        const x = p.medianSeconds * Math.exp(0.5 * z);
        counts[status][bucketOf(x)]! += 1;
        sums[status] += x;
      }
    }
    for (const status of statuses) {
      const total = counts[status].reduce((a, c) => a + c, 0);
      out.push({
        t,
        start: p.from,
        attrs: { 'http.request.method': 'GET', 'http.response.status_code': status },
        count: total,
        sum: sums[status],
        bounds: BOUNDS,
        counts: [...counts[status]],
      });
    }
  }
  return out;
}

export async function sendPhase(
  c: TestCollector,
  service: string,
  environment: string,
  p: Phase,
  seed: number,
): Promise<{ points: number; logs: number }> {
  const rand = mulberry32(seed);
  const resource = {
    'service.name': service,
    'service.version': p.version,
    'deployment.environment.name': environment,
    'service.instance.id': p.instance,
  };
  const points = phasePoints(p, rand);
  // One request per 60 points keeps each body small.
  for (let i = 0; i < points.length; i += 60) {
    await postOtlp(
      c.httpUrl,
      '/v1/metrics',
      metricsPayload(resource, [
        {
          name: 'http.server.request.duration',
          unit: 's',
          kind: 'histogram',
          points: points.slice(i, i + 60),
        },
      ]),
    );
  }
  const records: Array<{ t: number; severity: number; body: string }> = [];
  for (const log of p.errorLogs ?? []) {
    const every = 60 / log.perMinute;
    let i = 0;
    for (let t = p.from + every / 2; t < p.to; t += every)
      records.push({ t, severity: 17, body: log.body(i++) });
  }
  for (let i = 0; i < records.length; i += 500)
    await postOtlp(c.httpUrl, '/v1/logs', logsPayload(resource, records.slice(i, i + 500)));
  return { points: points.length, logs: records.length };
}

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/src/index.ts';
import { percentChange } from '../src/deploys/impact.ts';
import type { ImpactResult } from '../src/deploys/schemas.ts';
import { buildApp } from '../src/index.ts';
import type { ServicesOverviewResult } from '../src/services/schemas.ts';
import { startTestCollector, type TestCollector } from '../../test/helpers/collector.ts';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { logsPayload, metricsPayload, postOtlp, range, waitForRows, type PointSpec } from './metrics-otlp.ts';

/**
 * The deploy page's before/after table and the services list, end to end:
 * OTLP through the real collector, a deploy through the API, figures back.
 * Version 1.0 serves 10 req/s with 1% 5xx around 75 ms; the deploy of 1.1
 * injects a regression: 10% 5xx around 375 ms, and more error logs.
 */
const STEP = 10;
const WINDOW = 1800;
const now = Math.floor(Date.now() / 1000 / STEP) * STEP;
const DEPLOY = now - WINDOW - 60;
const BOUNDS = [0.05, 0.1, 0.25, 0.5, 1];

/** Cumulative histogram points of one status code from `from` to `to`, `perStep` requests per point in one bucket. */
function series(from: number, to: number, status: number, perStep: number, bucket: number): PointSpec[] {
  return range((to - from) / STEP + 1).map((i) => {
    const n = i * perStep;
    const counts = BOUNDS.map(() => 0).concat(0);
    counts[bucket] = n;
    return {
      t: from + i * STEP,
      start: from,
      attrs: { 'http.request.method': 'GET', 'http.response.status_code': status },
      count: n,
      sum: n * (bucket === 1 ? 0.075 : 0.375),
      bounds: BOUNDS,
      counts,
    };
  });
}

const resource = (version: string) => ({
  'service.name': 'shop',
  'service.version': version,
  'deployment.environment.name': 'prod',
});

describe('deploy impact and services overview', () => {
  let t: TestDb;
  let c: TestCollector;
  let app: FastifyInstance;

  beforeAll(async () => {
    t = await createTestDb();
    c = await startTestCollector(t.db);
    const before = DEPLOY - WINDOW - 300;
    // The last point of 1.0 comes before the deploy: a point counts the requests of the step it ends.
    const v1 = [...series(before, DEPLOY - STEP, 200, 99, 1), ...series(before, DEPLOY - STEP, 500, 1, 1)];
    const v2 = [...series(DEPLOY, now, 200, 90, 3), ...series(DEPLOY, now, 500, 10, 3)];
    const histogram = (points: PointSpec[]) => ({
      name: 'http.server.request.duration',
      unit: 's',
      kind: 'histogram' as const,
      points,
    });
    await postOtlp(c.httpUrl, '/v1/metrics', metricsPayload(resource('1.0'), [histogram(v1)]));
    await postOtlp(c.httpUrl, '/v1/metrics', metricsPayload(resource('1.1'), [histogram(v2)]));
    const errors = (from: number, n: number) =>
      range(n).map((i) => ({ t: from + 30 + i * 20, severity: 17, body: `payment failed ${i}` }));
    await postOtlp(c.httpUrl, '/v1/logs', logsPayload(resource('1.0'), errors(DEPLOY - WINDOW, 6)));
    await postOtlp(c.httpUrl, '/v1/logs', logsPayload(resource('1.1'), errors(DEPLOY, 30)));
    await waitForRows(t.db, v1.length + v2.length, 36);
    app = await buildApp({ db: t.db, logger: createLogger('test', 'silent') });
    const res = await app.inject({
      method: 'POST',
      url: '/api/deploys',
      payload: {
        id: 'shop-1.1',
        service: 'shop',
        environment: 'prod',
        version: '1.1',
        author: 'ada',
        startedAt: new Date(DEPLOY * 1000).toISOString(),
        finishedAt: new Date(DEPLOY * 1000).toISOString(),
      },
    });
    expect(res.statusCode).toBe(201);
  });

  afterAll(async () => {
    await app.close();
    await c.stop();
    await t.drop();
  });

  it('compares the same window before and after the deploy', async () => {
    const res = await app.inject({ url: `/api/deploys/shop-1.1/impact?window=${WINDOW}` });
    expect(res.statusCode).toBe(200);
    const impact = res.json<ImpactResult>();
    expect(impact.deploy.version).toBe('1.1');
    expect(impact.source).toBe('http');
    expect(impact.partial).toBe(false);
    expect(impact.before.from).toBe(new Date((DEPLOY - WINDOW) * 1000).toISOString());
    expect(impact.after.to).toBe(new Date((DEPLOY + WINDOW) * 1000).toISOString());
    // 10 req/s; the new series starts at the deploy at 0, so its first step counts nothing: 179 of 180.
    expect(impact.before.requestRate).toBeCloseTo(10, 6);
    expect(impact.after.requestRate).toBeCloseTo((179 * 100) / 1800, 6);
    expect(impact.before.errorRatio).toBeCloseTo(0.01, 4);
    expect(impact.after.errorRatio).toBeCloseTo(0.1, 4);
    expect(impact.change.errorRatio).toBeCloseTo(900, 0);
    // Interpolated in the bucket the requests fell in: (0.05, 0.1] before, (0.25, 0.5] after.
    expect(impact.before.p95).toBeCloseTo(0.05 + 0.95 * 0.05, 6);
    expect(impact.after.p95).toBeCloseTo(0.25 + 0.95 * 0.25, 6);
    expect(impact.before.errorLogs).toBe(6);
    expect(impact.after.errorLogs).toBe(30);
    expect(impact.change.errorLogs).toBeCloseTo(400, 6);
  });

  it('answers 404 for an unknown deploy and 400 for a window out of bounds', async () => {
    expect((await app.inject({ url: '/api/deploys/nope/impact' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/api/deploys/shop-1.1/impact?window=5' })).statusCode).toBe(400);
  });

  it('lists the service with its figures and its last deploy', async () => {
    const res = await app.inject({ url: '/api/services/overview?from=now-10m&to=now' });
    expect(res.statusCode).toBe(200);
    const body = res.json<ServicesOverviewResult>();
    const row = body.rows.find((r) => r.service === 'shop' && r.environment === 'prod');
    expect(row).toBeDefined();
    expect(row?.source).toBe('http');
    expect(row?.requestRate).toBeCloseTo(10, 0);
    expect(row?.errorRatio).toBeCloseTo(0.1, 2);
    expect(row?.lastDeploy?.id).toBe('shop-1.1');
    expect(row?.lastDeploy?.author).toBe('ada');
    expect(row?.firingAlerts).toBeNull();
    expect(row?.sparkline).toHaveLength(body.timestamps.length);
  });

  it('computes percent changes only where they are defined', () => {
    expect(percentChange(2, 3)).toBe(50);
    expect(percentChange(0, 3)).toBeNull();
    expect(percentChange(null, 3)).toBeNull();
    expect(percentChange(4, null)).toBeNull();
  });
});

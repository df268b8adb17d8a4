import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createLogger } from '../../core/src/index.ts';
import { buildApp } from '../src/index.ts';
import { LOCAL_ADMIN, tokenDigest } from '../src/access/principal.ts';
import { parseTeamsFile } from '../src/access/teams-file.ts';
import { redOverview, serviceRed } from '../src/metrics/red.ts';
import type { RedResult } from '../src/metrics/schemas.ts';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { startTestCollector, type TestCollector } from '../../test/helpers/collector.ts';
import {
  logsPayload,
  metricsPayload,
  postOtlp,
  range,
  waitForRows,
  type MetricSpec,
  type PointSpec,
} from './metrics-otlp.ts';

/**
 * RED figures from server duration histograms (current and older HTTP
 * conventions, RPC) and from logs, through a real collector; the caller's
 * scope on every endpoint. Points every 10 s; queries cover points 30..149 in
 * 20 one-minute steps.
 */
const N = 180;
const NOW = Math.floor(Date.now() / 1000);
const T0 = Math.floor((NOW - 3600) / 600) * 600;
const at = (i: number) => T0 + 10 * i;
const FROM = at(30) * 1000;
const TO = at(150) * 1000;
const START = T0 - 86_400;

/** A cumulative histogram series adding `per` observations per point in the given buckets. */
function histogram(attrs: Record<string, string | number>, bounds: number[], per: number[]): PointSpec[] {
  const count = per.reduce((a, b) => a + b, 0);
  return range(N).map((i) => ({
    t: at(i),
    start: START,
    attrs,
    count: count * (i + 1),
    sum: 0,
    bounds,
    counts: per.map((c) => c * (i + 1)),
  }));
}

const SEC = [0.1, 0.5, 1];
const webV1: MetricSpec[] = [
  {
    name: 'http.server.request.duration',
    unit: 's',
    kind: 'histogram',
    points: [
      ...histogram({ 'http.response.status_code': 200, 'http.route': '/' }, SEC, [9, 0, 0, 0]),
      ...histogram({ 'http.response.status_code': 500, 'http.route': '/' }, SEC, [0, 0, 1, 0]),
    ],
  },
];
const webV2: MetricSpec[] = [
  {
    name: 'http.server.request.duration',
    unit: 's',
    kind: 'histogram',
    points: [
      ...histogram({ 'http.response.status_code': 200, 'http.route': '/' }, SEC, [0, 8, 0, 0]),
      ...histogram({ 'http.response.status_code': 503, 'http.route': '/' }, SEC, [0, 0, 2, 0]),
    ],
  },
];
const legacy: MetricSpec[] = [
  {
    name: 'http.server.duration',
    unit: 'ms',
    kind: 'histogram',
    points: [
      ...histogram({ 'http.status_code': 200 }, [100, 500, 1000], [9, 0, 0, 0]),
      ...histogram({ 'http.status_code': 500 }, [100, 500, 1000], [0, 0, 1, 0]),
    ],
  },
];
const grpc: MetricSpec[] = [
  {
    name: 'rpc.server.duration',
    unit: 'ms',
    kind: 'histogram',
    points: [
      ...histogram({ 'rpc.grpc.status_code': 0 }, [10, 100], [7, 0, 0]),
      ...histogram({ 'rpc.grpc.status_code': 14 }, [10, 100], [0, 2, 0]),
      // NOT_FOUND is the client's problem, not a server error.
      ...histogram({ 'rpc.grpc.status_code': 5 }, [10, 100], [1, 0, 0]),
    ],
  },
];
const resource = (service: string, version = '1.0') => ({
  'service.name': service,
  'service.version': version,
  'deployment.environment.name': 'prod',
});
const errorLogs = (perPoint: number, infos = 0) =>
  range(N).flatMap((i) => [
    ...range(perPoint).map((j) => ({ t: at(i) + j * 0.001, severity: 17, body: 'failed' })),
    ...range(infos).map((j) => ({ t: at(i) + 0.5 + j * 0.001, severity: 9, body: 'ok' })),
  ]);

const TOKENS = { alice: 'alice-token-0123456789', root: 'root-token-0123456789' };
const teams = parseTeamsFile(`
teams:
  web-team:
    services: [web]
members:
  - name: alice
    teams: [web-team]
    tokenSha256: ${tokenDigest(TOKENS.alice)}
  - name: root
    role: admin
    tokenSha256: ${tokenDigest(TOKENS.root)}
`);

describe('RED figures', () => {
  let t: TestDb;
  let c: TestCollector;
  let app: FastifyInstance;

  beforeAll(async () => {
    t = await createTestDb();
    c = await startTestCollector(t.db);
    const payloads: Array<[Record<string, string>, MetricSpec[]]> = [
      [resource('web', '1.0'), webV1],
      [resource('web', '2.0'), webV2],
      [resource('legacy'), legacy],
      [resource('grpc-svc'), grpc],
    ];
    for (const [res, m] of payloads) await postOtlp(c.httpUrl, '/v1/metrics', metricsPayload(res, m));
    await postOtlp(c.httpUrl, '/v1/logs', logsPayload(resource('web', '1.0'), errorLogs(1)));
    await postOtlp(c.httpUrl, '/v1/logs', logsPayload(resource('web', '2.0'), errorLogs(3)));
    await postOtlp(c.httpUrl, '/v1/logs', logsPayload(resource('worker'), errorLogs(1, 2)));
    const samples = payloads.reduce((n, [, ms]) => n + ms.reduce((a, m) => a + m.points.length, 0), 0);
    await waitForRows(t.db, samples, N * (1 + 3 + 3));
    app = await buildApp({ db: t.db, logger: createLogger('test', 'silent'), access: { teams } });
  });

  afterAll(async () => {
    await app.close();
    await c.stop();
    await t.drop();
  });

  const red = (service: string, extra: Partial<Parameters<typeof serviceRed>[3]> = {}) =>
    serviceRed(t.db, LOCAL_ADMIN, service, { fromMs: FROM, toMs: TO, step: 60, by: 'none', ...extra });
  const every = (values: Array<number | null> | undefined, expected: number | null) => {
    expect(values).toHaveLength(20);
    for (const v of values ?? []) {
      if (expected === null) expect(v).toBeNull();
      else expect(v).toBeCloseTo(expected, 9);
    }
  };

  it('from http.server.request.duration: rate, 5xx ratio, quantiles in seconds, error logs', async () => {
    const r = await red('web');
    expect(r).toMatchObject({ service: 'web', environment: null, source: 'http', step: 60 });
    expect(r.metric).toBe('http.server.request.duration');
    expect(r.timestamps).toEqual(range(20).map((k) => FROM + k * 60_000));
    expect(r.series).toHaveLength(1);
    const s = r.series[0]!;
    expect(s.version).toBeNull();
    // Per step: v1 54 fast OK + 6 slow 500s, v2 48 medium OK + 12 slow 503s: buckets [54, 48, 18, 0].
    every(s.requestRate, 2);
    every(s.errorRatio, 18 / 120);
    every(s.p50, 0.1 + (0.4 * 6) / 48);
    every(s.p95, 0.5 + (0.5 * 12) / 18);
    every(s.p99, 0.5 + (0.5 * 16.8) / 18);
    every(s.errorLogRate, 0.4);
  });

  it('split by service.version, so a canary stands out', async () => {
    const r = await red('web', { by: 'version' });
    expect(r.series.map((s) => s.version)).toEqual(['1.0', '2.0']);
    const [v1, v2] = r.series;
    every(v1?.requestRate, 1);
    every(v1?.errorRatio, 0.1);
    every(v1?.p50, (0.1 * 30) / 54);
    every(v1?.errorLogRate, 0.1);
    every(v2?.requestRate, 1);
    every(v2?.errorRatio, 0.2);
    every(v2?.p50, 0.1 + (0.4 * 30) / 48);
    every(v2?.errorLogRate, 0.3);
  });

  it('from the older http.server.duration in ms, converted to seconds', async () => {
    const r = await red('legacy');
    expect(r.metric).toBe('http.server.duration');
    expect(r.source).toBe('http');
    const s = r.series[0]!;
    every(s.requestRate, 1);
    every(s.errorRatio, 0.1);
    every(s.p50, (0.1 * 30) / 54);
    every(s.p95, 0.5 + (0.5 * 3) / 6);
    every(s.errorLogRate, 0);
  });

  it('from rpc.server.duration: UNAVAILABLE is a server error, NOT_FOUND is not', async () => {
    const r = await red('grpc-svc');
    expect(r).toMatchObject({ source: 'rpc', metric: 'rpc.server.duration' });
    const s = r.series[0]!;
    every(s.requestRate, 1);
    every(s.errorRatio, 0.2);
    every(s.p50, (0.01 * 30) / 48);
  });

  it('falls back to logs when a service has no server duration histogram', async () => {
    const r = await red('worker');
    expect(r).toMatchObject({ source: 'logs', metric: null });
    const s = r.series[0]!;
    every(s.requestRate, null);
    every(s.errorRatio, null);
    every(s.p95, null);
    every(s.errorLogRate, 0.1);
  });

  it('one window: exact for a step as long as the range, aligned or not', async () => {
    const aligned = await red('web', { step: (TO - FROM) / 1000 });
    expect(aligned.timestamps).toEqual([FROM]);
    expect(aligned.series[0]?.requestRate[0]).toBeCloseTo(2, 9);
    expect(aligned.series[0]?.errorRatio[0]).toBeCloseTo(0.15, 9);
    expect(aligned.series[0]?.errorLogRate[0]).toBeCloseTo(0.4, 9);
    // Five seconds later: points 31..150, the same figures; the rollups cannot answer this one.
    const shifted = await red('web', { fromMs: FROM + 5000, toMs: TO + 5000, step: 1200 });
    expect(shifted.timestamps).toEqual([FROM + 5000]);
    expect(shifted.series[0]?.requestRate[0]).toBeCloseTo(2, 9);
    expect(shifted.series[0]?.p50[0]).toBeCloseTo(0.15, 9);
    expect(shifted.series[0]?.errorLogRate[0]).toBeCloseTo(0.4, 9);
  });

  it('overview: every visible service and environment in a few queries', async () => {
    const o = await redOverview(t.db, LOCAL_ADMIN, { fromMs: FROM, toMs: TO, step: 60 });
    expect(o.timestamps).toHaveLength(20);
    const rows = Object.fromEntries(o.rows.map((r) => [r.service, r]));
    expect(Object.keys(rows)).toEqual(['grpc-svc', 'legacy', 'web', 'worker']);
    expect(rows['web']).toMatchObject({ environment: 'prod', source: 'http' });
    expect(rows['web']?.requestRate).toBeCloseTo(2, 9);
    expect(rows['web']?.errorRatio).toBeCloseTo(0.15, 9);
    expect(rows['web']?.p95).toBeCloseTo(0.5 + (0.5 * 12) / 18, 9);
    expect(rows['web']?.errorLogRate).toBeCloseTo(0.4, 9);
    every(rows['web']?.sparkline, 2);
    expect(rows['legacy']?.requestRate).toBeCloseTo(1, 9);
    expect(rows['legacy']?.p95).toBeCloseTo(0.75, 9);
    expect(rows['grpc-svc']).toMatchObject({ source: 'rpc' });
    expect(rows['grpc-svc']?.errorRatio).toBeCloseTo(0.2, 9);
    expect(rows['worker']).toMatchObject({ source: 'logs', requestRate: null, errorRatio: null, p95: null });
    expect(rows['worker']?.errorLogRate).toBeCloseTo(0.1, 9);
    every(rows['worker']?.sparkline, 0.1);
    // A single window, as for a deploy's before/after figures.
    const one = await redOverview(t.db, LOCAL_ADMIN, { fromMs: FROM, toMs: TO, step: (TO - FROM) / 1000 });
    expect(one.timestamps).toEqual([FROM]);
    expect(one.rows.find((r) => r.service === 'web')?.requestRate).toBeCloseTo(2, 9);
  });

  describe('HTTP and access', () => {
    const get = (url: string, who: keyof typeof TOKENS = 'root') =>
      app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${TOKENS[who]}` } });
    const range_ = `from=${FROM}&to=${TO}`;

    it('GET /api/services/:service/red', async () => {
      const res = await get(`/api/services/web/red?${range_}&step=60&by=version`);
      expect(res.statusCode).toBe(200);
      const body = res.json() as RedResult;
      expect(body.series.map((s) => s.version)).toEqual(['1.0', '2.0']);
      expect(body.series[0]?.requestRate[0]).toBeCloseTo(1, 9);
      const env = await get(`/api/services/web/red?${range_}&step=60&environment=prod`);
      expect((env.json() as RedResult).environment).toBe('prod');
      expect((env.json() as RedResult).series[0]?.requestRate[3]).toBeCloseTo(2, 9);
    });

    it('404 for an unknown service, and for one the caller may not see', async () => {
      expect((await get(`/api/services/nobody/red?${range_}`)).statusCode).toBe(404);
      const hidden = await get(`/api/services/legacy/red?${range_}`, 'alice');
      expect(hidden.statusCode).toBe(404);
      // The same answer as for a service that does not exist.
      expect(hidden.json()).toEqual({
        statusCode: 404,
        code: 'HUB_API_NOT_FOUND',
        error: 'Not found: service "legacy"',
      });
      expect((await get(`/api/services/nobody/red?${range_}`, 'alice')).json()).toEqual({
        statusCode: 404,
        code: 'HUB_API_NOT_FOUND',
        error: 'Not found: service "nobody"',
      });
      expect((await get(`/api/services/web/red?${range_}`, 'alice')).statusCode).toBe(200);
      expect((await get(`/api/services/web/red?${range_}&environment=staging`, 'alice')).statusCode).toBe(
        404,
      );
    });

    it('metric catalog, labels and queries see only the caller’s services', async () => {
      const list = (await get(`/api/metrics?${range_}`, 'alice')).json() as {
        metrics: Array<{ name: string }>;
      };
      expect(list.metrics.map((m) => m.name)).toEqual(['http.server.request.duration']);
      const all = (await get(`/api/metrics?${range_}`)).json() as { metrics: Array<{ name: string }> };
      expect(all.metrics.map((m) => m.name).sort()).toEqual([
        'http.server.duration',
        'http.server.request.duration',
        'rpc.server.duration',
      ]);
      expect(
        (await get(`/api/metrics/labels?metric=rpc.server.duration&${range_}`, 'alice')).statusCode,
      ).toBe(404);
      const labels = await get(`/api/metrics/labels?metric=http.server.request.duration&${range_}`, 'alice');
      const services = (labels.json() as { labels: Array<{ key: string; values: string[] }> }).labels.find(
        (l) => l.key === 'service.name',
      );
      expect(services?.values).toEqual(['web']);
      const q = (metric: string) =>
        app.inject({
          method: 'POST',
          url: '/api/metrics/query',
          headers: { authorization: `Bearer ${TOKENS.alice}` },
          payload: { metric, from: String(FROM), to: String(TO), step: 60, groupBy: ['service.name'] },
        });
      expect((await q('http.server.duration')).statusCode).toBe(404);
      const mine = await q('http.server.request.duration');
      expect(mine.statusCode).toBe(200);
      expect(
        (mine.json() as { series: Array<{ labels: Record<string, string> }> }).series.map((s) => s.labels),
      ).toEqual([{ 'service.name': 'web' }]);
    });

    it('the overview of a scoped caller has only their services', async () => {
      const scoped = await redOverview(
        t.db,
        {
          name: 'alice',
          kind: 'token',
          admin: false,
          teams: ['web-team'],
          scopes: ['read'],
          grants: [{ service: 'web', environments: null }],
        },
        { fromMs: FROM, toMs: TO, step: 60 },
      );
      expect(scoped.rows.map((r) => r.service)).toEqual(['web']);
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, migrate, sql } from '../../core/src/index.ts';
import { VersionSightings } from '../src/index.ts';
import type { ResourceInfo } from '../src/otlp/resource.ts';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { eventually, startTestCollector, type TestCollector } from '../../test/helpers/collector.ts';
import { otlpJsonToProtobuf } from './helpers/otlp-proto.ts';

const silent = createLogger('test', 'silent');

function resource(serviceName: string, serviceVersion: string, environment = 'production'): ResourceInfo {
  return { serviceName, serviceVersion, environment } as ResourceInfo;
}

async function stored(t: TestDb): Promise<Array<{ s: string; e: string; v: string; n: string }>> {
  return t.db.query(
    sql`SELECT service_name AS s, environment AS e, service_version AS v, toString(count()) AS n
        FROM service_versions GROUP BY s, e, v ORDER BY s, e, v`,
  );
}

describe('service version sightings', () => {
  let t: TestDb;

  beforeAll(async () => {
    // Not migrated yet: the first write fails (no table), as it would while ClickHouse is away.
    t = await createTestDb({ migrate: false });
  });

  afterAll(async () => {
    await t.drop();
  });

  it('forgets what it could not write, and writes it on the next sighting', async () => {
    const s = new VersionSightings(t.db, silent);
    s.note(resource('checkout', '1.0.0'), 1_000);
    s.note(resource('checkout', '1.0.0'), 2_000);
    expect(s.stats).toEqual({ known: 1, pending: 1, written: 0 });
    await s.flush();
    expect(s.stats).toEqual({ known: 0, pending: 0, written: 0 });

    await migrate(t.db, { logsDays: 14, metricsDays: 30 });
    s.note(resource('checkout', '1.0.0'), 3_000);
    await s.flush();
    expect(s.stats).toEqual({ known: 1, pending: 0, written: 1 });
    expect(await stored(t)).toEqual([{ s: 'checkout', e: 'production', v: '1.0.0', n: '1' }]);
    // Known now: seen again, nothing is queued.
    s.note(resource('checkout', '1.0.0'), 4_000);
    expect(s.stats.pending).toBe(0);
  });

  it('skips resources without a version or with values too long to be one', () => {
    const s = new VersionSightings(t.db, silent);
    s.note(resource('checkout', ''), 1);
    s.note(resource('checkout', 'v'.repeat(257)), 1);
    s.note(resource('x'.repeat(257), '1'), 1);
    expect(s.stats).toEqual({ known: 0, pending: 0, written: 0 });
  });

  it('bounds its memory: known triples and the queue', async () => {
    const s = new VersionSightings(t.db, silent, { maxKnown: 3, maxPending: 2 });
    for (let i = 0; i < 5; i++) s.note(resource('bounded', `${i}`), 10);
    // Two queued; the rest were not remembered, so a later sighting queues them.
    expect(s.stats).toEqual({ known: 2, pending: 2, written: 0 });
    await s.flush();
    // Versions that keep being seen (in varying order, as traffic arrives) are all written in the end,
    // however small the bounds; past maxKnown some are written more than once (harmless: min wins).
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 5; i++) s.note(resource('bounded', `${(i + round) % 5}`), 20 + round);
      expect(s.stats.known).toBeLessThanOrEqual(3);
      expect(s.stats.pending).toBeLessThanOrEqual(2);
      await s.flush();
    }
    const rows = (await stored(t)).filter((r) => r.s === 'bounded');
    expect(rows.map((r) => r.v)).toEqual(['0', '1', '2', '3', '4']);
  });

  describe('through the collector', () => {
    let collector: TestCollector;

    beforeAll(async () => {
      collector = await startTestCollector(t.db);
    });

    afterAll(async () => {
      await collector.stop();
    });

    const attrs = (service: string, version: string, env: string) => [
      { key: 'service.name', value: { stringValue: service } },
      { key: 'service.version', value: { stringValue: version } },
      { key: 'deployment.environment', value: { stringValue: env } },
    ];

    it('records one sighting per triple, from protobuf logs and metrics, however many records', async () => {
      const nanos = `${Date.now()}000000`;
      const logs = {
        resourceLogs: [
          ['cart', '2.0.0', 'staging'],
          ['cart', '2.0.0', 'staging'],
          ['cart', '2.1.0', 'staging'],
        ].map(([service, version, env]) => ({
          resource: { attributes: attrs(service as string, version as string, env as string) },
          scopeLogs: [
            {
              logRecords: Array.from({ length: 50 }, (_, i) => ({
                timeUnixNano: nanos,
                body: { stringValue: `line ${i}` },
              })),
            },
          ],
        })),
      };
      const metrics = {
        resourceMetrics: [
          {
            resource: { attributes: attrs('cart', '2.2.0', 'staging') },
            scopeMetrics: [
              {
                metrics: [
                  {
                    name: 'cart.items',
                    sum: {
                      aggregationTemporality: 2,
                      isMonotonic: true,
                      dataPoints: Array.from({ length: 20 }, (_, i) => ({
                        timeUnixNano: nanos,
                        asInt: String(i),
                        attributes: [{ key: 'i', value: { stringValue: String(i) } }],
                      })),
                    },
                  },
                ],
              },
            ],
          },
        ],
      };
      for (const [signal, body] of [
        ['logs', logs],
        ['metrics', metrics],
      ] as const) {
        const res = await fetch(`${collector.httpUrl}/v1/${signal}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-protobuf' },
          body: otlpJsonToProtobuf(signal, body),
        });
        expect(res.status).toBe(200);
      }
      await eventually(
        async () => (await stored(t)).filter((r) => r.s === 'cart').length === 3,
        20_000,
        'three cart versions',
      );
      expect((await stored(t)).filter((r) => r.s === 'cart')).toEqual([
        { s: 'cart', e: 'staging', v: '2.0.0', n: '1' },
        { s: 'cart', e: 'staging', v: '2.1.0', n: '1' },
        { s: 'cart', e: 'staging', v: '2.2.0', n: '1' },
      ]);
      expect(collector.collector.sightings.stats.written).toBe(3);
    });
  });
});

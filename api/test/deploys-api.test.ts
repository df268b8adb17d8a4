import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { createLogger, sql } from '../../core/src/index.ts';
import { buildApp } from '../src/index.ts';
import { parseTeamsFile } from '../src/access/teams-file.ts';
import { tokenDigest } from '../src/access/principal.ts';
import type { Deploy } from '../src/deploys/schemas.ts';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { eventually, startTestCollector, type TestCollector } from '../../test/helpers/collector.ts';

const TOKENS = {
  ciA: 'ci-a-token-0123456789',
  readerA: 'reader-a-token-0123456789',
  ciB: 'ci-b-token-0123456789',
  root: 'root-token-0123456789',
};
const teams = parseTeamsFile(`
teams:
  team-a:
    services:
      - checkout
      - service: cart
        environments: [staging]
  team-b:
    services: [payments]
members:
  - name: ci-a
    kind: token
    teams: [team-a]
    scopes: [read, deploy]
    tokenSha256: ${tokenDigest(TOKENS.ciA)}
  - name: reader-a
    teams: [team-a]
    tokenSha256: ${tokenDigest(TOKENS.readerA)}
  - name: ci-b
    kind: token
    teams: [team-b]
    scopes: [read, deploy]
    tokenSha256: ${tokenDigest(TOKENS.ciB)}
  - name: root
    role: admin
    tokenSha256: ${tokenDigest(TOKENS.root)}
`);

type Who = keyof typeof TOKENS;
const auth = (who: Who) => ({ authorization: `Bearer ${TOKENS[who]}` });

describe('deploys API', () => {
  let t: TestDb;
  let app: FastifyInstance;

  beforeAll(async () => {
    t = await createTestDb();
    app = await buildApp({ db: t.db, logger: createLogger('test', 'silent'), access: { teams } });
  });

  afterAll(async () => {
    await app.close();
    await t.drop();
  });

  const post = (body: unknown, who: Who = 'ciA') =>
    app.inject({ method: 'POST', url: '/api/deploys', headers: auth(who), payload: body as object });
  const get = (url: string, who: Who = 'ciA') => app.inject({ method: 'GET', url, headers: auth(who) });
  const list = async (query: string, who: Who = 'ciA'): Promise<Deploy[]> => {
    const res = await get(`/api/deploys?${query}`, who);
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { deploys: Deploy[] }).deploys;
  };

  describe('reporting', () => {
    it('creates a deploy (201) with defaults, and reads it back', async () => {
      const before = Date.now();
      const res = await post({
        id: 'gh-run-100',
        service: 'checkout',
        environment: 'production',
        version: '1.4.2',
        commitSha: 'a1b2c3d',
        author: 'dana',
        description: 'Faster cart totals',
        links: [{ name: 'ci', url: 'https://ci.example.com/runs/100' }],
      });
      expect(res.statusCode, res.body).toBe(201);
      const { deploy, created } = res.json() as { deploy: Deploy; created: boolean };
      expect(created).toBe(true);
      expect(deploy).toMatchObject({
        id: 'gh-run-100',
        service: 'checkout',
        environment: 'production',
        version: '1.4.2',
        previousVersion: null,
        commitSha: 'a1b2c3d',
        author: 'dana',
        description: 'Faster cart totals',
        links: [{ name: 'ci', url: 'https://ci.example.com/runs/100' }],
        status: 'succeeded',
        source: 'reported',
        firstSeenAt: null,
      });
      expect(Date.parse(deploy.startedAt)).toBeGreaterThanOrEqual(before - 1);
      expect(deploy.finishedAt).not.toBeNull();

      const one = await get('/api/deploys/gh-run-100');
      expect(one.statusCode).toBe(200);
      expect(one.json()).toEqual(deploy);
    });

    it('generates a UUID when no id is given', async () => {
      const res = await post({ service: 'checkout', environment: 'staging', version: '0.9.0' });
      expect(res.statusCode, res.body).toBe(201);
      const { deploy } = res.json() as { deploy: Deploy };
      expect(deploy.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    });

    it('is idempotent on id: the same body again answers 200 created false and changes nothing', async () => {
      const body = { id: 'gh-run-101', service: 'checkout', environment: 'production', version: '1.4.3' };
      const first = await post(body);
      expect(first.statusCode).toBe(201);
      const again = await post(body);
      expect(again.statusCode).toBe(200);
      const result = again.json() as { deploy: Deploy; created: boolean };
      expect(result.created).toBe(false);
      expect(result.deploy).toEqual((first.json() as { deploy: Deploy }).deploy);
      const rows = await t.db.query<{ c: string }>(
        sql`SELECT count() AS c FROM deploys WHERE id = 'gh-run-101'`,
      );
      expect(Number(rows[0]?.c)).toBe(1);
    });

    it('updates a started deploy to succeeded: finishedAt is set, startedAt and details are kept', async () => {
      const started = await post({
        id: 'gh-run-102',
        service: 'checkout',
        environment: 'production',
        version: '1.5.0',
        status: 'started',
        startedAt: 'now-2m',
        author: 'eve',
      });
      expect(started.statusCode, started.body).toBe(201);
      const s = (started.json() as { deploy: Deploy }).deploy;
      expect(s.status).toBe('started');
      expect(s.finishedAt).toBeNull();

      const done = await post({
        id: 'gh-run-102',
        service: 'checkout',
        environment: 'production',
        version: '1.5.0',
        status: 'succeeded',
      });
      expect(done.statusCode, done.body).toBe(200);
      const d = done.json() as { deploy: Deploy; created: boolean };
      expect(d.created).toBe(false);
      expect(d.deploy.status).toBe('succeeded');
      expect(d.deploy.startedAt).toBe(s.startedAt);
      expect(d.deploy.author).toBe('eve');
      expect(d.deploy.finishedAt).not.toBeNull();
      expect(Date.parse(d.deploy.finishedAt as string)).toBeGreaterThan(Date.parse(s.startedAt));
      expect(Date.parse(d.deploy.updatedAt)).toBeGreaterThan(Date.parse(s.updatedAt));
      expect((await get('/api/deploys/gh-run-102')).json()).toEqual(d.deploy);
      // The listing shows the latest write once, not both.
      const listed = (await list('service=checkout&environment=production')).filter(
        (x) => x.id === 'gh-run-102',
      );
      expect(listed).toEqual([d.deploy]);
    });

    it('answers 409 when an id is reused for another service or environment', async () => {
      const other = await post({
        id: 'gh-run-100',
        service: 'cart',
        environment: 'staging',
        version: '2.0.0',
      });
      expect(other.statusCode).toBe(409);
      expect(other.json()).toMatchObject({ code: 'HUB_API_CONFLICT' });
      expect((other.json() as { error: string }).error).toMatch(/already used for another service/);
      const env = await post({ id: 'gh-run-100', service: 'checkout', environment: 'staging', version: '1' });
      expect(env.statusCode).toBe(409);
      // Unchanged.
      const stored = (await get('/api/deploys/gh-run-100')).json() as Deploy;
      expect(stored.environment).toBe('production');
    });

    it.each([
      [
        { service: 'checkout', version: '1', status: 'done' },
        /body\.status: must be one of started, succeeded/,
      ],
      [
        { service: 'checkout', version: '1', links: [{ name: 'ci', url: 'javascript:alert(1)' }] },
        /body\.links\.0\.url/,
      ],
      [{ service: 'checkout', version: '1', startedAt: 'yesterday' }, /startedAt "yesterday" is not a time/],
      [{ service: 'checkout', version: '1', comit: 'abc' }, /body\.comit: Unexpected property/],
      [{ service: 'checkout' }, /body: Expected required property|version/],
      [{ service: 'checkout', version: '1', id: 'has space' }, /body\.id/],
      [{ service: 'checkout', version: '1', id: 'inferred:0123456789abcdef' }, /reserved for inferred/],
      [
        { service: 'checkout', version: '1', startedAt: 'now', finishedAt: 'now-1h' },
        /finishedAt is before startedAt/,
      ],
      [{ service: 'checkout', version: '1', status: 'started', finishedAt: 'now' }, /status is "started"/],
      [{ service: 'checkout', version: 1 }, /body\.version/],
    ])('answers 400 with a clear message for %j', async (body, message) => {
      const res = await post(body);
      expect(res.statusCode, res.body).toBe(400);
      const answer = res.json() as { code: string; error: string };
      expect(answer.code).toBe('HUB_API_BAD_REQUEST');
      expect(answer.error).toMatch(message);
    });

    it('answers 400 for a body that is not JSON object', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/deploys',
        headers: { ...auth('ciA'), 'content-type': 'application/json' },
        payload: '[1,2]',
      });
      expect(res.statusCode).toBe(400);
    });
  });

  describe('access', () => {
    it('answers 401 without a token', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/deploys',
        payload: { service: 'checkout', version: '1' },
      });
      expect(res.statusCode).toBe(401);
    });

    it('answers 403 to a token without the deploy scope, even for a body that does not validate', async () => {
      for (const body of [{ service: 'checkout', version: '9.9.9' }, { nonsense: true }]) {
        const res = await post(body, 'readerA');
        expect(res.statusCode).toBe(403);
        expect(res.json()).toMatchObject({ code: 'HUB_API_FORBIDDEN' });
        expect((res.json() as { error: string }).error).toMatch(/"deploy" scope/);
      }
    });

    it('answers 403 to a token of another team, and its deploys stay invisible to team a', async () => {
      const res = await post({ service: 'checkout', environment: 'production', version: '6.6.6' }, 'ciB');
      expect(res.statusCode).toBe(403);
      expect((res.json() as { error: string }).error).toMatch(/"checkout" in environment "production"/);
      // Team a may report cart only in staging.
      expect((await post({ service: 'cart', environment: 'production', version: '1' })).statusCode).toBe(403);
      expect((await post({ service: 'cart', environment: 'staging', version: '1' })).statusCode).toBe(201);

      const b = await post(
        { id: 'pay-1', service: 'payments', environment: 'production', version: '3.0.0' },
        'ciB',
      );
      expect(b.statusCode).toBe(201);
      expect((await list('from=now-1h')).some((d) => d.service === 'payments')).toBe(false);
      expect(await list('service=payments&from=now-1h')).toEqual([]);
      expect((await get('/api/deploys/pay-1')).statusCode).toBe(404);
      // B sees its own, and nothing of team a.
      const seenByB = await list('from=now-1h', 'ciB');
      expect(seenByB.map((d) => d.id)).toEqual(['pay-1']);
      // An admin sees both.
      const all = await list('from=now-1h', 'root');
      expect(all.some((d) => d.id === 'pay-1')).toBe(true);
      expect(all.some((d) => d.id === 'gh-run-100')).toBe(true);
    });

    it('answers 404 for an unknown id', async () => {
      const res = await get('/api/deploys/no-such-deploy');
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ code: 'HUB_API_NOT_FOUND' });
      expect((await get('/api/deploys/inferred:0123456789abcdef')).statusCode).toBe(404);
      expect((await get('/api/deploys/inferred:nothex')).statusCode).toBe(404);
    });
  });

  describe('listing', () => {
    beforeAll(async () => {
      // A history for one service: explicit times, out of order.
      const history = [
        { id: 'hist-2', version: '2.0.0', startedAt: 'now-3h' },
        { id: 'hist-1', version: '1.0.0', startedAt: 'now-5h' },
        { id: 'hist-3', version: '3.0.0', startedAt: 'now-1h', status: 'failed' },
        { id: 'hist-4', version: '2.0.0', startedAt: 'now-30m', status: 'rolled_back' },
      ];
      for (const h of history) {
        const res = await post({ service: 'checkout', environment: 'canary', ...h });
        expect(res.statusCode, res.body).toBe(201);
      }
    });

    it('lists newest first, with the previous deploy’s version', async () => {
      const deploys = await list('service=checkout&environment=canary&from=now-1d');
      expect(deploys.map((d) => [d.id, d.version, d.previousVersion, d.status])).toEqual([
        ['hist-4', '2.0.0', '3.0.0', 'rolled_back'],
        ['hist-3', '3.0.0', '2.0.0', 'failed'],
        ['hist-2', '2.0.0', '1.0.0', 'succeeded'],
        ['hist-1', '1.0.0', null, 'succeeded'],
      ]);
    });

    it('filters by time range, service, environment, source and limit', async () => {
      const recent = await list('service=checkout&environment=canary&from=now-2h');
      expect(recent.map((d) => d.id)).toEqual(['hist-4', 'hist-3']);
      // The previous version comes from before the range too.
      expect(recent[1]?.previousVersion).toBe('2.0.0');
      const older = await list('service=checkout&environment=canary&from=now-6h&to=now-2h');
      expect(older.map((d) => d.id)).toEqual(['hist-2', 'hist-1']);
      const limited = await list('service=checkout&environment=canary&from=now-1d&limit=1');
      expect(limited.map((d) => d.id)).toEqual(['hist-4']);
      expect(limited[0]?.previousVersion).toBe('3.0.0');
      const production = await list('environment=production&from=now-1d');
      expect(production.length).toBeGreaterThan(0);
      expect(production.every((d) => d.environment === 'production')).toBe(true);
      expect(await list('service=checkout&environment=canary&from=now-1d&source=inferred')).toEqual([]);
      expect(
        (await list('service=checkout&environment=canary&from=now-1d&source=reported')).map((d) => d.id),
      ).toEqual(['hist-4', 'hist-3', 'hist-2', 'hist-1']);
      const all = await list('from=now-1d');
      const times = all.map((d) => Date.parse(d.startedAt));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
    });

    it('answers 400 for a bad range or limit', async () => {
      expect((await get('/api/deploys?from=now&to=now-1h')).statusCode).toBe(400);
      expect((await get('/api/deploys?from=now-40d')).statusCode).toBe(400);
      expect((await get('/api/deploys?limit=0')).statusCode).toBe(400);
      expect((await get('/api/deploys?source=other')).statusCode).toBe(400);
    });
  });

  describe('inferred from telemetry', () => {
    let collector: TestCollector;

    beforeAll(async () => {
      collector = await startTestCollector(t.db);
    });

    afterAll(async () => {
      await collector.stop();
    });

    const resource = (service: string, version: string) => ({
      attributes: [
        { key: 'service.name', value: { stringValue: service } },
        { key: 'service.version', value: { stringValue: version } },
        { key: 'deployment.environment.name', value: { stringValue: 'production' } },
      ],
    });

    async function sendLogs(service: string, version: string): Promise<void> {
      const nanos = `${Date.now()}000000`;
      const res = await fetch(`${collector.httpUrl}/v1/logs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          resourceLogs: [
            {
              resource: resource(service, version),
              scopeLogs: [
                {
                  logRecords: [1, 2, 3].map((i) => ({ timeUnixNano: nanos, body: { stringValue: `r${i}` } })),
                },
              ],
            },
          ],
        }),
      });
      expect(res.status).toBe(200);
    }

    async function sendMetrics(service: string, version: string): Promise<void> {
      const nanos = `${Date.now()}000000`;
      const res = await fetch(`${collector.httpUrl}/v1/metrics`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          resourceMetrics: [
            {
              resource: resource(service, version),
              scopeMetrics: [
                {
                  metrics: [
                    { name: 'queue.depth', gauge: { dataPoints: [{ timeUnixNano: nanos, asDouble: 3 }] } },
                  ],
                },
              ],
            },
          ],
        }),
      });
      expect(res.status).toBe(200);
    }

    async function sighted(service: string, version: string): Promise<void> {
      await eventually(
        async () => {
          const rows = await t.db.query<{ c: string }>(
            sql`SELECT count() AS c FROM service_versions WHERE service_name = ${service} AND service_version = ${version}`,
          );
          return Number(rows[0]?.c) > 0;
        },
        20_000,
        `a sighting of ${service} ${version}`,
      );
    }

    it('infers a deploy when a new version appears, and merges it with the reported one', async () => {
      // Logs of 1.0.0, then metrics (and logs) of 1.1.0: one inferred deploy, 1.0.0 → 1.1.0.
      await sendLogs('checkout', '1.0.0');
      await sighted('checkout', '1.0.0');
      await sendMetrics('checkout', '1.1.0');
      await sendLogs('checkout', '1.1.0');
      await sighted('checkout', '1.1.0');

      const inferred = await list('service=checkout&environment=production&from=now-1h&source=inferred');
      expect(inferred).toHaveLength(1);
      const d = inferred[0] as Deploy;
      expect(d).toMatchObject({
        service: 'checkout',
        environment: 'production',
        version: '1.1.0',
        previousVersion: '1.0.0',
        source: 'inferred',
        status: 'succeeded',
      });
      expect(d.id).toMatch(/^inferred:[0-9a-f]{16}$/);
      expect(d.firstSeenAt).toBe(d.startedAt);
      // The very first version seen is not a deploy; the id is stable and readable.
      expect((await get(`/api/deploys/${d.id}`)).json()).toEqual(d);
      expect(
        (await list('service=checkout&environment=production&from=now-1h&source=inferred')).map((x) => x.id),
      ).toEqual([d.id]);
      // Another team sees nothing of it.
      expect(await list('source=inferred&from=now-1h', 'ciB')).toEqual([]);
      expect((await get(`/api/deploys/${d.id}`, 'ciB')).statusCode).toBe(404);

      // Seen again (another resource, another request): still one sighting's worth, one deploy.
      await sendLogs('checkout', '1.1.0');

      // CI reports the same version: one deploy, the reported one, with firstSeenAt from telemetry.
      const res = await post({
        id: 'gh-run-200',
        service: 'checkout',
        environment: 'production',
        version: '1.1.0',
        startedAt: new Date(Date.parse(d.firstSeenAt as string) - 60_000).toISOString(),
        commitSha: 'feedbeef',
      });
      expect(res.statusCode, res.body).toBe(201);
      const reported = (res.json() as { deploy: Deploy }).deploy;
      expect(reported.firstSeenAt).toBe(d.firstSeenAt);

      const listed = (await list('service=checkout&environment=production&from=now-1h')).filter(
        (x) => x.version === '1.1.0',
      );
      expect(listed).toHaveLength(1);
      expect(listed[0]).toMatchObject({
        id: 'gh-run-200',
        source: 'reported',
        firstSeenAt: d.firstSeenAt,
        commitSha: 'feedbeef',
      });
      expect(await list('service=checkout&environment=production&from=now-1h&source=inferred')).toEqual([]);
      // The inferred id now answers the reported deploy.
      expect(((await get(`/api/deploys/${d.id}`)).json() as Deploy).id).toBe('gh-run-200');
    });
  });

  describe('fuzz', () => {
    const field = fc.oneof(
      fc.jsonValue(),
      fc.string(),
      fc.constantFrom('now', 'now-5m', '2026-01-01T00:00:00Z', '99999999999999', 'started', 'rolled_back'),
    );
    const bodies = fc.oneof(
      fc.jsonValue(),
      fc.dictionary(
        fc.constantFrom(
          'id',
          'service',
          'environment',
          'version',
          'commitSha',
          'author',
          'description',
          'links',
          'startedAt',
          'finishedAt',
          'status',
          'other',
        ),
        field,
      ),
      fc.record(
        {
          id: fc.stringMatching(/^[A-Za-z0-9._:/@+-]{1,20}$/),
          service: fc.constantFrom('checkout', 'payments', ''),
          environment: fc.string(),
          version: fc.string(),
          links: fc.array(fc.record({ name: fc.string(), url: fc.oneof(fc.webUrl(), fc.string()) }), {
            maxLength: 3,
          }),
          startedAt: field,
          finishedAt: field,
          status: fc.constantFrom('started', 'succeeded', 'failed', 'rolled_back', 'x'),
        },
        { requiredKeys: [] },
      ),
      // Valid in shape, arbitrary in content (any code points, lone surrogates included);
      // a small pool of ids makes updates and conflicts.
      fc.record(
        {
          id: fc.integer({ min: 1, max: 10 }).map((n) => `fz-${n}`),
          service: fc.oneof(
            { weight: 8, arbitrary: fc.constant('checkout') },
            { weight: 1, arbitrary: fc.constantFrom('payments', 'svc-\u0000\'"\\') },
          ),
          environment: fc.oneof(
            { weight: 9, arbitrary: fc.constantFrom('production', '') },
            { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
          ),
          version: fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
          commitSha: fc.string({ unit: 'binary', maxLength: 40 }),
          author: fc.string({ unit: 'binary', maxLength: 40 }),
          description: fc.string({ unit: 'binary', maxLength: 200 }),
          links: fc.array(
            fc.record({
              name: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
              url: fc.webUrl({ withQueryParameters: true, withFragments: true }),
            }),
            { maxLength: 3 },
          ),
          startedAt: fc.oneof(
            fc.constantFrom('now', 'now-1h', 'now-7d'),
            fc
              .date({ min: new Date(0), max: new Date(4_000_000_000_000), noInvalidDate: true })
              .map((d) => d.toISOString()),
          ),
          status: fc.constantFrom('started', 'succeeded', 'failed', 'rolled_back'),
        },
        { requiredKeys: ['id', 'service', 'version'] },
      ),
    );

    it('never answers 500 to any JSON body', async () => {
      const codes = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(bodies, async (body) => {
          const res = await app.inject({
            method: 'POST',
            url: '/api/deploys',
            headers: { ...auth('root'), 'content-type': 'application/json' },
            payload: JSON.stringify(body),
          });
          expect(res.statusCode, `${JSON.stringify(body)} → ${res.body}`).toBeLessThan(500);
          expect([200, 201, 400, 409]).toContain(res.statusCode);
          codes.set(res.statusCode, (codes.get(res.statusCode) ?? 0) + 1);
          if (res.statusCode === 200 || res.statusCode === 201) {
            // What was stored reads back unchanged (lone surrogates aside: UTF-8 cannot hold them).
            const sent = body as { version: string; description?: string };
            const { deploy } = res.json() as { deploy: Deploy };
            if (sent.version.isWellFormed()) expect(deploy.version).toBe(sent.version);
            if (sent.description && sent.description.isWellFormed())
              expect(deploy.description).toBe(sent.description);
          }
        }),
        // Seeded: the coverage checks below count outcomes, which must not vary from run to run.
        { numRuns: 300, seed: 20261122 },
      );
      // The valid-looking bodies reach the database: creations, updates and conflicts all happened.
      expect(codes.get(201)).toBeGreaterThan(0);
      expect(codes.get(200)).toBeGreaterThan(0);
      expect(codes.get(409)).toBeGreaterThan(0);
      expect((codes.get(200) ?? 0) + (codes.get(201) ?? 0)).toBeGreaterThan(20);
    });
  });
});

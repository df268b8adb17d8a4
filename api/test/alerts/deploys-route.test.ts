import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../core/src/index.ts';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { tokenDigest } from '../../src/access/principal.ts';
import { parseTeamsFile } from '../../src/access/teams-file.ts';
import type { AlertDeploys } from '../../src/alerts/deploys-schemas.ts';
import { startAlerting, type Alerting, type Clock } from '../../src/alerts/eval/index.ts';
import { buildApp } from '../../src/index.ts';
import type { ServicesOverviewResult } from '../../src/services/schemas.ts';
import { insertLogs, MIN, T0 } from './helpers.ts';

/**
 * GET /api/alerts/:instanceId/deploys (the notifier's deploy correlation for
 * one alert) and the services list's firingAlerts, over a real evaluator.
 */
const TOKENS = { alice: 'alice-token-0123456789', bob: 'bob-token-0123456789' };
const teams = parseTeamsFile(`
teams:
  shop:
    services: [checkout]
  search:
    services: [search]
members:
  - name: alice
    teams: [shop]
    scopes: [read, deploy]
    tokenSha256: ${tokenDigest(TOKENS.alice)}
  - name: bob
    teams: [search]
    tokenSha256: ${tokenDigest(TOKENS.bob)}
`);
const auth = (who: keyof typeof TOKENS) => ({ authorization: `Bearer ${TOKENS[who]}` });

const RULES = `
groups:
  - name: shop
    interval: 1m
    rules:
      - alert: CheckoutErrors
        kind: log
        query: 'service:checkout severity:>=error'
        group_by: [service, env]
        window: 1m
        condition: { op: '>', threshold: 0 }
      - alert: CheckoutNoDeploys
        kind: log
        query: 'service:checkout severity:>=error'
        group_by: [service, env]
        window: 1m
        deploy_window: 0s
        condition: { op: '>', threshold: 0 }
`;

const MANUAL: Clock = { now: () => T0, schedule: () => () => undefined };

describe('alert deploys and firing counts', () => {
  let t: TestDb;
  let dir: string;
  let alerting: Alerting;
  let app: FastifyInstance;

  async function instanceOf(alert: string): Promise<string> {
    const res = await app.inject({ url: '/api/alerts', headers: auth('alice') });
    const found = res
      .json<{ alerts: Array<{ alert: string; instanceId: string }> }>()
      .alerts.find((a) => a.alert === alert);
    if (!found) throw new Error(`${alert} is not firing: ${res.body}`);
    return found.instanceId;
  }

  beforeAll(async () => {
    t = await createTestDb();
    dir = await mkdtemp(path.join(tmpdir(), 'hub-alert-deploys-'));
    await writeFile(path.join(dir, 'rules.yaml'), RULES);
    await insertLogs(t.db, [{ t: T0 + 30_000, service: 'checkout', severity: 17 }]);
    alerting = await startAlerting({
      db: t.db,
      config: { enabled: true, rulesDir: dir, queryTimeoutMs: 10_000, maxConcurrentQueries: 4 },
      clock: MANUAL,
      debounceMs: 60_000,
    });
    app = await buildApp({ db: t.db, logger: createLogger('test', 'silent'), access: { teams }, alerting });
    const deploy = (id: string, version: string, startedAt: number, environment = 'production') =>
      app.inject({
        method: 'POST',
        url: '/api/deploys',
        headers: auth('alice'),
        payload: {
          id,
          service: 'checkout',
          environment,
          version,
          author: 'ana',
          startedAt: String(startedAt),
        },
      });
    for (const res of [
      await deploy('old', '1.3.0', T0 - 2 * 3_600_000),
      await deploy('canary', '1.5.0', T0 + MIN - 12 * MIN),
      await deploy('staging', '1.6.0', T0 + MIN - 5 * MIN, 'staging'),
    ])
      expect(res.statusCode).toBeLessThan(300);
    await alerting.engine.evaluateGroup('shop', T0 + MIN);
  });

  afterAll(async () => {
    await app.close();
    await alerting.stop();
    await t.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('names the deploys of the alert’s service and environment within deploy_window before it became active', async () => {
    const id = await instanceOf('CheckoutErrors');
    const res = await app.inject({ url: `/api/alerts/${id}/deploys`, headers: auth('alice') });
    expect(res.statusCode).toBe(200);
    const body = res.json<AlertDeploys>();
    expect(body).toMatchObject({
      instanceId: id,
      service: 'checkout',
      environment: 'production',
      activeAt: T0 + MIN,
      windowMs: 30 * MIN,
    });
    // Not the deploy two hours before, nor the staging one.
    expect(body.deploys).toEqual([
      expect.objectContaining({ id: 'canary', version: '1.5.0', author: 'ana', minutesBefore: 12 }),
    ]);
  });

  it('answers no deploys with deploy_window 0s, and 404 for an unknown alert or one of another team', async () => {
    const id = await instanceOf('CheckoutNoDeploys');
    const res = await app.inject({ url: `/api/alerts/${id}/deploys`, headers: auth('alice') });
    expect(res.json<AlertDeploys>()).toMatchObject({ windowMs: 0, deploys: [] });
    expect((await app.inject({ url: `/api/alerts/${id}/deploys`, headers: auth('bob') })).statusCode).toBe(
      404,
    );
    expect((await app.inject({ url: '/api/alerts/nope/deploys', headers: auth('alice') })).statusCode).toBe(
      404,
    );
    expect((await app.inject({ url: `/api/alerts/${id}/deploys` })).statusCode).toBe(401);
  });

  it('fills the services list’s firingAlerts from the evaluator, as the caller may see them', async () => {
    const url = `/api/services/overview?from=${T0}&to=${T0 + 10 * MIN}`;
    const rows = (who: keyof typeof TOKENS) =>
      app.inject({ url, headers: auth(who) }).then((r) => r.json<ServicesOverviewResult>().rows);
    const alice = await rows('alice');
    expect(alice.find((r) => r.service === 'checkout' && r.environment === 'production')?.firingAlerts).toBe(
      2,
    );
    expect(await rows('bob')).toEqual([]);
  });
});

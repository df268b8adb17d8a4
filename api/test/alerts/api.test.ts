import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createLogger } from '../../../core/src/index.ts';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { buildApp } from '../../src/index.ts';
import { parseTeamsFile } from '../../src/access/teams-file.ts';
import { tokenDigest } from '../../src/access/principal.ts';
import { startAlerting, type Alerting, type Clock } from '../../src/alerts/eval/index.ts';
import { insertLogs, MIN, RecordingPublisher, T0 } from './helpers.ts';

/**
 * The alerts API over a real evaluator: scoping by service/environment
 * labels, rules with their status and load errors, history, and reload
 * (admin only; an invalid file keeps the previous rules; state of unchanged
 * rules is kept across a reload, a changed rule restarts its instances).
 */
const TOKENS = { alice: 'alice-token-0123456789', root: 'root-token-0123456789' };
const teams = parseTeamsFile(`
teams:
  shop:
    services: [checkout]
members:
  - name: alice
    teams: [shop]
    tokenSha256: ${tokenDigest(TOKENS.alice)}
  - name: root
    role: admin
    tokenSha256: ${tokenDigest(TOKENS.root)}
`);

const rules = (threshold: number, summary = 'errors') => `
groups:
  - name: g
    interval: 1m
    rules:
      - alert: CheckoutErrors
        kind: log
        query: 'service:checkout severity:>=error'
        window: 1m
        condition: { op: '>', threshold: ${threshold} }
        labels: { service: checkout }
        annotations: { summary: '${summary} {{$value}}' }
      - alert: PaymentsErrors
        kind: log
        query: 'service:payments severity:>=error'
        window: 1m
        condition: { op: '>', threshold: 0 }
        labels: { service: payments }
      - alert: AnyErrors
        kind: log
        query: 'severity:>=error'
        window: 1m
        condition: { op: '>', threshold: 0 }
`;

/** A clock that never fires timers: the test evaluates explicitly. */
/** Loose view of a JSON answer, enough for the assertions. */
type Body = Record<string, Array<Record<string, unknown>>> & { code?: string };
const body = (res: { json: () => unknown }): Body => res.json() as Body;

const MANUAL: Clock = { now: () => T0, schedule: () => () => undefined };

describe('alerts API', () => {
  let t: TestDb;
  let dir: string;
  let alerting: Alerting;
  let app: FastifyInstance;
  const publisher = new RecordingPublisher();
  const auth = (who: keyof typeof TOKENS) => ({ authorization: `Bearer ${TOKENS[who]}` });

  beforeAll(async () => {
    t = await createTestDb();
    dir = await mkdtemp(path.join(tmpdir(), 'hub-alerts-api-'));
    await writeFile(path.join(dir, 'rules.yaml'), rules(0));
    await insertLogs(t.db, [
      { t: T0 + 30_000, service: 'checkout', severity: 17 },
      { t: T0 + 31_000, service: 'payments', severity: 17 },
    ]);
    alerting = await startAlerting({
      db: t.db,
      config: { enabled: true, rulesDir: dir, queryTimeoutMs: 10_000, maxConcurrentQueries: 4 },
      publisher,
      clock: MANUAL,
      debounceMs: 60_000,
    });
    app = await buildApp({ db: t.db, logger: createLogger('test', 'silent'), access: { teams }, alerting });
    await alerting.engine.evaluateGroup('g', T0 + MIN);
  });

  afterAll(async () => {
    await app.close();
    await alerting.stop();
    await t.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('GET /api/alerts: firing alerts, scoped to the caller’s services; no-service alerts for admins only', async () => {
    const root = body(await app.inject({ url: '/api/alerts', headers: auth('root') }));
    expect(root['alerts']?.map((a) => a['alert']).sort()).toEqual([
      'AnyErrors',
      'CheckoutErrors',
      'PaymentsErrors',
    ]);
    const alice = body(await app.inject({ url: '/api/alerts', headers: auth('alice') }));
    expect(alice['alerts']).toEqual([
      expect.objectContaining({
        alert: 'CheckoutErrors',
        state: 'firing',
        value: 1,
        threshold: 0,
        op: '>',
        service: 'checkout',
        firedAt: T0 + MIN,
        annotations: { summary: 'errors 1', description: '', runbookUrl: null },
      }),
    ]);
    expect((await app.inject({ url: '/api/alerts' })).statusCode).toBe(401);
  });

  it('GET /api/alerts/rules: rules with status and instance counts; GET /api/alerts/history: transitions', async () => {
    const res = body(await app.inject({ url: '/api/alerts/rules', headers: auth('alice') }));
    expect(res['rules']).toEqual([
      expect.objectContaining({
        alert: 'CheckoutErrors',
        kind: 'log',
        query: 'service:checkout severity:>=error',
        line: 6,
        status: expect.objectContaining({ outcome: 'ok', evaluatedAt: T0 + MIN, error: null }) as unknown,
        instances: { pending: 0, firing: 1, resolved: 0 },
      }),
    ]);
    const from = String(T0);
    const to = String(T0 + 10 * MIN);
    const allRes = await app.inject({
      url: `/api/alerts/history?from=${from}&to=${to}`,
      headers: auth('root'),
    });
    expect(allRes.statusCode).toBe(200);
    const all = body(allRes);
    expect(all['transitions']).toHaveLength(3);
    const mine = body(
      await app.inject({ url: `/api/alerts/history?from=${from}&to=${to}`, headers: auth('alice') }),
    );
    expect(mine['transitions']).toEqual([
      expect.objectContaining({ alert: 'CheckoutErrors', from: 'inactive', to: 'firing', at: T0 + MIN }),
    ]);
  });

  it('POST /api/alerts/reload: admin only; invalid files keep the rules; state kept for unchanged and cosmetic changes', async () => {
    expect(
      (await app.inject({ method: 'POST', url: '/api/alerts/reload', headers: auth('alice') })).statusCode,
    ).toBe(403);
    await writeFile(path.join(dir, 'rules.yaml'), 'groups:\n  - name: g\n    rules: [}\n');
    const invalid = await app.inject({ method: 'POST', url: '/api/alerts/reload', headers: auth('root') });
    expect(invalid.statusCode).toBe(400);
    expect(body(invalid)['code']).toBe('HUB_API_ALERT_RULES_INVALID');
    expect(alerting.engine.rules().rules).toHaveLength(3);
    const listed = body(await app.inject({ url: '/api/alerts/rules', headers: auth('root') }));
    expect(listed['loadErrors']?.[0]).toMatchObject({ code: 'HUB_RULES_YAML' });

    // A new summary only: every instance is kept.
    await writeFile(path.join(dir, 'rules.yaml'), rules(0, 'new'));
    const cosmetic = await app.inject({ method: 'POST', url: '/api/alerts/reload', headers: auth('root') });
    expect(body(cosmetic)).toMatchObject({
      status: 'changed',
      changed: [{ alert: 'CheckoutErrors', fields: ['annotations'] }],
    });
    expect(alerting.engine.allInstances().filter((s) => s.state === 'firing')).toHaveLength(3);

    // A new threshold: CheckoutErrors restarts (its firing instance resolves and is published so); the others are kept.
    publisher.calls.length = 0;
    await writeFile(path.join(dir, 'rules.yaml'), rules(5, 'new'));
    const changed = await app.inject({ method: 'POST', url: '/api/alerts/reload', headers: auth('root') });
    expect(body(changed)).toMatchObject({
      status: 'changed',
      changed: [{ alert: 'CheckoutErrors', fields: ['condition'] }],
    });
    expect(
      alerting.engine
        .allInstances()
        .map((s) => s.alert)
        .sort(),
    ).toEqual(['AnyErrors', 'PaymentsErrors']);
    expect(publisher.last()).toEqual([
      expect.objectContaining({ alert: 'CheckoutErrors', state: 'resolved' }),
    ]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createLogger } from '../../../../core/src/index.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';
import { buildApp } from '../../../src/app.ts';
import { parseTeamsFile } from '../../../src/access/teams-file.ts';
import { tokenDigest } from '../../../src/access/principal.ts';
import type { Notifier } from '../../../src/alerts/notify/notifier.ts';
import {
  ManualClock,
  blocksText,
  notice,
  startFakeSlack,
  startSmtp,
  type FakeSlack,
  type FakeSmtp,
} from './helpers.ts';
import { makeNotifier } from './setup.ts';

const TOKENS = { shop: 'shop-token-0123456789', pay: 'pay-token-0123456789', root: 'root-token-0123456789' };
const teams = parseTeamsFile(`
teams:
  shop:
    services: [checkout]
  payments:
    services:
      - service: payments
        environments: [production]
members:
  - name: shopper
    teams: [shop]
    tokenSha256: ${tokenDigest(TOKENS.shop)}
  - name: payer
    teams: [payments]
    tokenSha256: ${tokenDigest(TOKENS.pay)}
  - name: root
    role: admin
    tokenSha256: ${tokenDigest(TOKENS.root)}
`);
interface ErrorBody {
  code: string;
  error: string;
}
interface SilenceBody {
  id: string;
  state: string;
  silencedAlerts: { alert: string }[];
}
interface DeliveryBody {
  target: string;
  error: string;
}
interface DeliveriesBody {
  deliveries: DeliveryBody[];
  failing: DeliveryBody[];
}
const auth = (who: keyof typeof TOKENS) => ({ authorization: `Bearer ${TOKENS[who]}` });
const MIN = 60_000;

describe('silences, deliveries and deploy correlation through the API', () => {
  let t: TestDb;
  let slack: FakeSlack;
  let smtp: FakeSmtp;
  let app: FastifyInstance;
  let notifier: Notifier;
  const clock = new ManualClock(Date.now());

  beforeAll(async () => {
    t = await createTestDb();
    slack = await startFakeSlack();
    smtp = await startSmtp();
    notifier = makeNotifier({ db: t.db, slack, smtp, clock, maxAttempts: 2 });
    app = await buildApp({
      db: t.db,
      logger: createLogger('notify-api-test', 'silent'),
      access: { teams },
      notifier,
    });
  });

  afterAll(async () => {
    await app.close();
    await notifier.stop();
    await slack.close();
    await smtp.close();
    await t.drop();
  });

  const callsFor = (alert: string) => slack.ok.filter((c) => JSON.stringify(c.args).includes(alert));

  async function flushAfterWait(): Promise<void> {
    clock.advance(30_000);
    await notifier.tick();
  }

  it('refuses silences outside the caller’s teams, without a service, or malformed (clear 4xx)', async () => {
    const post = (who: keyof typeof TOKENS, payload: unknown) =>
      app.inject({
        method: 'POST',
        url: '/api/alerts/silences',
        headers: auth(who),
        payload: payload as object,
      });
    const other = await post('shop', {
      matchers: [{ name: 'service', op: '=', value: 'payments' }],
      reason: 'x',
      duration: '1h',
    });
    expect(other.statusCode).toBe(403);
    expect(other.json()).toMatchObject({ code: 'HUB_API_SILENCE_FORBIDDEN' });
    const broad = await post('shop', {
      matchers: [{ name: 'alertname', op: '=~', value: '.+' }],
      reason: 'x',
      duration: '1h',
    });
    expect(broad.statusCode).toBe(403);
    expect(broad.json<ErrorBody>().error).toContain('service=');
    const envNeeded = await post('pay', {
      matchers: [{ name: 'service', op: '=', value: 'payments' }],
      reason: 'x',
      duration: '1h',
    });
    expect(envNeeded.statusCode).toBe(403);
    expect(envNeeded.json<ErrorBody>().error).toContain('env=');
    const badRegex = await post('root', {
      matchers: [{ name: 'service', op: '=~', value: '(' }],
      reason: 'x',
      duration: '1h',
    });
    expect(badRegex.statusCode).toBe(400);
    expect(badRegex.json()).toMatchObject({ code: 'HUB_API_SILENCE_INVALID' });
    const everything = await post('root', {
      matchers: [{ name: 'service', op: '=~', value: '.*' }],
      reason: 'x',
      duration: '1h',
    });
    expect(everything.statusCode).toBe(400);
    const noEnd = await post('root', {
      matchers: [{ name: 'service', op: '=', value: 'checkout' }],
      reason: 'x',
    });
    expect(noEnd.statusCode).toBe(400);
    const badShape = await post('root', {
      matchers: [{ name: 'service', op: '==', value: 'x' }],
      reason: 'x',
      duration: '1h',
    });
    expect(badShape.statusCode).toBe(400);
  });

  it('a silence mutes matching alerts (shown as silenced), is listed in scope, and a deleted one lets them through', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/api/alerts/silences',
      headers: auth('shop'),
      payload: {
        matchers: [
          { name: 'service', op: '=', value: 'checkout' },
          { name: 'alertname', op: '=~', value: 'Muted.*' },
        ],
        reason: 'planned maintenance',
        duration: '2h',
        createdBy: 'ignored when access control is on',
      },
    });
    expect(created.statusCode).toBe(201);
    const silence = created.json<SilenceBody>();
    expect(silence).toMatchObject({ state: 'active', createdBy: 'shopper', reason: 'planned maintenance' });

    const muted = notice({
      labels: { alertname: 'MutedAlert', team: 'shop', severity: 'critical', service: 'checkout' },
      activeAt: clock.now(),
      firedAt: clock.now(),
    });
    const other = notice({
      labels: { alertname: 'LoudAlert', team: 'shop', severity: 'critical', service: 'checkout' },
      activeAt: clock.now(),
      firedAt: clock.now(),
    });
    await notifier.publish('checkout', [muted, other], clock.now());
    await flushAfterWait();
    expect(callsFor('MutedAlert')).toEqual([]);
    expect(callsFor('LoudAlert')).toHaveLength(1);

    const listed = await app.inject({ method: 'GET', url: '/api/alerts/silences', headers: auth('shop') });
    expect(listed.statusCode).toBe(200);
    const [view] = listed.json<{ silences: SilenceBody[] }>().silences;
    expect(view?.id).toBe(silence.id);
    expect(view?.silencedAlerts.map((a) => a.alert)).toEqual(['MutedAlert']);
    const hidden = await app.inject({ method: 'GET', url: '/api/alerts/silences', headers: auth('pay') });
    expect(hidden.json<{ silences: SilenceBody[] }>().silences).toEqual([]);
    const foreignDelete = await app.inject({
      method: 'DELETE',
      url: `/api/alerts/silences/${silence.id}`,
      headers: auth('pay'),
    });
    expect(foreignDelete.statusCode).toBe(404);

    const deleted = await app.inject({
      method: 'DELETE',
      url: `/api/alerts/silences/${silence.id}`,
      headers: auth('shop'),
    });
    expect(deleted.statusCode).toBe(200);
    expect(deleted.json<SilenceBody>().state).toBe('expired');
    const current = await app.inject({ method: 'GET', url: '/api/alerts/silences', headers: auth('shop') });
    expect(current.json<{ silences: SilenceBody[] }>().silences).toEqual([]);
    const all = await app.inject({
      method: 'GET',
      url: '/api/alerts/silences?state=all',
      headers: auth('shop'),
    });
    expect(all.json<{ silences: SilenceBody[] }>().silences).toHaveLength(1);

    clock.advance(5 * MIN);
    await notifier.publish('checkout', [muted, other], clock.now());
    await notifier.tick();
    // Its own group (group_by alertname, service): a new episode, a new message.
    expect(callsFor('MutedAlert').map((c) => c.method)).toEqual(['chat.postMessage']);
  });

  it('a silence expires by itself', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/api/alerts/silences',
      headers: auth('root'),
      payload: {
        matchers: [{ name: 'alertname', op: '=', value: 'Expiring' }],
        reason: 'short',
        startsAt: new Date(clock.now()).toISOString(),
        endsAt: new Date(clock.now() + 10 * MIN).toISOString(),
      },
    });
    expect(created.statusCode).toBe(201);
    await notifier.refreshSilences();
    const a = notice({
      labels: { alertname: 'Expiring', team: 'shop', severity: 'warning', service: 'checkout' },
      activeAt: clock.now(),
      firedAt: clock.now(),
    });
    await notifier.publish('checkout', [a], clock.now());
    await flushAfterWait();
    expect(callsFor('Expiring')).toEqual([]);
    clock.advance(10 * MIN);
    await notifier.publish('checkout', [a], clock.now());
    await notifier.tick();
    expect(callsFor('Expiring')).toHaveLength(1);
  });

  it('names the deploy posted through POST /api/deploys, failed ones noted, with links', async () => {
    const activeAt = clock.now();
    const post = (payload: object) =>
      app.inject({ method: 'POST', url: '/api/deploys', headers: auth('root'), payload });
    const good = await post({
      service: 'checkout',
      environment: 'production',
      version: '1.5.0',
      author: 'ana',
      startedAt: new Date(activeAt - 12 * MIN).toISOString(),
      links: [{ name: 'CI run', url: 'https://ci.example.com/run/42' }],
    });
    expect(good.statusCode).toBe(201);
    const rolled = await post({
      service: 'checkout',
      environment: 'production',
      version: '1.4.9',
      author: 'bo',
      startedAt: new Date(activeAt - 20 * MIN).toISOString(),
      status: 'rolled_back',
    });
    expect(rolled.statusCode).toBe(201);
    await post({
      service: 'checkout',
      environment: 'production',
      version: '1.3.0',
      startedAt: new Date(activeAt - 90 * MIN).toISOString(),
    });
    const a = notice({
      labels: { alertname: 'AfterDeploy', team: 'shop', severity: 'critical', service: 'checkout' },
      activeAt,
      firedAt: activeAt,
    });
    await notifier.publish('checkout', [a], clock.now());
    await flushAfterWait();
    const [message] = callsFor('AfterDeploy');
    const text = blocksText(message?.args['blocks']);
    const id = good.json<{ deploy: { id: string } }>().deploy.id;
    expect(text).toContain(`<https://hub.example.com/deploys/${encodeURIComponent(id)}|checkout 1.5.0>`);
    expect(text).toContain('by ana, 12 min before');
    expect(text).toContain('<https://ci.example.com/run/42|CI run>');
    expect(text).toContain('checkout 1.4.9');
    expect(text).toContain('rolled back');
    expect(text).not.toContain('|checkout 1.3.0>'); // outside the 30-minute window
    expect(text.indexOf('1.5.0')).toBeLessThan(text.indexOf('1.4.9')); // most recent first
    const mail = smtp.mails.find((m) => (m.subject ?? '').includes('AfterDeploy'));
    expect(mail?.text).toContain('checkout 1.5.0 (was 1.4.9) by ana, 12 min before');
  });

  it('lists delivery attempts in scope and reports a receiver that fails for good', async () => {
    slack.failNext({ status: 200, body: { ok: false, error: 'channel_not_found' } });
    const a = notice({
      labels: { alertname: 'Undeliverable', team: 'shop', severity: 'critical', service: 'checkout' },
      activeAt: clock.now(),
      firedAt: clock.now(),
    });
    await notifier.publish('checkout', [a], clock.now());
    await flushAfterWait();
    const failed = await app.inject({
      method: 'GET',
      url: '/api/alerts/deliveries?status=failed&limit=10',
      headers: auth('shop'),
    });
    expect(failed.statusCode).toBe(200);
    const body = failed.json<DeliveriesBody>();
    expect(body.deliveries).toHaveLength(1);
    expect(body.deliveries[0]).toMatchObject({
      channel: 'slack',
      target: '#shop-alerts',
      status: 'failed',
      attempt: 1, // not retryable: an unknown channel stays unknown
      alerts: ['Undeliverable'],
      service: 'checkout',
    });
    expect(body.deliveries[0]?.error).toContain('channel_not_found');
    expect(body.failing.map((f) => f.target)).toEqual(['#shop-alerts']);
    const sent = await app.inject({
      method: 'GET',
      url: '/api/alerts/deliveries?status=sent',
      headers: auth('shop'),
    });
    expect(sent.json<DeliveriesBody>().deliveries.length).toBeGreaterThan(0);
    const outsider = await app.inject({ method: 'GET', url: '/api/alerts/deliveries', headers: auth('pay') });
    expect(outsider.json()).toEqual({ deliveries: [], failing: [] });
    const bad = await app.inject({
      method: 'GET',
      url: '/api/alerts/deliveries?status=nope',
      headers: auth('shop'),
    });
    expect(bad.statusCode).toBe(400);
  });
});

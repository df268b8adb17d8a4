import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, sql } from '../../../core/src/index.ts';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { parseTeamsFile } from '../../src/access/teams-file.ts';
import { buildApp } from '../../src/app.ts';
import { createMailSender } from '../../src/alerts/notify/email.ts';
import { Notifier } from '../../src/alerts/notify/notifier.ts';
import { createSlackSender } from '../../src/alerts/notify/slack.ts';
import { VerdictPoster } from '../../src/verifications/notify/verdict-poster.ts';
import { VerificationRunner } from '../../src/verifications/runner.ts';
import type { Verification } from '../../src/verifications/schemas.ts';
import {
  ManualClock,
  blocksText,
  notice,
  startFakeSlack,
  startSmtp,
  type FakeSlack,
  type FakeSmtp,
  type SlackCall,
} from '../alerts/notify/helpers.ts';
import { PUBLIC_URL, routingOf } from '../alerts/notify/setup.ts';
import { FAIL_SENTENCES, verification } from './verdict-fixture.ts';

/**
 * Deploy verdicts in Slack and email threads, against a local Slack Web API
 * server and a real SMTP server: the verdict as the thread's parent, a
 * repeated verification and correlated alerts replying in it (once per alert
 * episode), a restart on the same database, retries recorded in the delivery
 * log, and a verdict no route matches.
 */
const ROUTING = `
receivers:
  - name: shop
    slack: ['#shop-alerts']
    email: [shop@example.com]
  - name: shop-deploys
    slack: ['#shop-deploys']
    email: [shop-deploys@example.com]
route:
  group_by: [alertname, service]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  routes:
    - matchers:
        - { name: alertname, op: '=', value: DeployVerification }
        - { name: team, op: '=', value: shop }
      receiver: shop-deploys
    - matchers: [{ name: team, op: '=', value: shop }]
      receiver: shop
`;

const teams = parseTeamsFile(`
teams:
  shop:
    services: [checkout]
`);

const SEC = 1000;
const MIN = 60 * SEC;
const DEPLOY = 'checkout-1.5.0-run42';

interface DeliveryBody {
  kind: string;
  status: string;
  channel: string;
  target: string;
  attempt: number;
  alerts: string[];
  service: string;
  receiver: string;
}

describe('deploy verdicts in Slack and email threads', () => {
  let t: TestDb;
  let slack: FakeSlack;
  let smtp: FakeSmtp;
  let app: FastifyInstance;
  const clock = new ManualClock(Date.now());
  const deployStart = clock.now() - 20 * MIN;
  const logLines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
          logLines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    }),
  );
  const started: { notifier: Notifier; poster: VerdictPoster }[] = [];

  /** A notifier and a verdict poster, as api/src/main.ts wires them. */
  function start(): { notifier: Notifier; poster: VerdictPoster } {
    const notifier = new Notifier({
      db: t.db,
      logger,
      senders: {
        slack: createSlackSender({ token: 'xoxb-test-token', apiUrl: slack.url }),
        mail: createMailSender({ smtpUrl: smtp.url, from: 'Hub <hub@example.com>' }),
      },
      routing: routingOf(ROUTING),
      publicUrl: PUBLIC_URL,
      retry: { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 10_000 },
      clock,
    });
    const poster = new VerdictPoster({ notifier, teams });
    const pair = { notifier, poster };
    started.push(pair);
    return pair;
  }

  async function stop(pair: { notifier: Notifier; poster: VerdictPoster }): Promise<void> {
    await pair.poster.stop();
    await pair.notifier.stop();
  }

  beforeAll(async () => {
    t = await createTestDb();
    slack = await startFakeSlack();
    smtp = await startSmtp();
    app = await buildApp({ db: t.db, logger: createLogger('verdict-test', 'silent') });
    for (const [id, version, startedAt] of [
      [DEPLOY, '1.5.0', deployStart],
      ['checkout-1.6.0-run43', '1.6.0', deployStart - 3 * 60 * MIN],
    ] as const) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/deploys',
        payload: {
          id,
          service: 'checkout',
          environment: 'production',
          version,
          author: 'ana',
          startedAt: new Date(startedAt).toISOString(),
        },
      });
      expect(res.statusCode).toBe(201);
    }
  });

  afterAll(async () => {
    for (const pair of started) await stop(pair);
    await app?.close();
    await slack?.close();
    await smtp?.close();
    await t?.drop();
  });

  const inChannel = (channel: string) =>
    slack.ok.filter((c) => c.method === 'chat.postMessage' && c.args['channel'] === channel);
  const mailsTo = (address: string) =>
    smtp.mails.filter((m) => (m.to && 'text' in m.to ? m.to.text : '') === address);
  const deliveries = async () =>
    (await app.inject({ url: '/api/alerts/deliveries?limit=1000' })).json<{ deliveries: DeliveryBody[] }>()
      .deliveries;

  let parent: SlackCall | undefined;
  let parentTs = '';
  let parentMessageId = '';

  it('posts the verdict as the parent of a thread in Slack and by mail, escaped, with the deploy page and charts', async () => {
    const pair = start();
    await pair.poster.post(verification({ id: 'verify-1', deployId: DEPLOY, startMs: deployStart }));

    const posts = inChannel('#shop-deploys');
    expect(posts).toHaveLength(1);
    parent = posts[0];
    expect(parent?.args['thread_ts']).toBeUndefined();
    const text = blocksText(parent?.args['blocks']);
    expect(text).toContain('Deploy verification: [FAIL] checkout 1.5.0 (production)');
    expect(text).toContain(
      ':x: *checkout 1.5.0 in production failed post-deploy verification: 3 of 4 signals regressed.*',
    );
    expect(text).toContain(`:x: ${FAIL_SENTENCES.errorRate}`);
    expect(text).toContain(`:x: ${FAIL_SENTENCES.latency}`);
    expect(text).toContain(`:white_check_mark: ${FAIL_SENTENCES.requestRate}`);
    // A hostile log example shows as typed: no mention, no link.
    expect(text).toContain('&lt;!channel&gt; payment &lt;https://evil.example|click&gt; failed');
    expect(text).not.toContain('<!channel>');
    expect(text).toContain(`<https://hub.example.com/deploys/${DEPLOY}|Deploy page>`);
    expect(text).toContain(
      '<https://hub.example.com/services/checkout?env=production&amp;by=version|Charts>',
    );
    expect(text).toContain(
      '<https://hub.example.com/services/checkout?env=production&amp;by=version&amp;signal=error_rate|chart>',
    );
    expect(text).toContain('<https://hub.example.com/api/verifications/verify-1|Verification (JSON)>');
    expect(text).toContain('before/after, 10m window · verification verify-1 · receiver shop-deploys');
    expect(String(parent?.args['text'])).toContain('checkout 1.5.0 in production failed');
    // Only the verdict receiver: the team's alert channel is not the route for verdicts.
    expect(inChannel('#shop-alerts')).toHaveLength(0);
    // The first message the local Slack server answered.
    parentTs = '1700000001.000100';

    const [mail] = mailsTo('shop-deploys@example.com');
    expect(mail?.subject).toBe('[FAIL] checkout 1.5.0 (production): post-deploy verification');
    expect(mail?.text).toContain('checkout 1.5.0 in production failed post-deploy verification');
    expect(mail?.text).toContain(`- ${FAIL_SENTENCES.errorRate}`);
    expect(mail?.text).toContain(`Deploy page: https://hub.example.com/deploys/${DEPLOY}`);
    expect(mail?.html).toContain(`<a href="https://hub.example.com/deploys/${DEPLOY}">Deploy page</a>`);
    expect(mail?.html).toContain('&lt;!channel&gt; payment &lt;https://evil.example|click&gt; failed');
    expect(mail?.html).not.toContain('<https://evil');
    expect(mail?.messageId).toMatch(/^<verdict\.[0-9a-f]{32}@hub\.example\.com>$/);
    parentMessageId = mail?.messageId ?? '';

    const rows = (await deliveries()).filter((d) => d.kind === 'verdict');
    expect(rows.map((d) => `${d.channel} ${d.target} ${d.status} ${d.attempt}`).sort()).toEqual([
      'email shop-deploys@example.com sent 1',
      'slack #shop-deploys sent 1',
    ]);
    expect(rows[0]).toMatchObject({
      alerts: ['DeployVerification'],
      service: 'checkout',
      receiver: 'shop-deploys',
    });

    // The same verification again (the event twice): nothing more.
    await pair.poster.post(verification({ id: 'verify-1', deployId: DEPLOY, startMs: deployStart }));
    expect(inChannel('#shop-deploys')).toHaveLength(1);
    expect(mailsTo('shop-deploys@example.com')).toHaveLength(1);
  });

  it('an alert correlated with the deploy replies in its thread, once per alert episode', async () => {
    const pair = started[0] as { notifier: Notifier; poster: VerdictPoster };
    const activeAt = deployStart + 5 * MIN;
    const a = notice({
      labels: { alertname: 'CheckoutErrors', team: 'shop', severity: 'critical', service: 'checkout' },
      activeAt,
      firedAt: activeAt,
    });
    await pair.notifier.publish('checkout', [a], clock.now());
    clock.advance(30 * SEC);
    await pair.notifier.tick();

    // The normal alert message…
    expect(inChannel('#shop-alerts')).toHaveLength(1);
    // …and a reply in the verdict's thread.
    const replies = inChannel('CSHOPDEPLOYS');
    expect(replies).toHaveLength(1);
    expect(replies[0]?.args['thread_ts']).toBe(parentTs);
    const reply = String(replies[0]?.args['text']);
    expect(reply).toContain('An alert fired 5 min after this deploy');
    expect(reply).toContain('CheckoutErrors: 7.3% of requests fail');
    expect(reply).toContain('|Chart>');

    const mails = mailsTo('shop-deploys@example.com');
    expect(mails).toHaveLength(2);
    expect(mails[1]?.inReplyTo).toBe(parentMessageId);
    expect(mails[1]?.references).toBe(parentMessageId);
    expect(mails[1]?.subject).toBe('Re: [FAIL] checkout 1.5.0 (production): post-deploy verification');
    expect(mails[1]?.text).toContain('CheckoutErrors: 7.3% of requests fail');

    // Repeats of the same episode (still firing after repeat_interval): the alert repeats, the thread does not.
    for (let i = 0; i < 3; i++) {
      clock.advance(2 * 60 * MIN);
      await pair.notifier.publish('checkout', [a], clock.now());
      await pair.notifier.tick();
    }
    expect(slack.ok.filter((c) => c.args['channel'] === 'CSHOPALERTS').length).toBeGreaterThan(0);
    expect(inChannel('CSHOPDEPLOYS')).toHaveLength(1);
    expect(mailsTo('shop-deploys@example.com')).toHaveLength(2);

    const kinds = (await deliveries()).filter((d) => d.kind === 'verdict-thread');
    expect(kinds.map((d) => `${d.channel} ${d.status}`).sort()).toEqual(['email sent', 'slack sent']);
    expect(kinds[0]?.alerts).toEqual(['CheckoutErrors']);
  });

  it('after a restart, a repeated verification and a new alert still reply in the thread', async () => {
    await stop(started[0] as { notifier: Notifier; poster: VerdictPoster });
    const pair = start();

    await pair.poster.post(
      verification({ id: 'verify-2', deployId: DEPLOY, startMs: deployStart + 30 * MIN, state: 'pass' }),
    );
    const replies = inChannel('CSHOPDEPLOYS');
    expect(replies).toHaveLength(2);
    expect(replies[1]?.args['thread_ts']).toBe(parentTs);
    const text = blocksText(replies[1]?.args['blocks']);
    expect(text).toContain('Verified again: [PASS] checkout 1.5.0 (production)');
    expect(text).toContain('passed post-deploy verification: no regression in 2 signals');
    expect(inChannel('#shop-deploys')).toHaveLength(1); // no new parent

    const mails = mailsTo('shop-deploys@example.com');
    expect(mails).toHaveLength(3);
    expect(mails[2]?.inReplyTo).toBe(parentMessageId);
    expect(mails[2]?.subject).toBe('Re: [FAIL] checkout 1.5.0 (production): post-deploy verification');
    expect(mails[2]?.text).toContain('Verified again: [PASS] checkout 1.5.0 (production)');

    const activeAt = deployStart + 10 * MIN;
    const b = notice({
      labels: { alertname: 'CheckoutSlow', team: 'shop', severity: 'warning', service: 'checkout' },
      activeAt,
      firedAt: activeAt,
    });
    await pair.notifier.publish('checkout-latency', [b], clock.now());
    clock.advance(30 * SEC);
    await pair.notifier.tick();
    const after = inChannel('CSHOPDEPLOYS');
    expect(after).toHaveLength(3);
    expect(after[2]?.args['thread_ts']).toBe(parentTs);
    expect(String(after[2]?.args['text'])).toContain('CheckoutSlow');
    expect(mailsTo('shop-deploys@example.com')[3]?.inReplyTo).toBe(parentMessageId);
  });

  it('retries a Slack 429 (Retry-After) and 500, records every attempt, and finds the deploy by version', async () => {
    const pair = started[started.length - 1] as { notifier: Notifier; poster: VerdictPoster };
    slack.failNext(
      { status: 429, headers: { 'retry-after': '7' }, body: { ok: false, error: 'ratelimited' } },
      { status: 500, body: 'oops' },
    );
    const sleepsBefore = clock.sleeps.length;
    // No deploy id: the deploy of checkout 1.6.0 is found by its version.
    await pair.poster.post(
      verification({ id: 'verify-3', version: '1.6.0', startMs: deployStart - 3 * 60 * MIN }),
    );
    const posts = inChannel('#shop-deploys');
    expect(posts).toHaveLength(2);
    const text = blocksText(posts[1]?.args['blocks']);
    expect(text).toContain('checkout 1.6.0');
    expect(text).toContain('<https://hub.example.com/deploys/checkout-1.6.0-run43|Deploy page>');
    expect(clock.sleeps.slice(sleepsBefore)).toEqual([7000, 2000]);
    const attempts = (await deliveries())
      .filter((d) => d.kind === 'verdict' && d.channel === 'slack')
      .slice(0, 3)
      .map((d) => `${d.attempt} ${d.status}`);
    expect(attempts).toEqual(['3 sent', '2 retrying', '1 retrying']);
    const rows = await t.db.query<{ error: string }>(
      sql`SELECT error FROM alert_deliveries WHERE kind = 'verdict' AND status = 'retrying' ORDER BY attempt`,
    );
    expect(rows.map((r) => r.error)).toEqual([
      expect.stringContaining('rate limited (429)'),
      'HTTP 500 from Slack',
    ]);
  });

  it('posts what the runner completes (its completed event, wired as in main.ts) in the deploy thread', async () => {
    const api = await buildApp({
      db: t.db,
      logger: createLogger('verdict-test', 'silent'),
      verification: { publicUrl: PUBLIC_URL },
    });
    try {
      const res = await api.inject({
        method: 'POST',
        url: '/api/verifications',
        payload: {
          id: 'verify-runner',
          service: 'checkout',
          environment: 'production',
          version: '1.5.0',
          deployId: DEPLOY,
          window: '5m',
          startAt: new Date(deployStart).toISOString(),
        },
      });
      expect(res.statusCode).toBe(201);
    } finally {
      await api.close();
    }
    const pair = start();
    const runner = new VerificationRunner({
      db: t.db,
      logger: createLogger('verdict-test', 'silent'),
      tickMs: 60_000,
      settleMs: 30_000,
      webhook: { attempts: 1, retryDelayMs: 1000, timeoutMs: 1000 },
      publicUrl: PUBLIC_URL,
    });
    const completed: Verification[] = [];
    runner.on('completed', (v) => completed.push(v));
    runner.on('completed', (v) => pair.poster.handle(v));
    await runner.tick();
    await runner.stop();
    await stop(pair); // waits for the verdict in flight
    expect(completed).toHaveLength(1);
    const v = completed[0] as Verification;
    // No telemetry in this database: the runner's honest answer.
    expect(v.state).toBe('inconclusive');
    const replies = inChannel('CSHOPDEPLOYS');
    const last = replies[replies.length - 1];
    expect(last?.args['thread_ts']).toBe(parentTs);
    const text = blocksText(last?.args['blocks']);
    expect(text).toContain(`Verified again: [${v.state.toUpperCase()}] checkout 1.5.0 (production)`);
    for (const s of v.verdict?.signals ?? [])
      expect(text).toContain(s.sentence.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
    expect(text).toContain(
      'checkout 1.5.0 in production could not be judged by post-deploy verification (inconclusive): not enough data',
    );
    expect(text).toContain('_not measured (no request metrics for this service): latency, request_rate_');
    expect(text).toContain('before/after, 5m window · verification verify-runner');
    const mails = mailsTo('shop-deploys@example.com');
    expect(mails[mails.length - 1]?.inReplyTo).toBe(parentMessageId);
  });

  it('says why a verification ended in error, threaded by version when no deploy is known', async () => {
    const pair = start();
    await pair.poster.post(verification({ id: 'verify-5', version: '1.7.0', state: 'error' }));
    const posts = inChannel('#shop-deploys');
    const text = blocksText(posts[posts.length - 1]?.args['blocks']);
    expect(text).toContain('Deploy verification: [ERROR] checkout 1.7.0 (production)');
    expect(text).toContain(
      'checkout 1.7.0 in production could not be verified (error): telemetry could not be read: ClickHouse unavailable.',
    );
    expect(text).not.toContain('Deploy page');
    const rows = await t.db.query<{ k: string }>(
      sql`SELECT DISTINCT deploy_key AS k FROM deploy_verdict_threads WHERE version = '1.7.0'`,
    );
    expect(rows.map((r) => r.k)).toEqual(['version:checkout/production/1.7.0']);
  });

  it('sends nothing when no route matches, and logs it (not an error)', async () => {
    const pair = started[started.length - 1] as { notifier: Notifier; poster: VerdictPoster };
    const postsBefore = slack.calls.length;
    const mailsBefore = smtp.mails.length;
    logLines.length = 0;
    await pair.poster.post(verification({ id: 'verify-4', service: 'inventory', version: '2.0.0' }));
    expect(slack.calls.length).toBe(postsBefore);
    expect(smtp.mails.length).toBe(mailsBefore);
    const line = logLines.find((l) => String(l['msg']).includes('no receiver of the routing matches'));
    expect(line).toMatchObject({ level: 30, verification: 'verify-4', service: 'inventory' });
    expect(logLines.filter((l) => Number(l['level']) >= 50)).toEqual([]);
    const rows = await t.db.query<{ c: string }>(
      sql`SELECT count() AS c FROM deploy_verdict_threads WHERE service_name = 'inventory'`,
    );
    expect(Number(rows[0]?.c)).toBe(0);
  });
});

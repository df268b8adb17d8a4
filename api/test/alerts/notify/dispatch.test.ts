import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../../../core/src/index.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';
import type { Notifier } from '../../../src/alerts/notify/notifier.ts';
import {
  ManualClock,
  blocksText,
  notice,
  resolved,
  startFakeSlack,
  startSmtp,
  type FakeSlack,
  type FakeSmtp,
} from './helpers.ts';
import { makeNotifier } from './setup.ts';

const T0 = 1_800_000_000_000;
const SEC = 1000;
const MIN = 60 * SEC;

describe('notifier: grouping, timers, Slack and email threading', () => {
  let t: TestDb;
  let slack: FakeSlack;
  let smtp: FakeSmtp;
  const notifiers: Notifier[] = [];

  beforeAll(async () => {
    t = await createTestDb();
    slack = await startFakeSlack();
    smtp = await startSmtp();
  });

  afterAll(async () => {
    for (const n of notifiers) await n.stop();
    await slack.close();
    await smtp.close();
    await t.drop();
  });

  function fresh(clock: ManualClock, maxAttempts?: number): Notifier {
    const n = makeNotifier({ db: t.db, slack, smtp, clock, ...(maxAttempts ? { maxAttempts } : {}) });
    notifiers.push(n);
    return n;
  }

  const callsFor = (alert: string) => slack.ok.filter((c) => JSON.stringify(c.args).includes(alert));
  const mailsFor = (alert: string) => smtp.mails.filter((m) => (m.subject ?? '').includes(alert));

  it('waits group_wait, posts Block Kit and mails; on resolve updates the message and replies in its thread', async () => {
    const clock = new ManualClock(T0);
    const notifier = fresh(clock);
    const a = notice({
      labels: { alertname: 'FirstAlert', team: 'shop', severity: 'critical', service: 'checkout' },
    });
    await notifier.publish('checkout', [a], clock.now());
    await notifier.tick();
    expect(callsFor('FirstAlert')).toEqual([]);

    clock.advance(30 * SEC);
    await notifier.tick();
    const [post] = callsFor('FirstAlert');
    expect(post?.method).toBe('chat.postMessage');
    expect(post?.authorization).toBe('Bearer xoxb-test-token');
    expect(post?.args['channel']).toBe('#shop-alerts');
    const text = blocksText(post?.args['blocks']);
    expect(text).toContain('[FIRING:1] FirstAlert');
    expect(text).toContain('*Severity:* critical');
    expect(text).toContain('*Value:* 0.073 &gt; 0.02');
    expect(text).toContain('`service=checkout`');
    expect(text).toContain('<https://hub.example.com/services/checkout?env=production&amp;from=');
    expect(text).toContain('tab=metrics&amp;metric=http.server.request.duration|Chart>');
    expect(text).toMatch(
      /<https:\/\/hub\.example\.com\/logs\?q=service%3A%22checkout%22\+env%3A%22production%22&amp;from=[^|]+\|Logs>/,
    );
    expect(text).toContain('<https://runbooks.example.com/checkout/http-5xx|Runbook>');
    expect(text).toContain('no deploy of checkout (production) in the last 30 minutes');
    expect(String(post?.args['text'])).toContain('FirstAlert');

    const [mail] = mailsFor('FirstAlert');
    expect(mail?.subject).toContain('[FIRING:1] FirstAlert');
    expect(mail?.to && 'text' in mail.to ? mail.to.text : '').toBe('shop@example.com');
    expect(mail?.text).toContain('Runbook: https://runbooks.example.com/checkout/http-5xx');
    expect(mail?.html).toContain('<a href="https://runbooks.example.com/checkout/http-5xx">Runbook</a>');
    expect(mail?.messageId).toMatch(/^<[0-9a-f]{32}@hub\.example\.com>$/);

    // The same notice on the next evaluations: nothing new.
    for (let i = 0; i < 3; i++) {
      clock.advance(5 * MIN);
      await notifier.publish('checkout', [a], clock.now());
      await notifier.tick();
    }
    expect(callsFor('FirstAlert')).toHaveLength(1);
    expect(mailsFor('FirstAlert')).toHaveLength(1);

    clock.advance(MIN);
    await notifier.publish('checkout', [resolved(a, clock.now())], clock.now());
    clock.advance(5 * MIN);
    await notifier.tick();
    const calls = callsFor('FirstAlert');
    expect(calls.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.update', 'chat.postMessage']);
    const ts = '1700000001.000100';
    expect(calls[1]?.args).toMatchObject({ channel: 'CSHOPALERTS', ts });
    expect(blocksText(calls[1]?.args['blocks'])).toContain('[RESOLVED] FirstAlert');
    expect(calls[2]?.args).toMatchObject({ channel: 'CSHOPALERTS', thread_ts: ts, reply_broadcast: 'false' });
    expect(String(calls[2]?.args['text'])).toContain('Resolved');

    const mails = mailsFor('FirstAlert');
    expect(mails).toHaveLength(2);
    expect(mails[1]?.subject).toContain('Re: [RESOLVED] FirstAlert');
    expect(mails[1]?.inReplyTo).toBe(mail?.messageId);
    expect(mails[1]?.references).toBe(mail?.messageId);

    // The resolved notice repeated by the evaluator sends nothing more.
    await notifier.publish('checkout', [resolved(a, clock.now())], clock.now());
    clock.advance(10 * MIN);
    await notifier.tick();
    expect(callsFor('FirstAlert')).toHaveLength(3);

    const rows = await t.db.query<{ status: string; kind: string; channel: string }>(
      sql`SELECT status, kind, channel FROM alert_deliveries WHERE has(alert_names, 'FirstAlert') ORDER BY at_ms, channel`,
    );
    expect(rows).toEqual([
      { status: 'sent', kind: 'firing', channel: 'email' },
      { status: 'sent', kind: 'firing', channel: 'slack' },
      { status: 'sent', kind: 'resolved', channel: 'email' },
      { status: 'sent', kind: 'resolved', channel: 'slack' },
    ]);
  });

  it('sends a change at most every group_interval, and repeats an unchanged group every repeat_interval', async () => {
    const clock = new ManualClock(T0);
    const notifier = fresh(clock);
    const labels = { alertname: 'SlowRoute', team: 'shop', severity: 'warning', service: 'checkout' };
    const a = notice({ labels: { ...labels, http_route: '/a' } });
    const b = notice({ labels: { ...labels, http_route: '/b' } });
    await notifier.publish('checkout', [a], clock.now());
    clock.advance(30 * SEC);
    await notifier.tick();
    expect(callsFor('SlowRoute')).toHaveLength(1);

    // b joins the group a minute later: sent with the next group_interval, not before.
    clock.advance(MIN);
    await notifier.publish('checkout', [a, b], clock.now());
    await notifier.tick();
    clock.advance(3 * MIN);
    await notifier.tick();
    expect(callsFor('SlowRoute')).toHaveLength(1);
    clock.advance(MIN);
    await notifier.tick();
    const change = callsFor('SlowRoute');
    expect(change.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.update', 'chat.postMessage']);
    expect(blocksText(change[1]?.args['blocks'])).toContain('[FIRING:2] SlowRoute');
    expect(String(change[2]?.args['text'])).toContain('2 firing');

    // Unchanged: nothing until repeat_interval (4h) after the last notification.
    clock.advance(3 * 60 * MIN);
    await notifier.tick();
    expect(callsFor('SlowRoute')).toHaveLength(3);
    clock.advance(60 * MIN);
    await notifier.tick();
    const repeat = callsFor('SlowRoute');
    expect(repeat).toHaveLength(5);
    expect(repeat[4]?.args).toMatchObject({ reply_broadcast: 'true' });
    expect(String(repeat[4]?.args['text'])).toContain('Still firing');
  });

  it('a restarted notifier on the same database sends no duplicate, and resolves the first message', async () => {
    const clock = new ManualClock(T0);
    const first = fresh(clock);
    const a = notice({
      labels: { alertname: 'Restarted', team: 'shop', severity: 'critical', service: 'checkout' },
    });
    await first.publish('checkout', [a], clock.now());
    clock.advance(30 * SEC);
    await first.tick();
    expect(callsFor('Restarted')).toHaveLength(1);
    await first.stop();

    const second = fresh(clock);
    clock.advance(MIN);
    await second.publish('checkout', [a], clock.now());
    clock.advance(30 * SEC);
    await second.tick();
    clock.advance(5 * MIN);
    await second.publish('checkout', [a], clock.now());
    await second.tick();
    expect(callsFor('Restarted')).toHaveLength(1);
    expect(mailsFor('Restarted')).toHaveLength(1);

    await second.publish('checkout', [resolved(a, clock.now())], clock.now());
    clock.advance(5 * MIN);
    await second.tick();
    const calls = callsFor('Restarted');
    expect(calls.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.update', 'chat.postMessage']);
    expect(calls[2]?.args['thread_ts']).toBe(calls[1]?.args['ts']);
    expect(mailsFor('Restarted')[1]?.inReplyTo).toBe(mailsFor('Restarted')[0]?.messageId);
  });

  it('retries after a 429 (honouring Retry-After) and a 500, and a temporary SMTP failure; every attempt recorded', async () => {
    const clock = new ManualClock(T0);
    const notifier = fresh(clock);
    slack.failNext({ status: 429, headers: { 'retry-after': '7' } }, { status: 500, body: 'oops' });
    smtp.failNext(1);
    const a = notice({
      labels: { alertname: 'Retried', team: 'shop', severity: 'critical', service: 'checkout' },
    });
    await notifier.publish('checkout', [a], clock.now());
    clock.advance(30 * SEC);
    await notifier.tick();
    expect(callsFor('Retried')).toHaveLength(1);
    expect(mailsFor('Retried')).toHaveLength(1);
    expect(clock.sleeps).toContain(7000); // Retry-After: 7
    expect(clock.sleeps).toContain(2000); // second backoff step after the 500
    const rows = await t.db.query<{ channel: string; attempt: number; status: string; error: string }>(
      sql`SELECT channel, attempt, status, error FROM alert_deliveries WHERE has(alert_names, 'Retried') ORDER BY channel, attempt`,
    );
    expect(rows.map((r) => [r.channel, Number(r.attempt), r.status])).toEqual([
      ['email', 1, 'retrying'],
      ['email', 2, 'sent'],
      ['slack', 1, 'retrying'],
      ['slack', 2, 'retrying'],
      ['slack', 3, 'sent'],
    ]);
    expect(rows[2]?.error).toContain('429');
    expect(rows[3]?.error).toContain('HTTP 500');
  });

  it('renders hostile label values and texts inertly in Slack and in the email HTML', async () => {
    const clock = new ManualClock(T0);
    const notifier = fresh(clock);
    const a = notice({
      labels: {
        alertname: 'Hostile',
        team: 'shop',
        severity: 'critical',
        service: 'checkout',
        host: '<!channel> & <https://evil.example|click> <script>alert(1)</script>',
      },
      annotations: {
        summary: 'Hostile <@U123> <b>bold</b> & more',
        description: '<img src=x onerror=alert(1)>',
        runbookUrl: 'javascript:alert(1)',
      },
    });
    await notifier.publish('checkout', [a], clock.now());
    clock.advance(30 * SEC);
    await notifier.tick();
    const [post] = callsFor('Hostile');
    const text = blocksText(post?.args['blocks']) + String(post?.args['text']);
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<@U123>');
    expect(text).not.toContain('<https://evil.example');
    expect(text).toContain('&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;');
    expect(text).toContain('Hostile &lt;@U123&gt;');
    expect(text).not.toContain('|Runbook>'); // a javascript: URL is not made a link
    const [mail] = mailsFor('Hostile');
    const html = String(mail?.html);
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('href="javascript:');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});

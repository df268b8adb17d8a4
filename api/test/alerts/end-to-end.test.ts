import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, parseConfig, sql } from '../../../core/src/index.ts';
import { eventually, startTestCollector, type TestCollector } from '../../../test/helpers/collector.ts';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { buildApp } from '../../src/index.ts';
import { startAlerts, type AlertsRuntime } from '../../src/alerts/start.ts';
import { ManualAlertsClock } from './alerts-clock.ts';
import { blocksText, startFakeSlack, startSmtp, type FakeSlack, type FakeSmtp } from './notify/helpers.ts';

/**
 * Issue 5's proof, end to end: telemetry with rising errors goes through the
 * real collector (OTLP/HTTP JSON), a deploy is posted through POST
 * /api/deploys, the evaluator and notifier run as main.ts starts them
 * (startAlerts: rules and routing from files, the scheduler, the notifier)
 * with one hand-moved clock, and deliver to a local Slack Web API server and a
 * real SMTP server on loopback. The alert fires once, naming the deploy; both
 * halves restart mid-episode without a duplicate; the errors stop, the alert
 * resolves, the Slack message is updated and answered in its thread, the
 * resolve mail answers the first; a restart after that sends nothing.
 */

const MIN = 60_000;
const STEP = 10_000;
/** An hour boundary about three hours ago: telemetry lies in the past, inside retention. */
const T0 = Math.floor((Date.now() - 3 * 3_600_000) / 3_600_000) * 3_600_000;
const DEPLOY_AT = T0 + 1 * MIN;
/** Minutes [2, 10) after T0 have half of their records at ERROR. */
const ERRORS_FROM = 2;
const ERRORS_TO = 10;
const PUBLIC_URL = 'https://hub.example.com';

const RULES = `
groups:
  - name: checkout
    interval: 1m
    labels: { team: shop }
    rules:
      - alert: CheckoutErrorRatio
        kind: log
        query: 'service:checkout env:production severity:>=error'
        ratio_of: 'service:checkout env:production'
        window: 2m
        condition: { op: '>', threshold: 0.2 }
        for: 2m
        deploy_window: 30m
        labels: { severity: critical, service: checkout, env: production }
        annotations:
          summary: 'checkout: {{humanizePercentage $value}} of log records are errors'
          runbook_url: https://runbooks.example.com/checkout/errors
`;

const ROUTING = `
receivers:
  - name: shop-oncall
    slack: ['#shop-alerts']
    email: [shop-oncall@example.com]
route:
  group_by: [alertname, service]
  group_wait: 30s
  group_interval: 1m
  repeat_interval: 4h
  routes:
    - matchers: [{ name: team, op: '=', value: shop }]
      receiver: shop-oncall
`;

/** Ten records a minute for minutes [from, to): half errors in the error minutes; 1.5.0 from the deploy on. */
function minutes(from: number, to: number) {
  const out: Array<{ t: number; severity: number; body: string; version: string }> = [];
  for (let m = from; m < to; m++) {
    for (let i = 0; i < 10; i++) {
      const t = T0 + m * MIN + i * 5_000;
      const error = m >= ERRORS_FROM && m < ERRORS_TO && i < 5;
      out.push({
        t,
        severity: error ? 17 : 9,
        body: error ? 'payment gateway timeout' : 'order placed',
        version: t >= DEPLOY_AT ? '1.5.0' : '1.4.3',
      });
    }
  }
  return out;
}

/** OTLP/JSON ExportLogsServiceRequest: one resource per version. */
function otlpLogs(records: ReturnType<typeof minutes>) {
  const versions = [...new Set(records.map((r) => r.version))];
  return {
    resourceLogs: versions.map((version) => ({
      resource: {
        attributes: [
          { key: 'service.name', value: { stringValue: 'checkout' } },
          { key: 'service.version', value: { stringValue: version } },
          { key: 'deployment.environment.name', value: { stringValue: 'production' } },
        ],
      },
      scopeLogs: [
        {
          logRecords: records
            .filter((r) => r.version === version)
            .map((r) => ({
              timeUnixNano: String(BigInt(r.t) * 1_000_000n),
              severityNumber: r.severity,
              body: { stringValue: r.body },
            })),
        },
      ],
    })),
  };
}

describe('alerting end to end: collector → evaluator → notifier → Slack and email', () => {
  let t: TestDb;
  let collector: TestCollector;
  let slack: FakeSlack;
  let smtp: FakeSmtp;
  let dir: string;
  const clock = new ManualAlertsClock(T0 + 90_000);
  const logger = createLogger('alerts-e2e', 'silent');
  let runtime: AlertsRuntime | null = null;
  let app: FastifyInstance | null = null;

  beforeAll(async () => {
    t = await createTestDb();
    collector = await startTestCollector(t.db);
    slack = await startFakeSlack();
    smtp = await startSmtp();
    dir = await mkdtemp(path.join(tmpdir(), 'hub-alerts-e2e-'));
    await writeFile(path.join(dir, 'checkout.yaml'), RULES);
    await writeFile(path.join(dir, 'routing.yaml'), ROUTING);
  });

  afterAll(async () => {
    await app?.close();
    await runtime?.stop();
    await collector?.stop();
    await slack?.close();
    await smtp?.close();
    await t?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const config = () =>
    parseConfig({
      alerting: { rulesDir: dir },
      notifications: {
        slackToken: 'xoxb-e2e-token',
        slackApiUrl: slack.url,
        smtpUrl: smtp.url,
        emailFrom: 'Hub <hub@example.com>',
        routingFile: path.join(dir, 'routing.yaml'),
        publicUrl: PUBLIC_URL,
        maxAttempts: 3,
        // The test ticks the notifier itself, on the manual clock; the timer never fires.
        tickIntervalMs: 3_600_000,
      },
    });

  /** The API process as main.ts starts it: alerting, then the app over it. */
  async function start(): Promise<{ runtime: AlertsRuntime; app: FastifyInstance }> {
    const rt = await startAlerts({ db: t.db, logger, config: config(), clock, debounceMs: 3_600_000 });
    const a = await buildApp({
      db: t.db,
      logger,
      ...(rt.alerting ? { alerting: rt.alerting } : {}),
      notifier: rt.notifier,
      routing: rt.routing,
    });
    runtime = rt;
    app = a;
    return { runtime: rt, app: a };
  }

  /** A restart of the API process: everything stopped, then started again on the same database. */
  async function restart(): Promise<void> {
    await app?.close();
    await runtime?.stop();
    app = null;
    runtime = null;
    expect(clock.pending()).toBe(0); // the old scheduler left no timer behind
    await start();
  }

  /** Moves time to `to` in 10 s steps: due evaluations run (and publish), then the notifier ticks. */
  async function runUntil(to: number): Promise<void> {
    const rt = runtime as AlertsRuntime;
    const settle = async () => {
      await rt.alerting?.engine.idle();
      await new Promise((resolve) => setImmediate(resolve)); // the scheduler plans its next slot
    };
    while (clock.now() < to) {
      const next = Math.min(to, Math.floor(clock.now() / STEP) * STEP + STEP);
      await clock.advanceTo(next, settle);
      await rt.notifier.tick();
    }
  }

  async function ingest(records: ReturnType<typeof minutes>): Promise<void> {
    const before = await logCount();
    const res = await fetch(`${collector.httpUrl}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(otlpLogs(records)),
    });
    expect(res.status).toBe(200);
    await eventually(async () => (await logCount()) === before + records.length, 20_000, 'logs stored');
  }

  async function logCount(): Promise<number> {
    const [row] = await t.db.query<{ n: string }>(sql`SELECT count() AS n FROM logs`);
    return Number(row?.n ?? 0);
  }

  const slackCalls = () => slack.ok.map((c) => c.method);

  it('fires once naming the deploy, survives a restart, resolves with an update, a thread reply and a threaded mail', async () => {
    // Telemetry up to minute 10: errors rise from minute 2, after 1.5.0 went out at minute 1.
    await ingest(minutes(-10, ERRORS_TO));
    const started = await start();
    const posted = await started.app.inject({
      method: 'POST',
      url: '/api/deploys',
      payload: {
        service: 'checkout',
        environment: 'production',
        version: '1.5.0',
        author: 'ana',
        startedAt: new Date(DEPLOY_AT).toISOString(),
        links: [{ name: 'CI run', url: 'https://ci.example.com/runs/42' }],
      },
    });
    expect(posted.statusCode).toBe(201);
    const deployId = (posted.json() as { deploy: { id: string } }).deploy.id;

    // 3m: the 2-minute window [1m, 3m) holds 5 errors of 20 records, 0.25 > 0.2: pending.
    // 5m: `for` (2m) has passed: firing. 5m30s: group_wait is over, the notifier sends.
    await runUntil(T0 + 5 * MIN + 20_000);
    expect(slack.calls).toEqual([]);
    expect(smtp.mails).toEqual([]);
    const firing = (await started.app.inject({ url: '/api/alerts' })).json() as {
      alerts: Array<Record<string, unknown>>;
    };
    expect(firing.alerts).toEqual([
      expect.objectContaining({
        alert: 'CheckoutErrorRatio',
        state: 'firing',
        activeAt: T0 + 3 * MIN,
        firedAt: T0 + 5 * MIN,
      }),
    ]);
    await runUntil(T0 + 5 * MIN + 40_000);

    // One Slack message and one mail, each naming the deploy: version, author, minutes before.
    expect(slackCalls()).toEqual(['chat.postMessage']);
    const post = slack.ok[0]!;
    expect(post.authorization).toBe('Bearer xoxb-e2e-token');
    expect(post.args['channel']).toBe('#shop-alerts');
    const postText = blocksText(post.args['blocks']);
    expect(postText).toContain('[FIRING:1] CheckoutErrorRatio');
    expect(postText).toContain('checkout: 50% of log records are errors');
    expect(postText).toContain('checkout 1.5.0 (was 1.4.3) by ana, 2 min before');
    expect(postText).toContain(`${PUBLIC_URL}/deploys/${encodeURIComponent(deployId)}`);
    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0]!;
    expect(mail.subject).toMatch(/^\[FIRING:1\] CheckoutErrorRatio/);
    expect(mail.text).toContain('checkout 1.5.0 (was 1.4.3) by ana, 2 min before');
    expect(mail.text).toContain('CI run: https://ci.example.com/runs/42');
    expect(mail.html).toContain('by ana, 2 min before');
    expect(mail.messageId).toMatch(/^<[0-9a-f]{32}@hub\.example\.com>$/);

    // Still firing at 6m and 7m: nothing new to say (group_interval passes, repeat_interval does not).
    await runUntil(T0 + 7 * MIN + 10_000);
    expect(slackCalls()).toEqual(['chat.postMessage']);
    expect(smtp.mails).toHaveLength(1);

    // Restart mid-episode: the evaluator restores the firing alert (same activeAt and firedAt),
    // the new notifier regroups it and its notification log says the targets were told.
    await restart();
    await runUntil(T0 + 9 * MIN + 40_000);
    expect(runtime?.notifier.alerts().map((a) => a.notice.state)).toEqual(['firing']);
    expect(slackCalls()).toEqual(['chat.postMessage']);
    expect(smtp.mails).toHaveLength(1);

    // The errors stop at minute 10; the telemetry after that is clean.
    await ingest(minutes(ERRORS_TO, 20));
    // 12m: the window [10m, 12m) has no error: resolved. 12m30s: the group's next flush tells.
    await runUntil(T0 + 13 * MIN);
    expect(slackCalls()).toEqual(['chat.postMessage', 'chat.update', 'chat.postMessage']);
    const [, update, reply] = slack.ok;
    const ts = '1700000001.000100'; // the fake server's first ts
    expect(update!.args).toMatchObject({ channel: 'CSHOPALERTS', ts });
    expect(blocksText(update!.args['blocks'])).toContain('[RESOLVED] CheckoutErrorRatio');
    expect(reply!.args).toMatchObject({ channel: 'CSHOPALERTS', thread_ts: ts });
    expect(smtp.mails).toHaveLength(2);
    const resolvedMail = smtp.mails[1]!;
    expect(resolvedMail.subject).toMatch(/^Re: \[RESOLVED\] CheckoutErrorRatio/);
    expect(resolvedMail.inReplyTo).toBe(mail.messageId);
    expect(resolvedMail.references).toEqual(mail.messageId);

    // Restart after the resolve: the evaluator republishes the resolved alert (15 minutes), the log says it was told.
    await restart();
    await runUntil(T0 + 16 * MIN);
    expect(slackCalls()).toEqual(['chat.postMessage', 'chat.update', 'chat.postMessage']);
    expect(smtp.mails).toHaveLength(2);

    // One transition each, whatever the restarts.
    const history = (
      await (app as FastifyInstance).inject({
        url: `/api/alerts/history?from=${T0}&to=${T0 + 20 * MIN}`,
      })
    ).json() as { transitions: Array<{ at: number; from: string; to: string }> };
    expect(history.transitions.map((x) => [x.at - T0, x.from, x.to]).reverse()).toEqual([
      [3 * MIN, 'inactive', 'pending'],
      [5 * MIN, 'pending', 'firing'],
      [12 * MIN, 'firing', 'resolved'],
    ]);
    // Every delivery attempt is in the delivery log: two per target, all sent.
    const deliveries = (
      await (app as FastifyInstance).inject({ url: '/api/alerts/deliveries?limit=10' })
    ).json() as { deliveries: Array<{ status: string; kind: string; channel: string }> };
    expect(deliveries.deliveries.map((d) => `${d.channel} ${d.kind} ${d.status}`).sort()).toEqual([
      'email firing sent',
      'email resolved sent',
      'slack firing sent',
      'slack resolved sent',
    ]);
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/src/index.ts';
import { buildApp } from '../../api/src/index.ts';
import { startAlerting, type Alerting, type Clock } from '../../api/src/alerts/eval/index.ts';
import { Notifier } from '../../api/src/alerts/notify/notifier.ts';
import { parseRoutingText } from '../../api/src/alerts/notify/routing-load.ts';
import { createSlackSender } from '../../api/src/alerts/notify/slack.ts';
import { serveWeb, WEB_DIST_DIR } from '../../api/src/web/static.ts';
import { ManualClock, startFakeSlack, type FakeSlack } from '../../api/test/alerts/notify/helpers.ts';
import { eventually, startTestCollector, type TestCollector } from '../helpers/collector.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { waitForApi } from './chart-helpers.ts';
import {
  ensureWebBuilt,
  launchBrowser,
  screenshot,
  sendLogs,
  type TestBrowser,
  type TestLog,
} from './harness.ts';
import { pageText } from './page-helpers.ts';
import { queueDepthGauge, sendMetrics } from './sample-metrics.ts';

const MIN = 60_000;
const HOSTILE = '<img src=x onerror="window.__xss=1">';
const HOSTILE_SUMMARY = '<script>window.__xss=1</script>';

/**
 * Alerting rules with a real evaluator driven by an explicit clock (its
 * scheduler never fires: the test evaluates at chosen times), logs and a
 * metric through the real collector, a notifier delivering to a local Slack
 * that answers errors, and the alerts page in Chromium.
 */
const RULES = `
groups:
  - name: shop
    interval: 1m
    rules:
      - alert: CheckoutErrors
        kind: log
        query: 'service:checkout severity:>=error'
        group_by: [service, env]
        window: 5m
        for: 1m
        condition: { op: '>', threshold: 3 }
        labels: { severity: critical, team: shop }
        annotations:
          summary: '{{$value}} checkout errors in {{$window}} ({{$labels.env}})'
      - alert: CheckoutErrorsSustained
        kind: log
        query: 'service:checkout severity:>=error'
        group_by: [service, env]
        window: 5m
        for: 10m
        condition: { op: '>', threshold: 1 }
        labels: { severity: warning, team: shop }
        annotations:
          summary: 'checkout has logged errors for a while'
      - alert: PaymentHostErrors
        kind: log
        query: 'service:payments severity:>=error'
        group_by: [host]
        window: 5m
        condition: { op: '>', threshold: 0 }
        labels: { service: payments, severity: warning, team: shop }
        annotations:
          summary: 'errors on {{$labels.host}} ${HOSTILE_SUMMARY}'
      - alert: QueueDepthP95
        kind: metric
        query:
          metric: app.queue.depth
          service: checkout
          environment: production
          aggregation: p95
        window: 5m
        condition: { op: '>', threshold: 100 }
        labels: { severity: info, team: shop }
`;

const ROUTING = `
receivers:
  - name: shop-oncall
    slack: ['#shop-alerts']
route:
  group_by: [alertname]
  group_wait: 30s
  routes:
    - matchers: [{ name: team, op: '=', value: shop }]
      receiver: shop-oncall
`;

const MANUAL: Clock = { now: () => Date.now(), schedule: () => () => undefined };

describe('the alerts page', () => {
  let db: TestDb;
  let collector: TestCollector;
  let slack: FakeSlack;
  let notifier: Notifier;
  let alerting: Alerting;
  let app: FastifyInstance;
  let baseUrl: string;
  let browser: TestBrowser;
  let page: Page;
  let dir: string;
  // The notifier's clock starts 5 minutes back, so its first flush (after group_wait) happens now.
  const notifyClock = new ManualClock(Date.now() - 5 * MIN);
  // Evaluations at whole minutes; the last one is the current minute.
  const evalAt = Math.floor(Date.now() / MIN) * MIN;

  async function postDeploy(body: Record<string, unknown>): Promise<void> {
    const res = await fetch(`${baseUrl}/api/deploys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`POST /api/deploys answered ${res.status}: ${await res.text()}`);
  }

  beforeAll(async () => {
    ensureWebBuilt();
    db = await createTestDb();
    collector = await startTestCollector(db.db);
    slack = await startFakeSlack();
    dir = await mkdtemp(path.join(tmpdir(), 'hub-alerts-ui-'));
    await writeFile(path.join(dir, 'shop.yaml'), RULES);
    const routing = parseRoutingText(ROUTING, 'routing.yaml').routing;
    if (!routing) throw new Error('routing');
    notifier = new Notifier({
      db: db.db,
      logger: createLogger('test-notifier', 'silent'),
      senders: { slack: createSlackSender({ token: 'xoxb-test', apiUrl: slack.url }), mail: null },
      routing,
      publicUrl: 'http://hub.example.com',
      retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 10 },
      clock: notifyClock,
    });
    alerting = await startAlerting({
      db: db.db,
      config: { enabled: true, rulesDir: dir, queryTimeoutMs: 10_000, maxConcurrentQueries: 4 },
      publisher: notifier,
      clock: MANUAL,
      debounceMs: 600_000,
    });
    app = await buildApp({ db: db.db, logger: createLogger('test-api', 'silent'), alerting, notifier });
    await serveWeb(app, WEB_DIST_DIR);
    await app.listen({ host: '127.0.0.1', port: 0 });
    baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

    // checkout: an error every 20 s for the last 6 minutes; payments: errors on a
    // hostile host up to now, and on pay-2 only 5.5 minutes ago (it resolves).
    const logs: TestLog[] = [];
    for (let t = evalAt - 6 * MIN; t < evalAt - 5_000; t += 20_000) {
      logs.push({ service: 'checkout', env: 'production', severity: 17, timeMs: t, body: 'payment timeout' });
      logs.push({ service: 'checkout', env: 'production', severity: 9, timeMs: t + 1, body: 'order ok' });
    }
    for (const t of [evalAt - 4 * MIN, evalAt - 90_000, evalAt - 20_000])
      logs.push({
        service: 'payments',
        env: 'production',
        host: HOSTILE,
        severity: 17,
        timeMs: t,
        body: 'x',
      });
    logs.push({
      service: 'payments',
      env: 'production',
      host: 'pay-2',
      severity: 17,
      timeMs: evalAt - 330_000,
      body: 'y',
    });
    await sendLogs(collector, logs);
    await sendMetrics(
      collector,
      queueDepthGauge('checkout', 'production', '1.5.0', evalAt - 30 * MIN, evalAt - MIN),
    );
    await postDeploy({
      id: 'checkout-1.5.0',
      service: 'checkout',
      environment: 'production',
      version: '1.5.0',
      author: 'ana',
      startedAt: String(evalAt - 15 * MIN),
    });
    await eventually(
      async () => {
        const q = new URLSearchParams({ q: 'severity:>=error', from: 'now-1h', to: 'now', buckets: '10' });
        const res = await fetch(`${baseUrl}/api/logs/histogram?${q.toString()}`);
        const body = (await res.json()) as { buckets: Array<{ total: number }> };
        return body.buckets.reduce((n, b) => n + b.total, 0) >= logs.filter((l) => l.severity === 17).length;
      },
      30_000,
      'the error logs',
    );
    await waitForApi<{ metrics: Array<{ name: string }> }>(
      `${baseUrl}/api/metrics?service=checkout&from=now-1h&to=now`,
      {},
      (b) => b.metrics.some((m) => m.name === 'app.queue.depth'),
      'the queue gauge',
    );
    for (const at of [evalAt - 3 * MIN, evalAt - 2 * MIN, evalAt - MIN, evalAt]) {
      await alerting.engine.evaluateGroup('shop', at);
    }
    // The group's first notification, to a Slack that does not know the channel.
    slack.failNext(
      ...Array.from({ length: 10 }, () => ({ status: 200, body: { ok: false, error: 'channel_not_found' } })),
    );
    notifyClock.advance(5 * MIN);
    await notifier.tick();

    browser = await launchBrowser();
    page = await browser.page();
    await page.addInitScript(() => {
      (globalThis as unknown as { __xss?: number }).__xss = undefined;
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await alerting?.stop();
    await notifier?.stop();
    await slack?.close();
    await collector?.stop();
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const xss = () => page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss);
  const row = (alert: string) => page.locator(`[data-testid="alert-row"][data-alert="${alert}"]`);

  it('Now: firing and pending alerts with value, summary, labels, the deploy before it, and the nav badge', async () => {
    await page.goto(`${baseUrl}/alerts`);
    await page.waitForURL((u) => u.searchParams.get('tab') === 'now');
    await row('CheckoutErrors').waitFor();
    const checkout = row('CheckoutErrors');
    expect(await checkout.locator('[data-testid="alert-state"]').textContent()).toBe('firing');
    expect(await checkout.locator('[data-testid="alert-severity"]').textContent()).toBe('critical');
    // 15 errors in [evalAt-5m, evalAt) against a threshold of 3.
    expect(await checkout.locator('[data-testid="alert-value"]').textContent()).toBe('15 > 3');
    expect(await checkout.locator('[data-testid="alert-summary"]').textContent()).toContain(
      '15 checkout errors in 5m (production)',
    );
    expect(await checkout.locator('[data-testid="labels"]').textContent()).toContain('service=checkout');
    const deploy = checkout.locator('[data-testid="alert-deploy-link"]');
    await deploy.waitFor();
    expect(await deploy.textContent()).toBe('1.5.0');
    expect(await deploy.getAttribute('href')).toBe('/deploys/checkout-1.5.0');
    expect(await checkout.textContent()).toContain('12 min before');
    const since = checkout.locator('[data-testid="alert-since"]');
    expect(await since.getAttribute('title')).toContain(
      new Date(evalAt - 2 * MIN).toISOString().slice(0, 16).replace('T', ' '),
    );
    // The chart link opens the service around the alert.
    expect(await checkout.locator('a', { hasText: 'Chart' }).getAttribute('href')).toMatch(
      /^\/services\/checkout\?env=production&from=/,
    );
    expect(await checkout.locator('a', { hasText: 'Logs' }).getAttribute('href')).toContain(
      'q=service%3Acheckout',
    );
    // Pending: its condition holds, its for (10m) has not elapsed.
    const sustained = row('CheckoutErrorsSustained');
    expect(await sustained.locator('[data-testid="alert-state"]').textContent()).toBe('pending');
    expect(await sustained.locator('[data-testid="alert-value"]').textContent()).toBe('15 > 1');
    expect(await page.locator('[data-testid="alert-counts"]').textContent()).toBe('2 firing · 1 pending');
    // One payments host resolved; the hostile one fires.
    expect(await page.locator('[data-testid="alert-row"][data-alert="PaymentHostErrors"]').count()).toBe(1);
    expect(await page.locator('[data-testid="nav-firing"]').textContent()).toBe('2');
    await screenshot(page, 'alerts-now');
  });

  it('renders hostile labels and annotations as text: nothing runs', async () => {
    const text = await pageText(page);
    expect(text).toContain(HOSTILE);
    expect(text).toContain(HOSTILE_SUMMARY);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(await page.locator('main script').count()).toBe(0);
    expect(await xss()).toBeUndefined();
  });

  it('Silences: an API error shows in place; a silence from an alert’s labels mutes it; expiring it unmutes it', async () => {
    await row('CheckoutErrors').locator('[data-testid="silence-alert"]').click();
    await page.locator('[data-testid="silence-form"]').waitFor();
    const names = await page
      .locator('[data-testid="matcher-row"] input[aria-label^="Label name"]')
      .evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value));
    expect(names.sort()).toEqual(['alertname', 'env', 'service', 'severity', 'team']);
    expect(await page.locator('[data-testid="silence-preview"]').textContent()).toContain(
      'Would silence 1 of the 3 alerts',
    );

    // A silence whose matchers match an alert without labels: the API refuses it, the form says why.
    await page.goto(`${baseUrl}/alerts?tab=silences&matcher=${encodeURIComponent('service=~.*')}`);
    await page.fill('[data-testid="silence-reason"]', 'everything');
    await page.click('button:has-text("Create silence")');
    const err = page.locator('[data-testid="silence-error"]');
    await err.waitFor();
    expect(await err.textContent()).toContain('match alerts without any label');
    expect(await err.textContent()).toContain('HUB_API_SILENCE_INVALID');
    await screenshot(page, 'alerts-silence-error');

    await page.goto(`${baseUrl}/alerts`);
    await row('CheckoutErrors').locator('[data-testid="silence-alert"]').click();
    await page.fill('[data-testid="silence-reason"]', 'rolling back 1.5.0');
    await page.fill('[data-testid="silence-duration"]', '2h');
    await screenshot(page, 'alerts-silence-form');
    await page.click('button:has-text("Create silence")');
    const listed = page.locator('[data-testid="silence-row"]');
    await listed.first().waitFor();
    expect(await listed.count()).toBe(1);
    expect(await listed.locator('[data-testid="silence-state"]').textContent()).toBe('active');
    expect(await listed.textContent()).toContain('rolling back 1.5.0');
    expect(await listed.locator('[data-testid="silence-muted"]').textContent()).toContain('CheckoutErrors');
    expect(await page.locator('[data-testid="silence-form"]').count()).toBe(0);
    await screenshot(page, 'alerts-silences');

    await page.click('[data-testid="tab-now"]');
    await row('CheckoutErrors').waitFor();
    await page
      .locator('[data-testid="alert-row"][data-alert="CheckoutErrors"] .badge.alert-silenced')
      .waitFor();
    expect(await row('PaymentHostErrors').locator('[data-testid="alert-silenced"]').textContent()).toContain(
      '—',
    );

    await page.click('[data-testid="tab-silences"]');
    await page.click('[data-testid="expire-silence"]');
    await page.locator('[data-testid="silence-row"]').waitFor({ state: 'detached' });
    await page.click('[data-testid="silences-show-expired"]');
    await page
      .locator('[data-testid="silence-row"] [data-testid="silence-state"]', { hasText: 'expired' })
      .waitFor();
    await page.click('[data-testid="tab-now"]');
    await row('CheckoutErrors').waitFor();
    expect(await row('CheckoutErrors').locator('[data-testid="alert-silenced"]').textContent()).toContain(
      '—',
    );
  });

  it('History: the timeline of instance states and the transitions', async () => {
    await page.goto(`${baseUrl}/alerts?tab=history&from=now-15m&to=now`);
    const timeline = page.locator('[data-testid="timeline"]');
    await timeline.locator('canvas').first().waitFor();
    // CheckoutErrors, CheckoutErrorsSustained, the hostile host and pay-2.
    expect(await timeline.getAttribute('data-rows')).toBe('4');
    const rows = page.locator('[data-testid="transition-row"]');
    const texts = await rows.allTextContents();
    expect(texts.some((t) => t.includes('CheckoutErrors') && /inactive\s*→\s*pending/.test(t))).toBe(true);
    expect(texts.some((t) => t.includes('CheckoutErrors') && /pending\s*→\s*firing/.test(t))).toBe(true);
    expect(texts.some((t) => t.includes('pay-2') && /firing\s*→\s*resolved/.test(t))).toBe(true);
    // Per rule.
    const checkoutRule =
      (await page
        .locator('[data-testid="history-rule"] option', { hasText: /^shop \/ CheckoutErrors$/ })
        .getAttribute('value')) ?? '';
    await page.selectOption('[data-testid="history-rule"]', checkoutRule);
    await page.waitForURL((u) => u.searchParams.get('rule') === checkoutRule);
    await page.locator('[data-testid="timeline"][data-rows="1"]').waitFor();
    await page.selectOption('[data-testid="history-rule"]', '');
    await page.locator('[data-testid="timeline"][data-rows="4"]').waitFor();
    await screenshot(page, 'alerts-history');
    expect(await xss()).toBeUndefined();
  });

  it('Rules: every rule with its status, the last error of a broken query, and the load errors of an invalid file', async () => {
    await writeFile(
      path.join(dir, 'broken.yaml'),
      'groups:\n  - name: broken\n    interval: 5 minutes\n    rules: []\n',
    );
    const outcome = await alerting.reload();
    expect(outcome.status).toBe('invalid');
    await page.goto(`${baseUrl}/alerts?tab=rules`);
    await page.locator('[data-testid="rule-row"]').first().waitFor();
    expect(await page.locator('[data-testid="rule-row"]').count()).toBe(4);
    const loadErrors = page.locator('[data-testid="load-error"]');
    await loadErrors.first().waitFor();
    expect(await loadErrors.first().textContent()).toMatch(/broken\.yaml:3:\d+: .*interval/);
    const queue = page.locator('[data-testid="rule-row"][data-rule="QueueDepthP95"]');
    expect(await queue.locator('[data-testid="rule-status"]').textContent()).toContain('error');
    const ruleError = page.locator('[data-testid="rule-error"]');
    expect(await ruleError.count()).toBe(1);
    expect(await ruleError.textContent()).toContain('aggregation "p95" does not fit "app.queue.depth"');
    const checkout = page.locator('[data-testid="rule-row"][data-rule="CheckoutErrors"]');
    expect(await checkout.textContent()).toContain('shop.yaml:6');
    expect(await checkout.textContent()).toContain('service:checkout severity:>=error');
    expect(await checkout.locator('[data-testid="rule-instances"]').textContent()).toMatch(
      /1\s*\/\s*0\s*\/\s*0/,
    );
    await screenshot(page, 'alerts-rules');
    await rm(path.join(dir, 'broken.yaml'));
  });

  it('Deliveries: the failed Slack delivery highlighted, and the failing receiver called out', async () => {
    await page.goto(`${baseUrl}/alerts?tab=deliveries`);
    const failed = page.locator('[data-testid="delivery-row"].delivery-failed');
    await failed.first().waitFor();
    expect(await failed.first().locator('[data-testid="delivery-error"]').textContent()).toContain(
      'channel_not_found',
    );
    const failing = page.locator('[data-testid="failing-receivers"]');
    expect(await failing.textContent()).toContain('shop-oncall');
    expect(await failing.textContent()).toContain('#shop-alerts');
    await screenshot(page, 'alerts-deliveries');
    await page.click('[data-testid="deliveries-status-sent"]');
    await page.waitForURL((u) => u.searchParams.get('status') === 'sent');
    await page.locator('[data-testid="delivery-row"]').first().waitFor({ state: 'detached' });
  });

  it('Services: the firing alerts column', async () => {
    await page.goto(`${baseUrl}/services?from=now-1h&to=now`);
    const checkout = page.locator('[data-testid="service-row"][data-service="checkout"]');
    await checkout.waitFor();
    expect(await checkout.locator('[data-col="firingAlerts"]').innerText()).toBe('1');
    const payments = page.locator('[data-testid="service-row"][data-service="payments"]');
    expect(await payments.locator('[data-col="firingAlerts"]').innerText()).toBe('1');
    expect(await xss()).toBeUndefined();
  });
});

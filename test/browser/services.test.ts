import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenDigest } from '../../api/src/access/principal.ts';
import { parseTeamsFile } from '../../api/src/access/teams-file.ts';
import { chartPoint, signIn, waitForApi } from './chart-helpers.ts';
import {
  launchBrowser,
  screenshot,
  sendLogs,
  startStack,
  urlParams,
  waitForRecords,
  type Stack,
  type TestBrowser,
  type TestLog,
} from './harness.ts';
import type { PageWindow } from './page-dom.ts';
import { attributeOf, pageText, settled } from './page-helpers.ts';
import { httpServerMetrics, queueDepthGauge, sendMetrics } from './sample-metrics.ts';

const TOKENS = { root: 'root-token-4b1d9e2c77', alice: 'alice-token-8c3f0a5e21' };
const teams = parseTeamsFile(`
teams:
  shop:
    services: [checkout, payments]
  search:
    services: [search]
members:
  - name: root
    role: admin
    scopes: [read, deploy]
    tokenSha256: ${tokenDigest(TOKENS.root)}
  - name: alice
    teams: [shop]
    tokenSha256: ${tokenDigest(TOKENS.alice)}
`);
const ROOT = { authorization: `Bearer ${TOKENS.root}` };
const MIN = 60_000;

/**
 * The services list, a service's page, the deploy pages and the metric
 * explorer in a real Chromium against the real API, collector and ClickHouse.
 * checkout goes from 1.4.0 (1% errors, p95 ~50 ms) to 1.5.0 (10% errors,
 * p95 ~500 ms) in a deploy reported 40 minutes ago; payments only logs.
 */
describe('services and deploys in the UI', () => {
  let stack: Stack;
  let browser: TestBrowser;
  let aliceBrowser: TestBrowser;
  const now = Date.now();
  const deployAt = now - 40 * MIN;

  async function postDeploy(body: Record<string, unknown>): Promise<void> {
    const res = await fetch(`${stack.baseUrl}/api/deploys`, {
      method: 'POST',
      headers: { ...ROOT, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`POST /api/deploys answered ${res.status}: ${await res.text()}`);
  }

  beforeAll(async () => {
    stack = await startStack({ teams });
    await sendMetrics(
      stack.collector,
      httpServerMetrics(
        'checkout',
        'production',
        [
          {
            version: '1.4.0',
            fromMs: now - 150 * MIN,
            toMs: deployAt + MIN,
            rate: 12,
            errorRatio: 0.01,
            latency: 'fast',
          },
          { version: '1.5.0', fromMs: deployAt, toMs: now, rate: 12, errorRatio: 0.1, latency: 'slow' },
        ],
        now,
      ),
    );
    await sendMetrics(
      stack.collector,
      httpServerMetrics(
        'search',
        'production',
        [
          {
            version: '3.1.0',
            fromMs: now - 150 * MIN,
            toMs: now,
            rate: 30,
            errorRatio: 0.002,
            latency: 'fast',
          },
        ],
        now,
      ),
    );
    await sendMetrics(
      stack.collector,
      queueDepthGauge('checkout', 'production', '1.5.0', now - 150 * MIN, now),
    );

    const logs: TestLog[] = [];
    for (let i = 0; i < 300; i++) {
      const t = now - 150 * MIN + i * 30_000;
      const version = t < deployAt ? '1.4.0' : '1.5.0';
      logs.push({
        service: 'checkout',
        env: 'production',
        version,
        severity: 9,
        timeMs: t,
        body: `order placed at ${t}`,
      });
      // Error logs: one every 2 minutes before the deploy, one every 30 s after it.
      if (t >= deployAt || i % 4 === 0)
        logs.push({
          service: 'checkout',
          env: 'production',
          version,
          severity: 17,
          timeMs: t + 1000,
          body: 'payment client timeout after 2000 ms',
        });
      logs.push({
        service: 'payments',
        env: 'production',
        version: '2.0.1',
        severity: 9,
        timeMs: t,
        body: 'charge ok',
      });
      if (i % 6 === 0)
        logs.push({
          service: 'payments',
          env: 'production',
          version: '2.0.1',
          severity: 17,
          timeMs: t,
          body: 'card declined',
        });
      logs.push({
        service: 'search',
        env: 'production',
        version: '3.1.0',
        severity: 9,
        timeMs: t,
        body: 'query served',
      });
    }
    await sendLogs(stack.collector, logs);
    await waitForRecords(stack, '', logs.length, ROOT);

    await postDeploy({
      id: 'checkout-1.4.0',
      service: 'checkout',
      environment: 'production',
      version: '1.4.0',
      commitSha: '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d',
      author: 'sam',
      description: 'Cart page speed-ups',
      startedAt: new Date(now - 150 * MIN).toISOString(),
      finishedAt: new Date(now - 148 * MIN).toISOString(),
      status: 'succeeded',
    });
    await postDeploy({
      id: 'checkout-1.5.0',
      service: 'checkout',
      environment: 'production',
      version: '1.5.0',
      commitSha: '9f3c2ab17d0e4c5b8a6f1e2d3c4b5a6978877665',
      author: 'dana',
      description: 'Switch the payment client to the async API',
      links: [
        { name: 'diff', url: 'https://git.example.com/shop/checkout/compare/1.4.0...1.5.0' },
        { name: 'pipeline', url: 'https://ci.example.com/shop/checkout/runs/812' },
      ],
      startedAt: new Date(deployAt).toISOString(),
      finishedAt: new Date(deployAt + 2 * MIN).toISOString(),
      status: 'succeeded',
    });
    await postDeploy({
      id: 'search-3.1.0',
      service: 'search',
      environment: 'production',
      version: '3.1.0',
      author: 'kim',
      startedAt: new Date(now - 100 * MIN).toISOString(),
      finishedAt: new Date(now - 96 * MIN).toISOString(),
      status: 'succeeded',
    });
    await postDeploy({
      id: 'payments-2.0.2',
      service: 'payments',
      environment: 'production',
      version: '2.0.2',
      author: 'lee',
      startedAt: new Date(now - 20 * MIN).toISOString(),
      finishedAt: new Date(now - 17 * MIN).toISOString(),
      status: 'rolled_back',
    });

    // The metrics are queryable once the last minutes of 1.5.0 show up.
    await waitForApi<{ series: Array<{ requestRate: Array<number | null> }> }>(
      `${stack.baseUrl}/api/services/checkout/red?environment=production&from=now-3h&to=now`,
      ROOT,
      (b) => (b.series[0]?.requestRate.slice(-10) ?? []).some((v) => v !== null && v > 0),
      'checkout request rate',
    );
    browser = await launchBrowser();
    aliceBrowser = await launchBrowser();
    const page = await browser.page();
    await signIn(page, stack.baseUrl, TOKENS.root);
    await page.close();
    const alicePage = await aliceBrowser.page();
    await signIn(alicePage, stack.baseUrl, TOKENS.alice);
    await alicePage.close();
  });

  afterAll(async () => {
    await aliceBrowser?.close();
    await browser?.close();
    await stack?.stop();
  });

  /** "service/environment" of the rows, top to bottom. */
  async function serviceRows(page: Page): Promise<string[]> {
    return page.evaluate(() =>
      [...(globalThis as unknown as PageWindow).document.querySelectorAll('[data-testid="service-row"]')].map(
        (r) =>
          `${r.getAttribute('data-service')}/${r.querySelector('td:nth-child(2)')?.textContent?.trim() ?? ''}`,
      ),
    );
  }

  it('lists every service and environment with its figures, sorts and filters them', async () => {
    const page = await browser.page();
    await page.goto(`${stack.baseUrl}/services?from=now-1h&to=now`);
    await page.locator('[data-testid="service-row"]').first().waitFor();
    expect((await serviceRows(page)).sort()).toEqual([
      'checkout/production',
      'payments/production',
      'search/production',
    ]);
    const checkout = page.locator('[data-testid="service-row"][data-service="checkout"]');
    expect(await checkout.locator('[data-col="requestRate"]').textContent()).toMatch(/req\/s$/);
    expect(await checkout.locator('[data-col="errorRatio"]').textContent()).toMatch(/%$/);
    expect(await checkout.locator('[data-col="p95"]').textContent()).toMatch(/ms$/);
    expect(await checkout.textContent()).toContain('1.5.0');
    expect(await checkout.locator('svg.sparkline path').count()).toBeGreaterThan(0);
    // payments has no request metrics: its request figures are empty, its error logs are not.
    const payments = page.locator('[data-testid="service-row"][data-service="payments"]');
    expect(await payments.locator('[data-col="requestRate"]').textContent()).toBe('—');
    await screenshot(page, 'services');

    await page.click('button[data-sort="errorRatio"]');
    await page.waitForURL(
      (u) => u.searchParams.get('sort') === 'errorRatio' && u.searchParams.get('dir') === 'desc',
    );
    // The highest error ratio first, services without request figures last.
    expect(await serviceRows(page)).toEqual([
      'checkout/production',
      'search/production',
      'payments/production',
    ]);
    await page.click('button[data-sort="errorRatio"]');
    await page.waitForURL((u) => u.searchParams.get('dir') === 'asc');
    expect(await serviceRows(page)).toEqual([
      'search/production',
      'checkout/production',
      'payments/production',
    ]);

    // The sort survives a reload (it is in the URL); "/" focuses the filter.
    await page.reload();
    await page.locator('[data-testid="service-row"]').first().waitFor();
    expect((await serviceRows(page))[0]).toBe('search/production');
    await page.keyboard.press('/');
    await page.keyboard.type('pay');
    await page.waitForURL((u) => u.searchParams.get('filter') === 'pay');
    expect(await serviceRows(page)).toEqual(['payments/production']);

    // A row opens the service's page for its environment.
    await page.fill('[data-testid="services-filter"]', '');
    await page.click('[data-testid="service-row"][data-service="checkout"] td:nth-child(3)');
    await page.waitForURL((u) => u.pathname === '/services/checkout');
    expect(urlParams(page).get('env')).toBe('production');
    await page.locator('[data-testid="service-name"]').waitFor();
    await page.close();
  });

  it('shows a team only its own services', async () => {
    const page = await aliceBrowser.page();
    await page.goto(`${stack.baseUrl}/services?from=now-1h&to=now`);
    await page.locator('[data-testid="service-row"]').first().waitFor();
    expect((await serviceRows(page)).sort()).toEqual(['checkout/production', 'payments/production']);
    expect(await page.locator('[data-testid="services-table"]').textContent()).not.toContain('search');
    await page.close();
  });

  it('draws a deploy posted through the API as a marker that leads to the deploy page', async () => {
    const page = await browser.page();
    await page.goto(`${stack.baseUrl}/services/checkout?env=production&from=now-3h&to=now`);
    const marker = page.locator('[data-testid="deploy-marker"][data-deploy-id="checkout-1.5.0"]');
    await marker.waitFor();
    expect(await marker.getAttribute('data-source')).toBe('reported');
    expect(await marker.textContent()).toContain('1.5.0');
    await page.locator('[data-testid="chart-requests"] canvas').first().waitFor();
    await page.locator('[data-testid="version-table"] tr[data-version="1.5.0"]').waitFor();
    // The canary's error ratio stands out in the per-version table.
    expect(
      await page.locator('[data-testid="version-table"] tr[data-version="1.5.0"] td.bad').count(),
    ).toBeGreaterThan(0);
    await screenshot(page, 'service');

    // Hovering the marker's line on the chart shows the deploy; clicking it opens it.
    const at = await chartPoint(page, 'chart-requests', deployAt);
    await page.mouse.move(at.x, at.y);
    await page.getByText('Deploy 1.5.0').first().waitFor();
    expect(await page.locator('[data-testid="chart-requests"]').textContent()).toContain('dana');
    await page.mouse.click(at.x, at.y);
    await page.waitForURL((u) => u.pathname === '/deploys/checkout-1.5.0');
    await page.locator('[data-testid="deploy-version"]').waitFor();

    // The list beside the charts links there too.
    await page.goBack();
    await marker.click();
    await page.waitForURL((u) => u.pathname === '/deploys/checkout-1.5.0');
    await page.close();
  });

  it('splits the charts by version', async () => {
    const page = await browser.page();
    await page.goto(`${stack.baseUrl}/services/checkout?env=production&from=now-3h&to=now`);
    await page.locator('[data-testid="chart-requests"] canvas').first().waitFor();
    await page.check('[data-testid="by-version"]');
    await page.waitForURL((u) => u.searchParams.get('by') === 'version');
    await page.getByText('Error ratio by version').waitFor();
    const at = await chartPoint(page, 'chart-errors', now - 20 * MIN);
    await page.mouse.move(at.x, at.y);
    const tooltip = page
      .locator('[data-testid="chart-errors"] div', { hasText: /^\d{4}-\d\d-\d\d .*UTC/ })
      .last();
    await tooltip.waitFor();
    expect(await tooltip.textContent()).toContain('1.5.0');
    await page.close();
  });

  it('shows the regression in the before/after table of the deploy page', async () => {
    const page = await browser.page();
    await page.goto(`${stack.baseUrl}/deploys/checkout-1.5.0`);
    const table = page.locator('[data-testid="impact-table"]');
    await table.waitFor();
    const errors = table.locator('tr[data-metric="errorRatio"]');
    expect(await errors.getAttribute('data-verdict')).toBe('worse');
    const cells = await errors.locator('td').allTextContents();
    const pct = (s: string | undefined) => Number((s ?? '').replace(/[%+−,]/g, ''));
    expect(pct(cells[0])).toBeGreaterThan(0.5);
    expect(pct(cells[0])).toBeLessThan(2);
    expect(pct(cells[1])).toBeGreaterThan(8);
    expect(pct(cells[1])).toBeLessThan(12);
    expect(cells[2]).toMatch(/^\+\d[\d,]*%\s*worse$/);
    expect(pct(cells[2]?.replace('worse', ''))).toBeGreaterThan(500);
    const p95 = table.locator('tr[data-metric="p95"]');
    expect(await p95.getAttribute('data-verdict')).toBe('worse');
    expect(await p95.locator('td.change').textContent()).toMatch(/^\+/);
    // The worse figures are coloured.
    const color = await errors
      .locator('td.change')
      .evaluate((el) => (globalThis as unknown as PageWindow).getComputedStyle(el).color);
    expect(color).toBe('rgb(207, 34, 46)');
    // Request rate stayed: not marked.
    expect(await table.locator('tr[data-metric="requestRate"]').getAttribute('data-verdict')).toBe('same');

    // Details: commit linked to the diff, author, description, links, status.
    const details = page.locator('[data-testid="deploy-details"]');
    expect(await details.getByRole('link', { name: '9f3c2ab17d0e' }).getAttribute('href')).toBe(
      'https://git.example.com/shop/checkout/compare/1.4.0...1.5.0',
    );
    expect(await page.textContent('[data-testid="deploy-author"]')).toBe('dana');
    expect(await details.textContent()).toContain('1.4.0');
    expect(await page.textContent('[data-testid="status-badge"]')).toBe('succeeded');
    await page.locator('[data-testid="chart-requests"] canvas').first().waitFor();
    await page.locator('[data-testid="deploy-markers"] .deploy-chip.current').waitFor();
    await screenshot(page, 'deploy');

    // Another window is a URL of its own.
    await page.getByRole('button', { name: '1h', exact: true }).click();
    await page.waitForURL((u) => u.searchParams.get('window') === '3600');
    await page.locator('[data-testid="impact-table"] th', { hasText: 'Before' }).waitFor();
    await page.close();
  });

  it('draws a chosen metric in the metric explorer', async () => {
    const page = await browser.page();
    await page.goto(`${stack.baseUrl}/services/checkout?env=production&from=now-3h&to=now&tab=metrics`);
    // It opens on the request duration histogram.
    await page.waitForURL((u) => u.searchParams.get('metric') === 'http.server.request.duration');
    await page.locator('[data-testid="metric-status"]').waitFor();
    await page.selectOption('[data-testid="metric-select"]', 'app.queue.depth');
    await page.waitForURL((u) => u.searchParams.get('metric') === 'app.queue.depth');
    await page.selectOption('[data-testid="agg-select"]', 'max');
    await page.waitForURL((u) => u.searchParams.get('agg') === 'max');
    await page.locator('[data-testid="group-select"] option[value="queue"]').waitFor({ state: 'attached' });
    await page.selectOption('[data-testid="group-select"]', 'queue');
    await page.waitForURL((u) => u.searchParams.get('group') === 'queue');
    await page.locator('[data-testid="metric-status"]', { hasText: /^2 series/ }).waitFor();
    expect(await page.locator('[data-testid="chart-metric"] [data-testid="chart-empty"]').count()).toBe(0);
    // Hovering shows both queues' values.
    const at = await chartPoint(page, 'chart-metric', now - 30 * MIN);
    await page.mouse.move(at.x, at.y);
    const tooltip = page.locator('[data-testid="chart-metric"] div', { hasText: 'queue=orders' }).last();
    await tooltip.waitFor();
    expect(await tooltip.textContent()).toContain('queue=emails');
    await page.mouse.move(0, 0);
    await screenshot(page, 'metrics');

    // A matcher narrows it to one series.
    await page.fill('input[aria-label="Label"]', 'queue');
    await page.fill('input[aria-label="Value"]', 'orders');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.waitForURL((u) => u.searchParams.get('match') === 'queue=orders');
    await page.locator('[data-testid="metric-status"]', { hasText: /^1 series/ }).waitFor();
    await page.close();
  });

  it('opens the log explorer at the time of a clicked chart point, and zooms on a drag', async () => {
    const page = await browser.page();
    await page.goto(`${stack.baseUrl}/services/checkout?env=production&from=now-3h&to=now`);
    await page.locator('[data-testid="chart-error-logs"] canvas').first().waitFor();
    const t = now - 60 * MIN;
    const at = await chartPoint(page, 'chart-error-logs', t);
    await page.mouse.click(at.x, at.y);
    await page.waitForURL((u) => u.pathname === '/logs');
    const p = urlParams(page);
    expect(p.get('q')).toBe('service:"checkout" env:"production"');
    const from = Date.parse(p.get('from') ?? '');
    const to = Date.parse(p.get('to') ?? '');
    expect(to).toBeGreaterThan(from);
    // One step either side of the clicked point (the chart has about 120 steps over 3 hours).
    expect(to - from).toBeLessThanOrEqual(2 * 600_000);
    expect(Math.abs((from + to) / 2 - t)).toBeLessThan(5 * MIN);
    await settled(page);
    const services = await page.locator('.result .cell.service').allTextContents();
    expect(services.length).toBeGreaterThan(0);
    expect(new Set(services)).toEqual(new Set(['checkout']));

    // A drag across a chart zooms the page into that span (an absolute range in the URL).
    await page.goBack();
    await page.waitForURL((u) => u.pathname === '/services/checkout');
    const a = await chartPoint(page, 'chart-requests', now - 90 * MIN);
    const b = await chartPoint(page, 'chart-requests', now - 30 * MIN);
    await page.mouse.move(a.x, a.y);
    await page.mouse.down();
    await page.mouse.move((a.x + b.x) / 2, a.y, { steps: 5 });
    await page.mouse.move(b.x, b.y, { steps: 5 });
    await page.mouse.up();
    await page.waitForURL((u) => /^\d{4}-/.test(u.searchParams.get('from') ?? ''));
    expect(page.url()).toContain('/services/checkout');
    const zoomFrom = Date.parse(urlParams(page).get('from') ?? '');
    const zoomTo = Date.parse(urlParams(page).get('to') ?? '');
    expect(Math.abs(zoomFrom - (now - 90 * MIN))).toBeLessThan(3 * MIN);
    expect(Math.abs(zoomTo - (now - 30 * MIN))).toBeLessThan(3 * MIN);
    await page.close();
  });

  it('lists recent deploys newest first, filtered by service and source', async () => {
    const page = await browser.page();
    await page.goto(`${stack.baseUrl}/deploys`);
    await page.locator('[data-testid="deploy-row"]').first().waitFor();
    const ids = await attributeOf(page, '[data-testid="deploy-row"]', 'data-deploy-id');
    const reported = ids.filter((id) => !id?.startsWith('inferred'));
    expect(reported).toEqual(['payments-2.0.2', 'checkout-1.5.0', 'search-3.1.0', 'checkout-1.4.0']);
    await screenshot(page, 'deploys');

    await page.selectOption('[data-testid="deploys-source"]', 'reported');
    await page.waitForURL((u) => u.searchParams.get('source') === 'reported');
    await page.fill('[data-testid="deploys-service"]', 'checkout');
    await page.press('[data-testid="deploys-service"]', 'Enter');
    await page.waitForURL((u) => u.searchParams.get('service') === 'checkout');
    await page
      .locator('[data-testid="deploy-row"][data-deploy-id="payments-2.0.2"]')
      .waitFor({ state: 'detached' });
    const filtered = await attributeOf(page, '[data-testid="deploy-row"]', 'data-deploy-id');
    expect(filtered).toEqual(['checkout-1.5.0', 'checkout-1.4.0']);
    await page.locator('[data-testid="deploy-row"][data-deploy-id="checkout-1.5.0"] td').first().click();
    await page.waitForURL((u) => u.pathname === '/deploys/checkout-1.5.0');
    await page.close();
  });

  it("lists only the team's deploys and does not open another team's", async () => {
    const page = await aliceBrowser.page();
    await page.goto(`${stack.baseUrl}/deploys`);
    await page.locator('[data-testid="deploy-row"]').first().waitFor();
    const services = await page.locator('[data-testid="deploy-row"] td:nth-child(2)').allTextContents();
    expect(new Set(services)).toEqual(new Set(['checkout', 'payments']));
    await page.goto(`${stack.baseUrl}/deploys/search-3.1.0`);
    await page.getByText('No such deploy.').waitFor();
    expect(await pageText(page)).not.toContain('kim');
    await page.close();
  });
});

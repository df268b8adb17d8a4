import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/collector.ts';
import {
  launchBrowser,
  screenshot,
  sendLogs,
  startStack,
  waitForRecords,
  type Stack,
  type TestBrowser,
  type TestLog,
} from './harness.ts';
import {
  queryParam,
  rows,
  scrollResultsToEnd,
  search,
  settled,
  waitForLive,
  waitForParam,
} from './page-helpers.ts';
import { sampleLogs } from './sample-logs.ts';

/**
 * The log explorer in a real Chromium against the real API, collector and
 * ClickHouse: search, filters, the histogram brush, live tail, permalinks,
 * the 10,000-row list.
 */
describe('log explorer', () => {
  let stack: Stack;
  let browser: TestBrowser;
  const now = Date.now();
  const SAMPLE = 11_000;

  const marker: TestLog = {
    service: 'checkout',
    env: 'production',
    host: 'web-1',
    instance: 'checkout-7f9c',
    version: '1.4.2',
    severity: 9,
    severityText: 'INFO',
    timeMs: now - 5 * 60_000,
    body: 'order 4711 confirmed for customer c-99',
    attrs: { 'order.id': 'ord-4711', 'http.route': '/orders', 'user.id': 'u-4711' },
  };
  // One instance's records one second apart, for the context view.
  const inventory: TestLog[] = Array.from({ length: 21 }, (_, i) => ({
    service: 'inventory',
    env: 'production',
    host: 'inv-1',
    instance: 'inventory-1',
    severity: 9,
    timeMs: now - 10 * 60_000 + i * 1000,
    body: `inventory step ${String(i).padStart(2, '0')}`,
  }));

  beforeAll(async () => {
    stack = await startStack();
    await sendLogs(stack.collector, [...sampleLogs(SAMPLE, now), marker, ...inventory]);
    await waitForRecords(stack, '', SAMPLE + 22);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('serves the UI with a strict Content-Security-Policy', async () => {
    const res = await fetch(`${stack.baseUrl}/logs`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await res.text()).toContain('<div id="app">');
  });

  it('shows the histogram and the newest records, and a search finds the right rows', async () => {
    const page = await browser.page();
    await page.goto(`${stack.baseUrl}/logs?from=now-1h&to=now`);
    await settled(page);
    await page.waitForSelector('[data-testid="histogram"] canvas');
    const total = await page.textContent('[data-testid="histogram-total"]');
    expect(Number(total?.replace(/,/g, ''))).toBeGreaterThanOrEqual(SAMPLE + 22);
    expect((await rows(page)).length).toBeGreaterThan(10);
    await page.waitForSelector('[data-testid="facet-service"] .facet-value');
    await screenshot(page, 'explorer');

    await search(page, 'service:checkout "order 4711"');
    const found = await rows(page);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ service: 'checkout', body: 'order 4711 confirmed for customer c-99' });
    await page.close();
  });

  it('adds field:"value" and -field:"value" from an expanded record and from the facets', async () => {
    const page = await browser.page();
    await page.goto(`${stack.baseUrl}/logs?from=now-1h&to=now&q=${encodeURIComponent('"order 4711"')}`);
    await settled(page);
    await page.click('[data-testid="row"]');
    const detail = page.locator('[data-testid="record-detail"]');
    await detail.waitFor();
    expect(await detail.textContent()).toContain('ord-4711');
    await screenshot(page, 'record-expanded');

    await detail.getByRole('button', { name: 'Filter on order.id' }).click();
    await waitForParam(page, 'q', (q) => q?.includes('order.id:"ord-4711"') ?? false);
    await settled(page);
    expect(queryParam(page, 'q')).toBe('"order 4711" order.id:"ord-4711"');
    expect((await rows(page)).map((r) => r.body)).toEqual(['order 4711 confirmed for customer c-99']);

    await page.goto(`${stack.baseUrl}/logs?from=now-1h&to=now&q=service:checkout`);
    await settled(page);
    await page.click('[data-testid="row"]');
    await page
      .locator('[data-testid="record-detail"]')
      .getByRole('button', { name: 'Exclude http.route', exact: true })
      .click();
    await waitForParam(page, 'q', (q) => /-http\.route:"\//.test(q ?? ''));
    await settled(page);
    const excluded = /-http\.route:"([^"]+)"/.exec(queryParam(page, 'q') ?? '')?.[1];
    expect(excluded).toBeTruthy();
    // The detail of any row no longer shows the excluded route.
    await page.click('[data-testid="row"]');
    const route = await page
      .locator('[data-testid="record-detail"] tr', { hasText: 'http.route' })
      .locator('td.value')
      .textContent();
    expect(route).not.toBe(excluded);

    await page.goto(`${stack.baseUrl}/logs?from=now-1h&to=now`);
    await settled(page);
    await page.locator('[data-testid="facet-service"] .facet-value', { hasText: 'payments' }).click();
    await waitForParam(page, 'q', 'service:"payments"');
    await settled(page);
    const services = new Set((await rows(page)).map((r) => r.service));
    expect([...services]).toEqual(['payments']);
    await page.close();
  });

  it('points at the position of a syntax error', async () => {
    const page = await browser.page();
    await page.goto(`${stack.baseUrl}/logs?from=now-1h&to=now`);
    await settled(page);
    await search(page, 'service:checkout AND (level:error OR');
    const box = page.locator('[data-testid="query-error"]');
    await box.waitFor();
    expect(await box.textContent()).toContain('expected');
    const caret = (await page.textContent('.query-caret .caret')) ?? '';
    expect(caret.indexOf('^')).toBe('service:checkout AND (level:error OR'.length);
    await page.waitForSelector('[data-testid="query-error-mark"]');
    await screenshot(page, 'syntax-error');
    await page.getByRole('button', { name: 'Search syntax help' }).click();
    await page.getByRole('dialog', { name: 'Search syntax' }).waitFor();
    await screenshot(page, 'syntax-help');
    await page.keyboard.press('Escape');
    await page.getByRole('dialog', { name: 'Search syntax' }).waitFor({ state: 'detached' });
    await page.close();
  });

  it('selects a time range by dragging across the histogram', async () => {
    const page = await browser.page();
    await page.goto(`${stack.baseUrl}/logs?from=now-1h&to=now`);
    await settled(page);
    const canvas = page.locator('[data-testid="histogram"] canvas').first();
    await canvas.waitFor();
    await page.waitForTimeout(300);
    const box = await canvas.boundingBox();
    if (!box) throw new Error('no chart');
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width * 0.35, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, y, { steps: 8 });
    await page.mouse.move(box.x + box.width * 0.65, y, { steps: 8 });
    await page.mouse.up();
    await waitForParam(page, 'from', (from) => /^\d{4}-/.test(from ?? ''));
    const from = Date.parse(queryParam(page, 'from') ?? '');
    const to = Date.parse(queryParam(page, 'to') ?? '');
    expect(to).toBeGreaterThan(from);
    // About 30% of the hour, snapped to whole buckets.
    expect(to - from).toBeGreaterThan(10 * 60_000);
    expect(to - from).toBeLessThan(30 * 60_000);
    await settled(page);
    const first = await page.textContent('.result .cell.time');
    const firstMs = Date.parse(`${first?.replace(' ', 'T')}Z`);
    expect(firstMs).toBeLessThanOrEqual(to);
    expect(firstMs).toBeGreaterThanOrEqual(from);
    await page.close();
  });

  it('live tail prepends a record sent while the page is open', async () => {
    const page = await browser.page();
    await page.goto(`${stack.baseUrl}/logs?q=service:livetest&from=now-15m&to=now&live=1`);
    await waitForLive(page);
    await page.waitForTimeout(600); // the tail's first poll marks what was already there
    await sendLogs(stack.collector, [
      { service: 'livetest', severity: 17, timeMs: Date.now(), body: 'live record arrived' },
      { service: 'other', severity: 17, timeMs: Date.now(), body: 'not for this query' },
    ]);
    await page.waitForSelector('.result .cell.body:text("live record arrived")', { timeout: 20_000 });
    const shown = await rows(page);
    expect(shown[0]?.body).toBe('live record arrived');
    expect(shown.some((r) => r.body === 'not for this query')).toBe(false);
    expect(await page.textContent('[data-testid="live-status"]')).toContain('1 new');
    await page.close();
  });

  it('a permalink restores the query, the range, the expanded record and its context', async () => {
    const page = await browser.page();
    await page.goto(`${stack.baseUrl}/logs?from=now-1h&to=now`);
    await settled(page);
    await search(page, 'service:inventory "step 10"');
    await page.click('[data-testid="row"]');
    await page.locator('[data-testid="record-detail"]').getByRole('button', { name: 'Show context' }).click();
    const dialog = page.locator('[data-testid="context-view"]');
    await dialog.waitFor();
    await dialog.locator('.context-row.self').waitFor();
    const ctx = await dialog.locator('.context-row .ctx-body').allTextContents();
    expect(ctx).toContain('inventory step 09');
    expect(ctx).toContain('inventory step 11');
    expect(ctx.indexOf('inventory step 09')).toBeLessThan(ctx.indexOf('inventory step 10'));
    expect(await dialog.locator('.context-row.self .ctx-body').textContent()).toBe('inventory step 10');
    await screenshot(page, 'context');
    const link = page.url();
    expect(queryParam(page, 'context')).toBe('1');
    expect(queryParam(page, 'record')).toBeTruthy();

    const again = await browser.page();
    await again.goto(link);
    await settled(again);
    expect(await again.inputValue('input[name="q"]')).toBe('service:inventory "step 10"');
    await again.locator('[data-testid="context-view"] .context-row.self').waitFor();
    await again.keyboard.press('Escape');
    await waitForParam(again, 'context', (v) => v === null);
    expect(await again.textContent('[data-testid="record-body"]')).toBe('inventory step 10');
    expect(await again.textContent('[data-testid="range-button"]')).toContain('Last hour');
    await again.close();
    await page.close();
  });

  it('pages through 10,000 rows with the cursor while keeping the DOM small', async () => {
    const page = await browser.page();
    await page.goto(`${stack.baseUrl}/logs?from=now-1h&to=now`);
    await settled(page);
    await eventually(
      async () => {
        await scrollResultsToEnd(page);
        const status = (await page.textContent('[data-testid="results-status"]')) ?? '';
        return status.startsWith('10,000 shown');
      },
      45_000,
      'the list to reach 10,000 rows',
    );
    const inDom = await page.locator('.result').count();
    expect(inDom).toBeLessThan(120);
    // The last rows are the oldest of the hour and are rendered where the user scrolled.
    const last = await rows(page);
    expect(last.length).toBeGreaterThan(5);
    await page.close();
  });
});

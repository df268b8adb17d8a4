import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { chartPoint, waitForApi } from './chart-helpers.ts';
import { launchBrowser, startStack, type Stack, type TestBrowser } from './harness.ts';
import type { PageWindow } from './page-dom.ts';
import { httpServerMetrics, sendMetrics } from './sample-metrics.ts';

/**
 * Versions, authors and descriptions of deploys are whatever a pipeline sent,
 * and service.version whatever a client sent: the services list, the service
 * page (legend, chart tooltips, deploy marker tooltips), the deploys list and
 * the deploy page render them as text. Each payload would set window.__xss if
 * it ever reached the DOM as markup.
 */
const IMG = '<img src=x onerror="window.__xss=1">';
const SCRIPT = '<script>window.__xss=1</script>';
const SVG = '"><svg onload="window.__xss=1">';
const MIN = 60_000;

describe('untrusted deploy data in the UI', () => {
  let stack: Stack;
  let browser: TestBrowser;
  const now = Date.now();
  const deployAt = now - 30 * MIN;

  beforeAll(async () => {
    stack = await startStack();
    await sendMetrics(
      stack.collector,
      httpServerMetrics(
        'xss-probe',
        'xss',
        [
          {
            version: SCRIPT,
            fromMs: now - 60 * MIN,
            toMs: deployAt + MIN,
            rate: 5,
            errorRatio: 0.01,
            latency: 'fast',
          },
          { version: SVG, fromMs: deployAt, toMs: now, rate: 5, errorRatio: 0.05, latency: 'fast' },
        ],
        now,
      ),
    );
    const res = await fetch(`${stack.baseUrl}/api/deploys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: 'xss-1',
        service: 'xss-probe',
        environment: 'xss',
        version: IMG,
        commitSha: 'abc123',
        author: SCRIPT,
        description: `${IMG} ${SCRIPT} ${SVG} javascript:window.__xss=1`,
        links: [{ name: IMG, url: 'https://example.com/?q=<script>window.__xss=1</script>' }],
        startedAt: new Date(deployAt).toISOString(),
        finishedAt: new Date(deployAt + MIN).toISOString(),
        status: 'failed',
      }),
    });
    if (!res.ok) throw new Error(`POST /api/deploys answered ${res.status}: ${await res.text()}`);
    await waitForApi<{ series: Array<{ requestRate: Array<number | null> }> }>(
      `${stack.baseUrl}/api/services/xss-probe/red?environment=xss&from=now-1h&to=now&by=version`,
      {},
      (b) => b.series.length >= 2,
      'both versions of xss-probe',
    );
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  async function assertInert(page: Page): Promise<void> {
    expect(await page.evaluate(() => (globalThis as unknown as PageWindow).__xss)).toBeUndefined();
    const markup = await page.evaluate(() => {
      const { document } = globalThis as unknown as PageWindow;
      return {
        scripts: [...document.scripts].map((s) => s.src),
        images: document.querySelectorAll('img').length,
        svgWithOnload: document.querySelectorAll('svg[onload]').length,
        hrefs: [...document.querySelectorAll('a[href]')].map((a) => a.getAttribute('href') ?? ''),
      };
    });
    expect(markup.scripts.every((src) => new URL(src).pathname.startsWith('/assets/'))).toBe(true);
    expect(markup.images).toBe(0);
    expect(markup.svgWithOnload).toBe(0);
    expect(markup.hrefs.filter((h) => /^\s*javascript:/i.test(h))).toEqual([]);
  }

  it('shows the payloads literally on every page and runs none of them', async () => {
    const page = await browser.page();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });

    await page.goto(`${stack.baseUrl}/services?from=now-1h&to=now`);
    const row = page.locator('[data-testid="service-row"][data-service="xss-probe"]');
    await row.waitFor();
    // The last deploy: the reported one, or one inferred from telemetry (seen just now); all are payloads.
    const text = (await row.textContent()) ?? '';
    expect(
      [IMG, SCRIPT, SVG].some((p) => text.includes(p)),
      text,
    ).toBe(true);
    await assertInert(page);

    await page.goto(`${stack.baseUrl}/services/xss-probe?env=xss&from=now-1h&to=now&by=version`);
    await page.locator('[data-testid="deploy-marker"][data-deploy-id="xss-1"]').waitFor();
    await page.locator('[data-testid="chart-requests"] .legend-item', { hasText: SVG }).waitFor();
    await page.locator('[data-testid="version-table"]', { hasText: SVG }).waitFor();
    // The axis tooltip lists the versions; the marker's tooltip the deploy's version and author.
    const later = await chartPoint(page, 'chart-requests', now - 10 * MIN);
    await page.mouse.move(later.x, later.y);
    await page.locator('[data-testid="chart-requests"] div', { hasText: SVG }).last().waitFor();
    const marker = await chartPoint(page, 'chart-requests', deployAt);
    await page.mouse.move(marker.x, marker.y);
    // The innermost element holding both: the tooltip.
    const tip = page
      .locator('[data-testid="chart-requests"] div', { hasText: `Deploy ${IMG}` })
      .filter({ hasText: SCRIPT })
      .last();
    await tip.waitFor();
    await assertInert(page);

    await page.goto(`${stack.baseUrl}/deploys`);
    await page.locator('[data-testid="deploy-row"][data-deploy-id="xss-1"]').waitFor();
    expect(await page.textContent('[data-testid="deploys-table"]')).toContain(SCRIPT);
    await assertInert(page);

    await page.goto(`${stack.baseUrl}/deploys/xss-1`);
    await page.locator('[data-testid="deploy-description"]').waitFor();
    expect(await page.textContent('[data-testid="deploy-version"]')).toBe(IMG);
    expect(await page.textContent('[data-testid="deploy-author"]')).toBe(SCRIPT);
    expect(await page.textContent('[data-testid="deploy-description"]')).toBe(
      `${IMG} ${SCRIPT} ${SVG} javascript:window.__xss=1`,
    );
    await page.getByTestId('deploy-details').getByRole('link', { name: IMG, exact: true }).waitFor();
    await page.locator('[data-testid="chart-requests"] canvas').first().waitFor();
    await page.waitForTimeout(500);
    await assertInert(page);
    expect(dialogs).toEqual([]);
    await page.close();
  });
});

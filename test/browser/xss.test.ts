import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchBrowser,
  sendLogs,
  startStack,
  waitForRecords,
  type Stack,
  type TestBrowser,
} from './harness.ts';
import type { PageWindow } from './page-dom.ts';
import { rows, settled } from './page-helpers.ts';

/**
 * Log bodies, attributes and even service names are whatever a client sent:
 * the UI renders them as text. Each payload would set window.__xss if it ever
 * reached the DOM as markup or a link.
 */
const PAYLOADS = [
  '<script>window.__xss=1</script>',
  '<img src=x onerror="window.__xss=1">',
  'javascript:window.__xss=1',
  '"><svg onload="window.__xss=1">',
  '{@html "<b>x</b>"} {{constructor.constructor("window.__xss=1")()}}',
];

describe('untrusted log data in the explorer', () => {
  let stack: Stack;
  let browser: TestBrowser;

  beforeAll(async () => {
    stack = await startStack();
    const now = Date.now();
    await sendLogs(
      stack.collector,
      PAYLOADS.map((p, i) => ({
        service: i === 3 ? p : 'xss-probe',
        env: 'xss',
        host: i === 0 ? p : 'probe-host',
        instance: 'probe-1',
        severity: 17,
        timeMs: now - 60_000 - i * 1000,
        body: p,
        attrs: {
          payload: p,
          url: 'javascript:window.__xss=1',
          [`k${i}<img src=x onerror=window.__xss=1>`]: p,
        },
        resource: { 'link.url': 'javascript:window.__xss=1', 'html.attr': p },
      })),
    );
    await waitForRecords(stack, 'env:xss', PAYLOADS.length);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('shows every payload literally and runs none of them', async () => {
    const page = await browser.page();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`${stack.baseUrl}/logs?q=env:xss&from=now-1h&to=now&fields=payload,url`);
    await settled(page);
    const shown = await rows(page);
    expect(shown.map((r) => r.body).sort()).toEqual([...PAYLOADS].sort());

    // Expand each record: every field, attribute and resource attribute is rendered.
    for (let i = 0; i < PAYLOADS.length; i++) {
      await page.locator('[data-testid="row"]').nth(i).click();
      const detail = page.locator('[data-testid="record-detail"]');
      await detail.waitFor();
      const text = (await detail.textContent()) ?? '';
      expect(text).toContain('javascript:window.__xss=1');
      const body = await page.textContent('[data-testid="record-body"]');
      expect(PAYLOADS).toContain(body);
    }
    // The context view renders them too.
    await page.locator('[data-testid="record-detail"]').getByRole('button', { name: 'Show context' }).click();
    await page.locator('[data-testid="context-view"] .context-row.self').waitFor();
    await page.waitForTimeout(500);

    expect(await page.evaluate(() => (globalThis as unknown as PageWindow).__xss)).toBeUndefined();
    expect(dialogs).toEqual([]);
    // Literal text on the page, not elements.
    await page.getByText('<script>window.__xss=1</script>').first().waitFor();
    await page.getByText('<img src=x onerror="window.__xss=1">').first().waitFor();
    const markup = await page.evaluate(() => {
      const { document } = globalThis as unknown as PageWindow;
      return {
        scripts: [...document.scripts].map((s) => s.src),
        images: document.querySelectorAll('img').length,
        svgWithOnload: document.querySelectorAll('svg[onload]').length,
        hrefs: [...document.querySelectorAll('a[href]')].map((a) => a.getAttribute('href')),
      };
    });
    expect(markup.scripts.every((src) => new URL(src).pathname.startsWith('/assets/'))).toBe(true);
    expect(markup.images).toBe(0);
    expect(markup.svgWithOnload).toBe(0);
    // Links are the app's own; none is built from record data.
    for (const href of markup.hrefs)
      expect(['/logs', '/services', '/deploys', '/alerts', '/docs']).toContain(href);
    // The facets show the payload values as text as well.
    expect(await page.locator('[data-testid="facet-payload"]').textContent()).toContain('<script>');
    await page.close();
  });
});

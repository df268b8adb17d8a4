import type { Page } from 'playwright-core';
import { eventually } from '../helpers/collector.ts';
import type { PageWindow } from './page-dom.ts';

/** Waits until the explorer has answered its search (rows, an empty state or an error) and its facets. */
export async function settled(page: Page): Promise<void> {
  await eventually(
    async () =>
      page.evaluate(() => {
        const { document } = globalThis as unknown as PageWindow;
        const status = document.querySelector('[data-testid="results-status"]');
        const busy = status?.textContent?.includes('Searching') ?? true;
        return !busy && !document.querySelector('.facets .spinner');
      }),
    20_000,
    'the explorer to settle',
  );
}

/** Waits until the page's URL has a query parameter with the value (or passing the test). */
export async function waitForParam(
  page: Page,
  name: string,
  want: string | ((value: string | null) => boolean),
): Promise<void> {
  const test = typeof want === 'string' ? (v: string | null) => v === want : want;
  await page.waitForURL((url) => test(url.searchParams.get(name)));
}

/** Types a query in the search bar and runs it. */
export async function search(page: Page, q: string): Promise<void> {
  await page.fill('input[name="q"]', q);
  await page.press('input[name="q"]', 'Enter');
  await waitForParam(page, 'q', q);
  await settled(page);
}

/** Service and body of the rows in the DOM (the virtual list renders those in view), top to bottom. */
export async function rows(page: Page): Promise<Array<{ service: string; body: string; id: string }>> {
  return page.evaluate(() => {
    const { document } = globalThis as unknown as PageWindow;
    return [...document.querySelectorAll('.result')]
      .map((el) => ({
        index: Number(el.getAttribute('data-index')),
        service: el.querySelector('.cell.service')?.textContent ?? '',
        body: el.querySelector('.cell.body')?.textContent ?? '',
        id: el.getAttribute('data-id') ?? '',
      }))
      .sort((a, b) => a.index - b.index)
      .map(({ service, body, id }) => ({ service, body, id }));
  });
}

/** Everything the page shows, hidden parts included. */
export async function pageText(page: Page): Promise<string> {
  return page.evaluate(
    () => (globalThis as unknown as PageWindow).document.documentElement.textContent ?? '',
  );
}

/** Scrolls the results list to its end. */
export async function scrollResultsToEnd(page: Page): Promise<void> {
  await page.evaluate(() => {
    const list = (globalThis as unknown as PageWindow).document.querySelector('[data-testid="results"]');
    list?.scrollTo(0, list.scrollHeight);
  });
}

export function queryParam(page: Page, name: string): string | null {
  return new URL(page.url()).searchParams.get(name);
}

/** Waits for the live tail to be connected. */
export async function waitForLive(page: Page): Promise<void> {
  await page.locator('[data-testid="live-status"]', { hasText: /^live/ }).waitFor();
}

/** An attribute of every element matching the selector, in document order. */
export async function attributeOf(page: Page, selector: string, name: string): Promise<Array<string | null>> {
  return page.evaluate(
    ([sel, attr]) =>
      [...(globalThis as unknown as PageWindow).document.querySelectorAll(sel)].map((el) =>
        el.getAttribute(attr),
      ),
    [selector, name] as const,
  );
}

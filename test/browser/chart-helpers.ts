import type { Page } from 'playwright-core';
import { eventually } from '../helpers/collector.ts';

/** The plot margins of the UI's time charts (web/src/charts/echarts.ts GRID). */
const GRID_LEFT = 64;
const GRID_RIGHT = 16;

/**
 * The page position of a time on a chart's x axis, at mid-height of the plot.
 * The chart element carries the range it draws (data-from-ms / data-to-ms).
 */
export async function chartPoint(page: Page, testid: string, tMs: number): Promise<{ x: number; y: number }> {
  // The chart has its data (not still loading) and its canvas.
  const chart = page.locator(`[data-testid="${testid}"][aria-busy="false"]`);
  const canvas = chart.locator('canvas').first();
  await canvas.waitFor();
  const fromMs = Number(await chart.getAttribute('data-from-ms'));
  const toMs = Number(await chart.getAttribute('data-to-ms'));
  const box = await chart.locator('.chart-canvas').boundingBox();
  if (!box) throw new Error(`chart ${testid} is not visible`);
  const width = box.width - GRID_LEFT - GRID_RIGHT;
  return {
    x: box.x + GRID_LEFT + ((tMs - fromMs) / (toMs - fromMs)) * width,
    y: box.y + box.height / 2,
  };
}

/** Signs in on the sign-in page the app shows when access control is on. */
export async function signIn(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/services`);
  await page.locator('input#token').waitFor();
  await page.fill('input#token', token);
  await page.click('button[type="submit"]');
  await page.locator('[data-testid="whoami"]').waitFor();
}

/** Waits until an API GET (with the given headers) answers 200 and passes the check. */
export async function waitForApi<T>(
  url: string,
  headers: Record<string, string>,
  check: (body: T) => boolean,
  what: string,
): Promise<T> {
  let last: T | undefined;
  let status = 0;
  try {
    await eventually(
      async () => {
        const res = await fetch(url, { headers });
        status = res.status;
        if (!res.ok) return false;
        last = (await res.json()) as T;
        return check(last);
      },
      60_000,
      what,
    );
  } catch (err) {
    throw new Error(
      `${(err as Error).message}; last answer: ${status} ${JSON.stringify(last)?.slice(0, 2000)}`,
    );
  }
  return last as T;
}

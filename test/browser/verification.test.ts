import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/src/index.ts';
import { VerificationRunner, type Clock } from '../../api/src/verifications/runner.ts';
import type { Verification } from '../../api/src/verifications/schemas.ts';
import { waitForRows } from '../../api/test/metrics-otlp.ts';
import { sendPhase, type Phase } from '../../api/test/verification-telemetry.ts';
import { launchBrowser, screenshot, startStack, type Stack, type TestBrowser } from './harness.ts';
import type { PageWindow } from './page-dom.ts';
import { attributeOf, pageText } from './page-helpers.ts';
import { eventually } from '../helpers/collector.ts';

/**
 * A deploy's verification in the UI, in a real Chromium against the real
 * API, collector and ClickHouse. checkout 1.4.0 → 1.5.0 brings 8x the
 * errors, +75% latency and a new error log pattern (whose body is markup);
 * search 3.0.0 → 3.1.0 changes nothing; ledger serves 0.2 req/s, too little
 * to judge. Verifications start through the API and the runner is driven by
 * hand with its clock, as its own tests do: checkout is seen running first,
 * and its page turns to fail by itself when the runner decides.
 */
const MIN = 60;
const ENV = 'production';
const nowS = Math.floor(Date.now() / 1000 / MIN) * MIN;
/** The deploys start 20 minutes ago and take a minute; the verification windows are 10 minutes. */
const D = nowS - 20 * MIN;
const NEW_PATTERN_BODY = (i: number) => `card declined <img src=x onerror=window.__xss=1> order ${1000 + i}`;

const phase = (version: string, from: number, to: number, over: Partial<Phase> = {}): Phase => ({
  version,
  instance: `${version}-a`,
  from,
  to,
  requestsPerSecond: 20,
  errorRatio: 0.005,
  medianSeconds: 0.08,
  errorLogs: [{ body: () => 'payment client timeout after 2000 ms', perMinute: 2 }],
  ...over,
});

/** Waits until every verification chart has its data. */
async function chartsReady(page: Page): Promise<void> {
  await page.locator('[data-testid="verification-charts"]').waitFor();
  await eventually(
    async () => (await page.locator('[data-testid="verification-charts"] [aria-busy="true"]').count()) === 0,
    20_000,
    'the verification charts',
  );
  await page.locator('[data-testid="verification-charts"] canvas').first().waitFor();
}

function manualClock(ms: number): Clock & { set(ms: number): void } {
  let t = ms;
  return { now: () => t, set: (v) => void (t = v) };
}

describe('verification on the deploy page', () => {
  let stack: Stack;
  let browser: TestBrowser;
  const clock = manualClock((D + 6 * MIN) * 1000);
  let runner: VerificationRunner;

  async function post(path: string, body: Record<string, unknown>): Promise<unknown> {
    const res = await fetch(`${stack.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`POST ${path} answered ${res.status}: ${await res.text()}`);
    return res.json();
  }

  const deploy = (service: string, version: string) =>
    post('/api/deploys', {
      id: `${service}-${version}`,
      service,
      environment: ENV,
      version,
      author: 'dana',
      startedAt: new Date(D * 1000).toISOString(),
      finishedAt: new Date((D + MIN) * 1000).toISOString(),
      status: 'succeeded',
    });

  const verify = (service: string, version: string) =>
    post('/api/verifications', {
      id: `verify-${service}-${version}`,
      service,
      environment: ENV,
      version,
      deployId: `${service}-${version}`,
      window: '10m',
    }) as Promise<{ verification: Verification }>;

  async function state(id: string): Promise<Verification> {
    const res = await fetch(`${stack.baseUrl}/api/verifications/${id}`);
    return (await res.json()) as Verification;
  }

  beforeAll(async () => {
    stack = await startStack({ verification: { clock } });
    runner = new VerificationRunner({
      db: stack.db.db,
      logger: createLogger('test-runner', 'silent'),
      tickMs: 60_000,
      settleMs: 30_000,
      webhook: { attempts: 1, retryDelayMs: 1000, timeoutMs: 1000 },
      clock,
    });
    const c = stack.collector;
    const sent = await Promise.all([
      // The old version until the rollout ends, the new one from its start.
      sendPhase(c, 'checkout', ENV, phase('1.4.0', D - 40 * MIN, D + MIN), 1),
      sendPhase(
        c,
        'checkout',
        ENV,
        phase('1.5.0', D, nowS, {
          errorRatio: 0.04,
          medianSeconds: 0.14,
          errorLogs: [
            { body: () => 'payment client timeout after 2000 ms', perMinute: 2 },
            { body: NEW_PATTERN_BODY, perMinute: 6 },
          ],
        }),
        2,
      ),
      sendPhase(c, 'search', ENV, phase('3.0.0', D - 40 * MIN, D + MIN), 3),
      sendPhase(c, 'search', ENV, phase('3.1.0', D, nowS), 4),
      sendPhase(c, 'ledger', ENV, phase('2.0.0', D - 40 * MIN, D + MIN, { requestsPerSecond: 0.2 }), 5),
      sendPhase(c, 'ledger', ENV, phase('2.1.0', D, nowS, { requestsPerSecond: 0.2 }), 6),
    ]);
    await waitForRows(
      stack.db.db,
      sent.reduce((a, s) => a + s.points, 0),
      sent.reduce((a, s) => a + s.logs, 0),
    );
    await deploy('checkout', '1.5.0');
    await deploy('search', '3.1.0');
    await deploy('ledger', '2.1.0');
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await runner?.stop();
    await browser?.close();
    await stack?.stop();
  });

  it('shows a running verification with its progress, then the fail with its explanation and charts', async () => {
    // Halfway through the window: the runner records progress, no verdict.
    clock.set((D + 6 * MIN) * 1000);
    await verify('checkout', '1.5.0');
    await runner.tick();
    expect((await state('verify-checkout-1.5.0')).state).toBe('running');

    const page = await browser.page();
    await page.goto(`${stack.baseUrl}/deploys/checkout-1.5.0`);
    const verdict = page.locator('[data-testid="verdict"]');
    await verdict.waitFor();
    expect(await verdict.getAttribute('data-state')).toBe('running');
    const progress = page.locator('[data-testid="verification-progress"]');
    expect(await progress.textContent()).toMatch(/5 min of 10 min observed/);
    expect(
      await progress.locator('progress').evaluate((el) => (el as unknown as { value: number }).value),
    ).toBe(0.5);
    expect(await page.locator('[data-testid="verdict-badge"]').first().textContent()).toBe('running 50%');
    // The charts of the four signals are there already, the windows shaded.
    await page.locator('[data-testid="verification-chart-error_rate"] canvas').first().waitFor();
    expect(await page.locator('[data-testid="signal-chart"]').count()).toBe(4);
    await chartsReady(page);
    await screenshot(page, 'verification-running');

    // The window ends and settles; the runner decides. The open page refreshes by itself.
    clock.set((D + 12 * MIN) * 1000);
    await runner.tick();
    expect((await state('verify-checkout-1.5.0')).state).toBe('fail');
    await page.locator('[data-testid="verdict"][data-state="fail"]').waitFor({ timeout: 20_000 });
    expect(await page.textContent('[data-testid="verdict-headline"]')).toMatch(
      /^fail: \d of 4 signals regressed/,
    );

    const row = (signal: string) => page.locator(`[data-testid="signal-row"][data-signal="${signal}"]`);
    expect(await row('error_rate').getAttribute('data-status')).toBe('fail');
    expect(await row('latency').getAttribute('data-status')).toBe('fail');
    expect(await row('new_log_patterns').getAttribute('data-status')).toBe('fail');
    expect(await row('request_rate').getAttribute('data-status')).toBe('pass');
    // Baseline vs candidate values, the effect with its interval, samples, the test and the sentence.
    const pct = (s: string | null) => Number((s ?? '').replace('%', ''));
    const errorRow = row('error_rate');
    expect(pct(await errorRow.locator('[data-testid="signal-baseline"]').textContent())).toBeLessThan(1);
    expect(pct(await errorRow.locator('[data-testid="signal-candidate"]').textContent())).toBeGreaterThan(3);
    expect(await errorRow.locator('[data-testid="signal-effect"]').textContent()).toMatch(/^×\d/);
    expect(await errorRow.locator('[data-testid="signal-interval"]').textContent()).toMatch(
      /^95% CI ×[\d.]+–×[\d.]+$/,
    );
    expect(await errorRow.locator('[data-testid="signal-samples"]').textContent()).toMatch(
      /^[\d.]+k vs [\d.]+k requests$/,
    );
    expect(await errorRow.locator('[data-testid="signal-test"]').textContent()).toContain(
      'Poisson rate-ratio',
    );
    expect(await errorRow.locator('[data-testid="signal-sentence"]').textContent()).toMatch(
      /^error rate [\d.]+% → [\d.]+% \(×[\d.]+, 95% CI .*requests\) — fail$/,
    );
    expect(await row('latency').locator('[data-testid="signal-interval"]').textContent()).toMatch(/^98% CI/);
    expect(await row('latency').locator('[data-testid="signal-test"]').textContent()).toContain(
      'Mann-Whitney',
    );

    // The new pattern, its count and its example: a log body with markup, shown as text, never run.
    const patterns = row('new_log_patterns').locator('[data-testid="signal-patterns"]');
    expect(await patterns.textContent()).toMatch(
      /e\.g\. card declined <img src=x onerror=window\.__xss=1> order \d+/,
    );
    expect(await patterns.textContent()).toMatch(/×\d+/);
    expect(await page.evaluate(() => (globalThis as unknown as PageWindow).__xss)).toBeUndefined();
    expect(await page.locator('[data-testid="signal-patterns"] img').count()).toBe(0);

    // A chart per signal, each with data, the before/after windows and the deploy marker.
    for (const signal of ['error_rate', 'latency', 'request_rate', 'new_log_patterns']) {
      const chart = page.locator(`[data-testid="verification-chart-${signal}"]`);
      await chart.locator('canvas').first().waitFor();
      await page.locator(`[data-testid="verification-chart-${signal}"][aria-busy="false"]`).waitFor();
      expect(await chart.locator('[data-testid="chart-empty"]').count()).toBe(0);
      expect(await chart.locator('.chart-legend').textContent()).toContain('1.5.0');
    }
    expect(
      await page.locator('[data-testid="verification-chart-error_rate"] .chart-legend').textContent(),
    ).toContain('candidate (judged)');
    // The deploy marker sits on the charts: its line is at the deploy's start, inside the charted range.
    const chart = page.locator('[data-testid="verification-chart-latency"]');
    const fromMs = Number(await chart.getAttribute('data-from-ms'));
    const toMs = Number(await chart.getAttribute('data-to-ms'));
    expect(fromMs).toBeLessThan(D * 1000);
    expect(toMs).toBeGreaterThan((D + 11 * MIN) * 1000);
    await screenshot(page, 'verification-fail');
    // The charts, scrolled to the top of the page.
    await page
      .locator('[data-testid="verification-charts"]')
      .evaluate((el) =>
        (el as unknown as { scrollIntoView(o: unknown): void }).scrollIntoView({ block: 'start' }),
      );
    await screenshot(page, 'verification-charts');
    await page.close();
  });

  it('shows a pass for a deploy that changed nothing', async () => {
    clock.set((D + 6 * MIN) * 1000);
    await verify('search', '3.1.0');
    clock.set((D + 12 * MIN) * 1000);
    await runner.tick();
    const v = await state('verify-search-3.1.0');
    expect(v.state, v.verdict?.summary).toBe('pass');

    const page = await browser.page();
    await page.goto(`${stack.baseUrl}/deploys/search-3.1.0`);
    await page.locator('[data-testid="verdict"][data-state="pass"]').waitFor();
    expect(await page.textContent('[data-testid="verdict-headline"]')).toBe(
      'pass: no regression in 4 signals',
    );
    expect(await attributeOf(page, '[data-testid="signal-row"]', 'data-status')).toEqual([
      'pass',
      'pass',
      'pass',
      'pass',
    ]);
    expect(await page.locator('[data-testid="verification-needed"]').count()).toBe(0);
    await chartsReady(page);
    await screenshot(page, 'verification-pass');
    await page.close();
  });

  it('says what more an inconclusive verification needs', async () => {
    clock.set((D + 6 * MIN) * 1000);
    await verify('ledger', '2.1.0');
    clock.set((D + 12 * MIN) * 1000);
    await runner.tick();
    const v = await state('verify-ledger-2.1.0');
    expect(v.state, v.verdict?.summary).toBe('inconclusive');

    const page = await browser.page();
    await page.goto(`${stack.baseUrl}/deploys/ledger-2.1.0`);
    await page.locator('[data-testid="verdict"][data-state="inconclusive"]').waitFor();
    const needed = page.locator('[data-testid="verification-needed"]');
    expect(await needed.textContent()).toMatch(/more requests/);
    expect(await needed.textContent()).toMatch(/more minutes|more hours/);
    const inconclusive = page.locator('[data-testid="signal-row"][data-status="inconclusive"]');
    expect(await inconclusive.count()).toBeGreaterThan(0);
    expect(await inconclusive.first().locator('[data-testid="signal-sentence"]').textContent()).toMatch(
      /— inconclusive: about [\d,]+ more requests .* are needed/,
    );
    await chartsReady(page);
    await page.locator('[data-testid="verification-chart-request_rate"] canvas').first().waitFor();
    await screenshot(page, 'verification-inconclusive');
    await page.close();
  });

  it('shows each deploy verdict in the deploys list', async () => {
    const page = await browser.page();
    await page.goto(`${stack.baseUrl}/deploys`);
    // Generous: on a loaded machine the list and the verifications are two queries of their own.
    await page.locator('[data-testid="deploy-row"]').first().waitFor({ timeout: 60_000 });
    const verdictOf = (id: string) =>
      page.locator(`[data-testid="deploy-row"][data-deploy-id="${id}"] [data-testid="verdict-badge"]`);
    await verdictOf('checkout-1.5.0').waitFor({ timeout: 60_000 });
    expect(await verdictOf('checkout-1.5.0').getAttribute('data-state')).toBe('fail');
    expect(await verdictOf('search-3.1.0').getAttribute('data-state')).toBe('pass');
    expect(await verdictOf('ledger-2.1.0').getAttribute('data-state')).toBe('inconclusive');
    await screenshot(page, 'verification-deploys');
    expect(await pageText(page)).not.toContain('undefined');
    await page.close();
  }, 120_000);
});

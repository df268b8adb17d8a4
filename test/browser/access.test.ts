import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTeamsFile } from '../../api/src/access/teams-file.ts';
import { tokenDigest } from '../../api/src/access/principal.ts';
import {
  launchBrowser,
  screenshot,
  sendLogs,
  startStack,
  waitForRecords,
  type Stack,
  type TestBrowser,
} from './harness.ts';
import { pageText, rows, search, settled, waitForLive } from './page-helpers.ts';

const TOKENS = {
  alice: 'alice-token-5f2a9c1e7b',
  bob: 'bob-token-0c8d4e6a13',
  root: 'root-token-9e1b7a3c55',
};
const teams = parseTeamsFile(`
teams:
  team-a:
    services: [svc-a]
  team-b:
    services: [svc-b]
members:
  - name: alice
    teams: [team-a]
    tokenSha256: ${tokenDigest(TOKENS.alice)}
  - name: bob
    teams: [team-b]
    tokenSha256: ${tokenDigest(TOKENS.bob)}
  - name: root
    role: admin
    tokenSha256: ${tokenDigest(TOKENS.root)}
`);

describe('access control in the UI', () => {
  let stack: Stack;
  let browser: TestBrowser;

  beforeAll(async () => {
    stack = await startStack({ teams });
    const now = Date.now();
    const logs = [];
    for (let i = 0; i < 30; i++) {
      logs.push({
        service: 'svc-a',
        env: 'production',
        host: 'host-a',
        instance: 'a-1',
        severity: 9,
        timeMs: now - 60_000 - i * 1000,
        body: `team a request ${i}`,
      });
      logs.push({
        service: 'svc-b',
        env: 'production',
        host: 'host-b',
        instance: 'b-1',
        severity: 17,
        timeMs: now - 60_000 - i * 1000,
        body: `team b secret ${i}`,
        attrs: { secret: 'b-only' },
      });
    }
    await sendLogs(stack.collector, logs);
    await waitForRecords(stack, '', 60, { authorization: `Bearer ${TOKENS.root}` });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('asks for a token, rejects a wrong one, and signs in with the right one', async () => {
    const page = await browser.page();
    await page.goto(`${stack.baseUrl}/logs?from=now-1h&to=now`);
    await page.locator('input#token').waitFor();
    await screenshot(page, 'sign-in');
    await page.fill('input#token', 'not-a-token');
    await page.click('button[type="submit"]');
    await page.getByText('That token is not valid.').waitFor();

    await page.fill('input#token', TOKENS.alice);
    await page.click('button[type="submit"]');
    await settled(page);
    expect(await page.textContent('[data-testid="whoami"]')).toBe('alice');
    const cookies = await browser.context.cookies(stack.baseUrl);
    expect(cookies.find((c) => c.name === 'hub_session')?.httpOnly).toBe(true);
    await page.close();
  });

  it('lists only its own services on the services page, linking to their page and logs', async () => {
    const page = await browser.page();
    await page.goto(`${stack.baseUrl}/services`);
    await page.locator('[data-testid="services-table"]').waitFor();
    const table = (await page.locator('[data-testid="services-table"]').textContent()) ?? '';
    expect(table).toContain('svc-a');
    expect(table).not.toContain('svc-b');
    await page.getByRole('link', { name: 'svc-a', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/services/svc-a');
    await page.getByRole('link', { name: 'View logs', exact: true }).click();
    await settled(page);
    expect(new URL(page.url()).searchParams.get('q')).toBe('service:"svc-a" env:"production"');
    expect(new Set((await rows(page)).map((r) => r.service))).toEqual(new Set(['svc-a']));
    await page.close();
  });

  it("never shows another team's service, whatever the query", async () => {
    const page = await browser.page();
    await page.goto(`${stack.baseUrl}/logs?from=now-1h&to=now`);
    await settled(page);
    expect(new Set((await rows(page)).map((r) => r.service))).toEqual(new Set(['svc-a']));
    const facet = (await page.locator('[data-testid="facet-service"]').textContent()) ?? '';
    expect(facet).toContain('svc-a');
    expect(facet).not.toContain('svc-b');

    for (const q of [
      'service:svc-b',
      'service:svc*',
      '-service:svc-a',
      'secret:b-only',
      '"team b"',
      'service:svc-a OR service:svc-b',
    ]) {
      await search(page, q);
      const shown = await rows(page);
      expect(
        shown.every((r) => r.service === 'svc-a'),
        q,
      ).toBe(true);
      const text = await pageText(page);
      expect(text, q).not.toContain('svc-b');
      expect(text, q).not.toContain('team b secret');
    }

    // Facets of an added field and of the service, for a query aimed at B.
    await page.goto(`${stack.baseUrl}/logs?from=now-1h&to=now&q=service:svc-b&fields=secret,service.name`);
    await settled(page);
    expect(await pageText(page)).not.toContain('b-only');
    expect(await pageText(page)).not.toContain('svc-b"');
    await page.close();
  });

  it("does not open a permalink to another team's record", async () => {
    const res = await fetch(`${stack.baseUrl}/api/logs/search?q=service:svc-b&from=now-1h&to=now&limit=1`, {
      headers: { authorization: `Bearer ${TOKENS.bob}` },
    });
    const { records } = (await res.json()) as { records: Array<{ id: string }> };
    const id = records[0]?.id;
    expect(id).toBeTruthy();
    const page = await browser.page();
    await page.goto(
      `${stack.baseUrl}/logs?from=now-1h&to=now&record=${encodeURIComponent(id ?? '')}&context=1`,
    );
    await settled(page);
    await page.waitForTimeout(1000);
    const text = await pageText(page);
    expect(text).not.toContain('team b secret');
    expect(text).not.toContain('host-b');
    await page.close();
  });

  it("live tail streams only the team's own records", async () => {
    const page = await browser.page();
    await page.goto(`${stack.baseUrl}/logs?from=now-15m&to=now&live=1`);
    await waitForLive(page);
    await page.waitForTimeout(600);
    await sendLogs(stack.collector, [
      { service: 'svc-b', severity: 17, timeMs: Date.now(), body: 'team b live secret' },
      { service: 'svc-a', severity: 9, timeMs: Date.now(), body: 'team a live record' },
    ]);
    await page.waitForSelector('.result .cell.body:text("team a live record")');
    await page.waitForTimeout(1000);
    expect(await pageText(page)).not.toContain('team b live secret');
    await page.close();
  });

  it('signs out back to the sign-in page', async () => {
    const page = await browser.page();
    await page.goto(`${stack.baseUrl}/logs?from=now-1h&to=now`);
    await settled(page);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('input#token').waitFor();
    const cookies = await browser.context.cookies(stack.baseUrl);
    expect(cookies.find((c) => c.name === 'hub_session')).toBeUndefined();
    await page.close();
  });
});

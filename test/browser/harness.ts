import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createLogger } from '../../core/src/index.ts';
import { buildApp, type BuildAppOptions } from '../../api/src/index.ts';
import type { TeamsFile } from '../../api/src/access/teams-file.ts';
import { serveWeb, WEB_DIST_DIR } from '../../api/src/web/static.ts';
import { eventually, startTestCollector, type TestCollector } from '../helpers/collector.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SCREENSHOT_DIR = path.join(root, 'docs', 'screenshots');
/** `npm run screenshots` sets it: the tests then refresh docs/screenshots/*.png. */
export const TAKE_SCREENSHOTS = process.env['HUB_SCREENSHOTS'] === '1';

/** `npm test` builds the UI first; a single test run builds it when it is missing. */
export function ensureWebBuilt(): void {
  if (existsSync(path.join(WEB_DIST_DIR, 'index.html'))) return;
  const res = spawnSync('npm', ['run', 'build', '-w', '@obshub/web'], { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) throw new Error('building the web UI failed');
}

export interface Stack {
  db: TestDb;
  collector: TestCollector;
  app: FastifyInstance;
  baseUrl: string;
  stop(): Promise<void>;
}

/** The real API (with the UI) and the real collector on loopback, over a fresh database. */
export async function startStack(
  options: { teams?: TeamsFile; verification?: BuildAppOptions['verification'] } = {},
): Promise<Stack> {
  ensureWebBuilt();
  const db = await createTestDb();
  const collector = await startTestCollector(db.db);
  const app = await buildApp({
    db: db.db,
    logger: createLogger('test-api', 'silent'),
    ...(options.teams ? { access: { teams: options.teams, sessionSecret: 'test-secret' } } : {}),
    tail: { pollMs: 250 },
    ...(options.verification ? { verification: options.verification } : {}),
  });
  await serveWeb(app, WEB_DIST_DIR);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return {
    db,
    collector,
    app,
    baseUrl: `http://127.0.0.1:${port}`,
    async stop() {
      await app.close();
      await collector.stop();
      await db.drop();
    },
  };
}

export interface TestLog {
  service: string;
  env?: string;
  host?: string;
  instance?: string;
  version?: string;
  body: string;
  /** OTLP severity number, 0-24. */
  severity: number;
  severityText?: string;
  timeMs: number;
  attrs?: Record<string, string | number>;
  resource?: Record<string, string>;
}

function anyValue(v: string | number) {
  return typeof v === 'number'
    ? Number.isInteger(v)
      ? { intValue: String(v) }
      : { doubleValue: v }
    : { stringValue: v };
}

/** OTLP/JSON export request: one resource per service / env / host / instance. */
export function otlpLogs(logs: readonly TestLog[]): unknown {
  const groups = new Map<string, TestLog[]>();
  for (const l of logs) {
    const key = JSON.stringify([l.service, l.env, l.host, l.instance, l.version, l.resource]);
    groups.set(key, [...(groups.get(key) ?? []), l]);
  }
  return {
    resourceLogs: [...groups.values()].map((group) => {
      const first = group[0] as TestLog;
      const resource: Record<string, string> = {
        'service.name': first.service,
        ...(first.env ? { 'deployment.environment.name': first.env } : {}),
        ...(first.host ? { 'host.name': first.host } : {}),
        ...(first.instance ? { 'service.instance.id': first.instance } : {}),
        ...(first.version ? { 'service.version': first.version } : {}),
        ...first.resource,
      };
      return {
        resource: { attributes: Object.entries(resource).map(([key, v]) => ({ key, value: anyValue(v) })) },
        scopeLogs: [
          {
            scope: { name: 'hub-test', version: '1.0.0' },
            logRecords: group.map((l) => ({
              timeUnixNano: String(BigInt(Math.round(l.timeMs)) * 1_000_000n),
              observedTimeUnixNano: String(BigInt(Math.round(l.timeMs)) * 1_000_000n),
              severityNumber: l.severity,
              severityText: l.severityText ?? '',
              body: { stringValue: l.body },
              attributes: Object.entries(l.attrs ?? {}).map(([key, v]) => ({ key, value: anyValue(v) })),
            })),
          },
        ],
      };
    }),
  };
}

/** Sends records through the collector's OTLP/HTTP JSON endpoint. */
export async function sendLogs(collector: TestCollector, logs: readonly TestLog[]): Promise<void> {
  for (let i = 0; i < logs.length; i += 2000) {
    const res = await fetch(`${collector.httpUrl}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(otlpLogs(logs.slice(i, i + 2000))),
    });
    if (res.status !== 200) throw new Error(`collector answered ${res.status}: ${await res.text()}`);
  }
}

/** Waits until a search sees at least `count` records (inserts follow the acknowledgement). */
export async function waitForRecords(
  stack: Stack,
  q: string,
  count: number,
  headers: Record<string, string> = {},
): Promise<void> {
  await eventually(
    async () => {
      const params = new URLSearchParams({ q, from: 'now-7d', to: 'now' }).toString();
      const url = `${stack.baseUrl}/api/logs/histogram?${params}`;
      const res = await fetch(url, { headers });
      if (!res.ok) return false;
      const body = (await res.json()) as { buckets: Array<{ total: number }> };
      return body.buckets.reduce((n, b) => n + b.total, 0) >= count;
    },
    30_000,
    `${count} records matching ${q || 'anything'}`,
  );
}

export interface TestBrowser {
  context: BrowserContext;
  page(): Promise<Page>;
  close(): Promise<void>;
}

/** Debian's Chromium (never a downloaded build) with a fresh profile. */
export async function launchBrowser(): Promise<TestBrowser> {
  const dir = mkdtempSync(path.join(tmpdir(), 'hub-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1440, height: 900 },
    deviceScaleFactor: 1,
    timezoneId: 'UTC',
    locale: 'en-US',
  });
  return {
    context,
    async page() {
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      return page;
    },
    async close() {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Saves a screenshot to docs/screenshots when HUB_SCREENSHOTS=1. */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (!TAKE_SCREENSHOTS) return;
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  // Let the chart and fonts settle so the picture is what a person sees.
  await page.waitForTimeout(400);
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`) });
}

/** The URL's search parameters of a page. */
export function urlParams(page: Page): URLSearchParams {
  return new URL(page.url()).searchParams;
}

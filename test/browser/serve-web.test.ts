import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveWeb, WEB_CSP } from '../../api/src/web/static.ts';

/** serveWeb over a small fake build: SPA fallback, cache headers, CSP, JSON 404s. */
describe('serveWeb', () => {
  let dir: string;
  let app: FastifyInstance;
  let bare: FastifyInstance;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'hub-web-'));
    mkdirSync(path.join(dir, 'assets'));
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><div id="app"></div>');
    writeFileSync(path.join(dir, 'assets', 'index-AbC123.js'), 'console.log(1)');
    writeFileSync(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(path.join(dir, '.secret'), 'no');
    app = Fastify();
    app.get('/api/thing', async () => ({ ok: true }));
    app.get('/health', async () => ({ ok: true }));
    await serveWeb(app, dir);
    await serveWeb(app, dir); // a second call (buildApp's and a test's) changes nothing
    bare = Fastify();
    await serveWeb(bare, path.join(dir, 'missing'));
  });

  afterAll(async () => {
    await app.close();
    await bare.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

  it('serves index.html with a strict CSP for any page path', async () => {
    for (const url of ['/', '/logs', '/logs?q=a&from=now-1h', '/services/checkout']) {
      const res = await app.inject({ url, headers: html });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.headers['content-security-policy']).toBe(WEB_CSP);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.body).toContain('<div id="app">');
    }
    expect(WEB_CSP).toContain("default-src 'self'");
    expect(WEB_CSP).toContain("script-src 'self'");
    expect(WEB_CSP).toContain("frame-ancestors 'none'");
    expect(WEB_CSP).toContain("object-src 'none'");
  });

  it('serves hashed assets as immutable and other files as revalidated', async () => {
    const js = await app.inject({ url: '/assets/index-AbC123.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.headers['content-type']).toContain('javascript');
    const icon = await app.inject({ url: '/favicon.svg' });
    expect(icon.statusCode).toBe(200);
    expect(icon.headers['cache-control']).toBe('no-cache');
  });

  it('keeps JSON 404s for the API, assets, other methods and non-HTML requests', async () => {
    for (const [method, url, headers] of [
      ['GET', '/api/nope', html],
      ['GET', '/docs/nope', html],
      ['GET', '/assets/missing.js', html],
      ['POST', '/logs', html],
      ['GET', '/logs', { accept: 'application/json' }],
      ['GET', '/.secret', {}],
    ] as const) {
      const res = await app.inject({ method, url, headers });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.json(), `${method} ${url}`).toMatchObject({ statusCode: 404, code: 'HUB_API_NOT_FOUND' });
    }
    expect((await app.inject({ url: '/api/thing' })).json()).toEqual({ ok: true });
  });

  it('tells how to build the UI when web/dist is missing', async () => {
    const res = await bare.inject({ url: '/logs', headers: html });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('npm run build -w @obshub/web');
    expect(res.headers['content-security-policy']).toBe(WEB_CSP);
    expect((await bare.inject({ url: '/api/x' })).statusCode).toBe(404);
  });
});

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** web/dist of this checkout: what `npm run build -w @obshub/web` writes. */
export const WEB_DIST_DIR = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

/**
 * The UI's pages run only the bundle's own scripts: log bodies are untrusted,
 * and even a rendering mistake must not let one run a script or load anything
 * from elsewhere. Inline styles stay allowed (Svelte and echarts set them).
 */
export const WEB_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SERVED = 'hubWebDistDir';

/** Vite puts content-hashed files under assets/: a new build gets new names. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Observability hub</title>
<style>body{font:15px system-ui,sans-serif;margin:3rem auto;max-width:40rem;color:#1f2328;padding:0 1rem}
code{background:#f6f8fa;padding:.15rem .35rem;border-radius:4px}</style></head><body>
<h1>The web UI is not built yet</h1>
<p>Build it with <code>npm run build -w @obshub/web</code> (or <code>npm run build</code>), then restart the API.</p>
<p>The API itself is up: see <a href="/docs">/docs</a>.</p></body></html>`;

function htmlHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('Content-Security-Policy', WEB_CSP)
    .header('X-Content-Type-Options', 'nosniff')
    .header('Referrer-Policy', 'same-origin')
    .header('Cache-Control', 'no-cache');
}

/** Page navigations get the app; API calls, assets and other methods get a JSON 404. */
function wantsPage(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const url = request.url;
  if (url === '/api' || url.startsWith('/api/') || url === '/docs' || url.startsWith('/docs/')) return false;
  if (url.startsWith('/assets/')) return false;
  return (request.headers.accept ?? '').includes('text/html');
}

/**
 * Serves the built UI (web/dist): hashed assets as immutable, index.html for
 * every page path (the UI routes in the browser), with a strict CSP. Any other
 * unknown route keeps the API's JSON 404. Call it after the API's routes.
 */
export async function serveWeb(app: FastifyInstance, distDir: string = WEB_DIST_DIR): Promise<void> {
  // Once per app: buildApp() calls it, and so may a test that builds the app itself.
  if (app.hasDecorator(SERVED)) return;
  app.decorate(SERVED, distDir);
  const indexFile = path.join(distDir, 'index.html');
  const built = existsSync(indexFile);

  app.setNotFoundHandler(async (request, reply) => {
    if (wantsPage(request)) {
      const html = existsSync(indexFile) ? await readFile(indexFile, 'utf8') : NOT_BUILT;
      return htmlHeaders(reply).code(200).type('text/html; charset=utf-8').send(html);
    }
    return reply.code(404).send({
      statusCode: 404,
      code: 'HUB_API_NOT_FOUND',
      error: `Not found: ${request.method} ${request.url.split('?')[0] ?? ''}`,
    });
  });

  if (!built) return;
  await app.register(fastifyStatic, {
    root: distDir,
    prefix: '/',
    wildcard: true,
    // "/" is index.html; every other page path reaches it through the not-found handler.
    index: 'index.html',
    dotfiles: 'ignore',
    cacheControl: false,
    etag: true,
    lastModified: true,
    setHeaders(reply, filePath) {
      const rel = path.relative(distDir, filePath).split(path.sep).join('/');
      void reply.header('X-Content-Type-Options', 'nosniff');
      if (rel.startsWith('assets/')) void reply.header('Cache-Control', IMMUTABLE);
      else void reply.header('Cache-Control', 'no-cache');
      if (rel.endsWith('.html')) void reply.header('Content-Security-Policy', WEB_CSP);
    },
  });
}

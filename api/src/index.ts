export { buildApp, type BuildAppOptions } from './app.ts';
export { ApiErrors } from './errors.ts';
export { serveWeb, WEB_DIST_DIR } from './web/static.ts';

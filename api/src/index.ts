export { buildApp, type BuildAppOptions } from './app.ts';
export { ApiErrors } from './errors.ts';
export { overview } from './routes/overview.ts';
export { escapeHtml } from './routes/home.ts';

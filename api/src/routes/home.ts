import type { FastifyPluginAsync } from 'fastify';
import type { Db } from '@obshub/core';
import { overview } from './overview.ts';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Service names come from telemetry: untrusted, so always escaped. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

/**
 * The start page: a server-rendered list of what arrived in the last hour, with
 * links to the API docs. The log explorer and service pages replace it (web/).
 */
export function homeRoutes(db: Db): FastifyPluginAsync {
  return async (app) => {
    app.get('/', { schema: { hide: true } }, async (_request, reply) => {
      const data = await overview(db, 60);
      const rows = data.services
        .map(
          (s) =>
            `<tr><td>${escapeHtml(s.service)}</td><td>${escapeHtml(s.environment || '—')}</td>` +
            `<td class="n">${s.logRecords}</td><td class="n">${s.errorRecords}</td><td>${escapeHtml(s.lastSeen)} UTC</td></tr>`,
        )
        .join('');
      const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Observability hub</title>
<meta http-equiv="refresh" content="10">
<style>body{font:14px system-ui,sans-serif;margin:2rem;color:#1f2328}table{border-collapse:collapse;min-width:40rem}
td,th{padding:.4rem .8rem;border-bottom:1px solid #d0d7de;text-align:left}.n{text-align:right}h1{font-size:1.4rem}
.muted{color:#656d76}</style></head><body>
<h1>Observability hub</h1>
<p class="muted">Services that sent logs in the last ${data.windowMinutes} minutes. ${data.metricSeries} metric series, ${data.metricSamples} samples in the window. Refreshes every 10 s.</p>
<table><thead><tr><th>Service</th><th>Environment</th><th class="n">Log records</th><th class="n">Errors</th><th>Last seen</th></tr></thead>
<tbody>${rows || '<tr><td colspan="5" class="muted">Nothing yet: point an OTLP exporter at port 4318 (HTTP) or 4317 (gRPC).</td></tr>'}</tbody></table>
<p><a href="/docs">API documentation</a></p></body></html>`;
      return reply
        .type('text/html; charset=utf-8')
        .header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'")
        .send(body);
    });
  };
}

import type { AlertNotice } from '../notice.ts';

/**
 * Links from a notification into the hub's UI, in the URL formats of the web
 * app (web/src/services/service-url.ts, web/src/logs/url-state.ts): the
 * service page around the time the alert fired, and the log explorer at that
 * moment. Values are URL-encoded; query terms are quoted like the UI does.
 */

const HOUR_MS = 3_600_000;
const DEFAULT_LOGS_WINDOW_MS = 5 * 60_000;

function base(publicUrl: string): string {
  return publicUrl.replace(/\/+$/, '');
}

const iso = (ms: number) => new Date(ms).toISOString();

/** `field:"value"` with " and \ escaped, as web/src/lib/query-text.ts writes it. */
function fieldTerm(field: string, value: string): string {
  return `${field}:"${value.replace(/[\\"]/g, '\\$&')}"`;
}

/**
 * The service page from an hour before the alert became active to half an
 * hour after it fired (or resolved); on the metrics tab for metric rules.
 */
export function chartUrl(publicUrl: string, n: AlertNotice): string | null {
  if (!n.service) return null;
  const u = new URLSearchParams();
  if (n.environment) u.set('env', n.environment);
  u.set('from', iso(n.activeAt - HOUR_MS));
  u.set('to', iso((n.resolvedAt ?? n.firedAt) + HOUR_MS / 2));
  if (n.metric) {
    u.set('tab', 'metrics');
    u.set('metric', n.metric);
  }
  return `${base(publicUrl)}/services/${encodeURIComponent(n.service)}?${u.toString()}`;
}

/**
 * The log explorer over the rule's window up to the moment it fired: the
 * rule's own search for log rules, the service's records otherwise.
 */
export function logsUrl(publicUrl: string, n: AlertNotice): string | null {
  let q: string;
  if (n.logQuery !== null) q = n.logQuery;
  else if (n.service) {
    q = fieldTerm('service', n.service);
    if (n.environment) q += ` ${fieldTerm('env', n.environment)}`;
  } else return null;
  const windowMs = n.windowMs ?? DEFAULT_LOGS_WINDOW_MS;
  const u = new URLSearchParams();
  if (q) u.set('q', q);
  u.set('from', iso(Math.min(n.activeAt, n.firedAt) - windowMs));
  u.set('to', iso(n.firedAt + 60_000));
  return `${base(publicUrl)}/logs?${u.toString()}`;
}

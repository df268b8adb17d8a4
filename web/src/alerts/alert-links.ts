import { serviceLink } from '../services/service-url.ts';
import { fieldTerm } from '../lib/query-text.ts';
import { isoMs } from '../lib/time.ts';
import type { ActiveAlert, RuleInfo } from './types.ts';

/**
 * Where to look at an alert, as the notifications link it
 * (api/src/alerts/notify/links.ts): the service page from an hour before it
 * became active to half an hour after (or now), and the logs of its window.
 */
const HOUR = 3_600_000;

export function alertServiceLink(a: ActiveAlert, nowMs = Date.now()): string | undefined {
  if (!a.service) return undefined;
  const to = Math.min(nowMs, (a.firedAt ?? a.activeAt) + HOUR / 2);
  return serviceLink(
    a.service,
    a.environment ?? '',
    isoMs(a.activeAt - HOUR),
    isoMs(Math.max(to, a.activeAt + 60_000)),
  );
}

export function alertLogsLink(
  a: ActiveAlert,
  rule: RuleInfo | undefined,
  nowMs = Date.now(),
): string | undefined {
  let q: string;
  if (rule?.kind === 'log') q = rule.query;
  else if (a.service)
    q = [fieldTerm('service', a.service), ...(a.environment ? [fieldTerm('env', a.environment)] : [])].join(
      ' ',
    );
  else return undefined;
  const windowMs = rule?.windowMs ?? 15 * 60_000;
  const at = a.firedAt ?? a.activeAt;
  const u = new URLSearchParams({
    q,
    from: isoMs(a.activeAt - windowMs),
    to: isoMs(Math.min(nowMs, Math.max(at, a.activeAt) + 60_000)),
  });
  return `/logs?${u.toString()}`;
}

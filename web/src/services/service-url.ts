import { fieldTerm } from '../lib/query-text.ts';
import { isoMs } from '../lib/time.ts';
import type { Matcher } from '../lib/types.ts';

/**
 * The service page's state in the URL:
 * /services/<name>?env=production&from=now-6h&to=now&by=version
 *   &tab=metrics&metric=http.server.request.duration&agg=p95&group=http.route&match=http.route!=/health&step=60
 */
export type ServiceTab = 'overview' | 'metrics';

export interface ServiceParams {
  service: string;
  env: string;
  from: string;
  to: string;
  by: 'version' | 'none';
  tab: ServiceTab;
  metric: string;
  agg: string;
  group: string[];
  match: Matcher[];
  /** Seconds; undefined: the API picks (about 120 points). */
  step: number | undefined;
}

export const SERVICE_DEFAULTS = { from: 'now-6h', to: 'now' } as const;

const MATCHER = /^([^=!~]+)(=~|!~|!=|=)([\s\S]*)$/;

export function parseMatcher(text: string): Matcher | undefined {
  const m = MATCHER.exec(text);
  if (!m) return undefined;
  const key = (m[1] as string).trim();
  return key ? { key, op: m[2] as Matcher['op'], value: m[3] as string } : undefined;
}

export function matcherText(m: Matcher): string {
  return `${m.key}${m.op}${m.value}`;
}

/** The service name from /services/<name> (undefined on /services itself). */
export function serviceFromPath(path: string): string | undefined {
  const m = /^\/services\/(.+?)\/?$/.exec(path);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1] as string);
  } catch {
    return undefined;
  }
}

export function readServiceParams(service: string, search: string): ServiceParams {
  const p = new URLSearchParams(search);
  const step = Number(p.get('step'));
  return {
    service,
    env: p.get('env') ?? '',
    from: p.get('from') || SERVICE_DEFAULTS.from,
    to: p.get('to') || SERVICE_DEFAULTS.to,
    by: p.get('by') === 'version' ? 'version' : 'none',
    tab: p.get('tab') === 'metrics' ? 'metrics' : 'overview',
    metric: p.get('metric') ?? '',
    agg: p.get('agg') ?? '',
    group: (p.get('group') ?? '')
      .split(',')
      .map((g) => g.trim())
      .filter(Boolean),
    match: p.getAll('match').flatMap((t) => parseMatcher(t) ?? []),
    step: Number.isInteger(step) && step >= 10 ? step : undefined,
  };
}

export function writeServiceParams(p: ServiceParams): string {
  const u = new URLSearchParams();
  if (p.env) u.set('env', p.env);
  u.set('from', p.from);
  u.set('to', p.to);
  if (p.by === 'version') u.set('by', 'version');
  if (p.tab === 'metrics') {
    u.set('tab', 'metrics');
    if (p.metric) u.set('metric', p.metric);
    if (p.agg) u.set('agg', p.agg);
    if (p.group.length) u.set('group', p.group.join(','));
    for (const m of p.match) u.append('match', matcherText(m));
    if (p.step) u.set('step', String(p.step));
  }
  return `${servicePath(p.service)}?${u.toString()}`;
}

export function servicePath(service: string): string {
  return `/services/${encodeURIComponent(service)}`;
}

/** A link to a service page for an environment and range. */
export function serviceLink(service: string, env: string, from: string, to: string): string {
  const u = new URLSearchParams();
  if (env) u.set('env', env);
  u.set('from', from);
  u.set('to', to);
  return `${servicePath(service)}?${u.toString()}`;
}

/**
 * The log explorer at a moment of a chart: the service's records (in the
 * environment, when one is chosen) from one step before to one step after.
 */
export function logsAt(service: string, env: string, tMs: number, stepSeconds: number): string {
  const terms = [fieldTerm('service', service)];
  if (env) terms.push(fieldTerm('env', env));
  const u = new URLSearchParams({
    q: terms.join(' '),
    from: isoMs(tMs - stepSeconds * 1000),
    to: isoMs(tMs + stepSeconds * 1000),
  });
  return `/logs?${u.toString()}`;
}

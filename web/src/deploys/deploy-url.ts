/**
 * URLs of the deploy pages:
 * /deploys?service=checkout&env=production&source=reported&from=now-7d&to=now
 * /deploys/<id>?window=1800
 */
export type DeploySource = 'all' | 'reported' | 'inferred';

export interface DeploysListParams {
  service: string;
  env: string;
  source: DeploySource;
  from: string;
  to: string;
}

export const DEPLOYS_DEFAULTS: DeploysListParams = {
  service: '',
  env: '',
  source: 'all',
  from: 'now-7d',
  to: 'now',
};

export function readDeploysParams(search: string): DeploysListParams {
  const p = new URLSearchParams(search);
  const source = p.get('source');
  return {
    service: p.get('service') ?? '',
    env: p.get('env') ?? '',
    source: source === 'reported' || source === 'inferred' ? source : 'all',
    from: p.get('from') || DEPLOYS_DEFAULTS.from,
    to: p.get('to') || DEPLOYS_DEFAULTS.to,
  };
}

export function writeDeploysParams(p: DeploysListParams): string {
  const u = new URLSearchParams();
  if (p.service) u.set('service', p.service);
  if (p.env) u.set('env', p.env);
  if (p.source !== 'all') u.set('source', p.source);
  u.set('from', p.from);
  u.set('to', p.to);
  return `/deploys?${u.toString()}`;
}

/** Before/after windows the deploy page offers, in seconds (the API takes 60..86400). */
export const IMPACT_WINDOWS = [
  { seconds: 900, label: '15m' },
  { seconds: 1800, label: '30m' },
  { seconds: 3600, label: '1h' },
  { seconds: 7200, label: '2h' },
  { seconds: 21_600, label: '6h' },
  { seconds: 86_400, label: '24h' },
] as const;
export const DEFAULT_WINDOW = 1800;

export function deployPath(id: string, windowSeconds?: number): string {
  const base = `/deploys/${encodeURIComponent(id)}`;
  return windowSeconds && windowSeconds !== DEFAULT_WINDOW ? `${base}?window=${windowSeconds}` : base;
}

/** The deploy id from /deploys/<id>. */
export function deployFromPath(path: string): string | undefined {
  const m = /^\/deploys\/(.+?)\/?$/.exec(path);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1] as string);
  } catch {
    return undefined;
  }
}

export function readWindow(search: string): number {
  const w = Number(new URLSearchParams(search).get('window'));
  return Number.isInteger(w) && w >= 60 && w <= 86_400 ? w : DEFAULT_WINDOW;
}

/**
 * The services list's state in the URL:
 * /services?from=now-1h&to=now&sort=errorRatio&dir=desc&filter=checkout
 */
export const SORT_KEYS = [
  'service',
  'environment',
  'requestRate',
  'errorRatio',
  'p95',
  'errorLogRate',
  'trend',
  'lastDeploy',
  'firingAlerts',
] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface ListParams {
  from: string;
  to: string;
  sort: SortKey;
  desc: boolean;
  filter: string;
}

export const LIST_DEFAULTS: ListParams = {
  from: 'now-1h',
  to: 'now',
  sort: 'service',
  desc: false,
  filter: '',
};

export function readListParams(search: string): ListParams {
  const p = new URLSearchParams(search);
  const sort = p.get('sort');
  return {
    from: p.get('from') || LIST_DEFAULTS.from,
    to: p.get('to') || LIST_DEFAULTS.to,
    sort: (SORT_KEYS as readonly string[]).includes(sort ?? '') ? (sort as SortKey) : LIST_DEFAULTS.sort,
    desc: p.get('dir') === 'desc',
    filter: p.get('filter') ?? '',
  };
}

export function writeListParams(p: ListParams): string {
  const u = new URLSearchParams();
  u.set('from', p.from);
  u.set('to', p.to);
  u.set('sort', p.sort);
  u.set('dir', p.desc ? 'desc' : 'asc');
  if (p.filter) u.set('filter', p.filter);
  return `/services?${u.toString()}`;
}

/** Text columns start ascending, figures descending (the biggest first is what one looks for). */
export function defaultDescending(key: SortKey): boolean {
  return key !== 'service' && key !== 'environment';
}

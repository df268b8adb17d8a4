/**
 * The explorer's whole state lives in the URL, so a link reproduces the view:
 * /logs?q=...&from=now-1h&to=now&record=<id>&context=1&live=1&fields=a,b
 */
export interface ExplorerParams {
  q: string;
  from: string;
  to: string;
  /** The expanded (selected) record. */
  record: string | undefined;
  /** The context view of the selected record is open. */
  context: boolean;
  live: boolean;
  /** Facet fields the user added beside the default ones. */
  fields: string[];
}

export const DEFAULT_FROM = 'now-15m';
export const DEFAULT_TO = 'now';
export const DEFAULT_FACETS = ['service', 'env', 'severity', 'host'] as const;

export function readParams(search: string): ExplorerParams {
  const p = new URLSearchParams(search);
  return {
    q: p.get('q') ?? '',
    from: p.get('from') || DEFAULT_FROM,
    to: p.get('to') || DEFAULT_TO,
    record: p.get('record') || undefined,
    context: p.get('context') === '1' && !!p.get('record'),
    live: p.get('live') === '1',
    fields: (p.get('fields') ?? '')
      .split(',')
      .map((f) => f.trim())
      .filter((f, i, all) => f && all.indexOf(f) === i && !(DEFAULT_FACETS as readonly string[]).includes(f)),
  };
}

export function writeParams(p: ExplorerParams): string {
  const u = new URLSearchParams();
  if (p.q) u.set('q', p.q);
  u.set('from', p.from);
  u.set('to', p.to);
  if (p.record) u.set('record', p.record);
  if (p.record && p.context) u.set('context', '1');
  if (p.live) u.set('live', '1');
  if (p.fields.length > 0) u.set('fields', p.fields.join(','));
  return `/logs?${u.toString()}`;
}

/** The part of the state that decides which records are shown. */
export function queryKey(p: ExplorerParams): string {
  return JSON.stringify([p.q, p.from, p.to]);
}

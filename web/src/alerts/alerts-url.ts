import type { LabelMatcher, MatcherOp } from './types.ts';

/**
 * The alerts page's state in the URL:
 * /alerts?tab=history&rule=<id>&from=now-24h&to=now
 * /alerts?tab=silences&show=expired&matcher=service%3Dcheckout&matcher=alertname%3DX (a prefilled new silence)
 * /alerts?tab=deliveries&status=failed
 */
export const TABS = ['now', 'history', 'rules', 'silences', 'deliveries'] as const;
export type AlertsTab = (typeof TABS)[number];
export const SILENCE_SHOW = ['current', 'expired', 'all'] as const;
export type SilenceShow = (typeof SILENCE_SHOW)[number];
export const DELIVERY_STATUS = ['', 'sent', 'retrying', 'failed'] as const;
export type DeliveryStatusFilter = (typeof DELIVERY_STATUS)[number];

export interface AlertsParams {
  tab: AlertsTab;
  /** History: a rule id (empty: every rule). */
  rule: string;
  from: string;
  to: string;
  /** Silences: which ones are listed. */
  show: SilenceShow;
  /** Silences: the new-silence form is open with these matchers. */
  matchers: LabelMatcher[];
  /** Silences: the form is open. */
  create: boolean;
  /** Deliveries: status filter. */
  status: DeliveryStatusFilter;
}

export const ALERTS_DEFAULTS = { from: 'now-24h', to: 'now' } as const;

const MATCHER = /^([A-Za-z_][A-Za-z0-9_]*)(=~|!~|!=|=)([\s\S]*)$/;

export function parseLabelMatcher(text: string): LabelMatcher | undefined {
  const m = MATCHER.exec(text);
  return m ? { name: m[1] as string, op: m[2] as MatcherOp, value: m[3] as string } : undefined;
}

export function labelMatcherText(m: LabelMatcher): string {
  return `${m.name}${m.op}${m.value}`;
}

const oneOf = <T extends string>(list: readonly T[], v: string | null, d: T): T =>
  (list as readonly string[]).includes(v ?? '\u0000') ? (v as T) : d;

export function readAlertsParams(search: string): AlertsParams {
  const p = new URLSearchParams(search);
  const matchers = p
    .getAll('matcher')
    .map(parseLabelMatcher)
    .filter((m): m is LabelMatcher => m !== undefined);
  return {
    tab: oneOf(TABS, p.get('tab'), 'now'),
    rule: /^[0-9a-f]{16}$/.test(p.get('rule') ?? '') ? (p.get('rule') as string) : '',
    from: p.get('from') || ALERTS_DEFAULTS.from,
    to: p.get('to') || ALERTS_DEFAULTS.to,
    show: oneOf(SILENCE_SHOW, p.get('show'), 'current'),
    matchers,
    create: p.get('new') === '1' || matchers.length > 0,
    status: oneOf(DELIVERY_STATUS, p.get('status'), ''),
  };
}

/** Only the parameters of the tab shown are written, so each tab's URL stays short. */
export function writeAlertsParams(p: AlertsParams): string {
  const u = new URLSearchParams();
  u.set('tab', p.tab);
  if (p.tab === 'history') {
    if (p.rule) u.set('rule', p.rule);
    u.set('from', p.from);
    u.set('to', p.to);
  }
  if (p.tab === 'silences') {
    if (p.show !== 'current') u.set('show', p.show);
    if (p.create) u.set('new', '1');
    for (const m of p.matchers) u.append('matcher', labelMatcherText(m));
  }
  if (p.tab === 'deliveries' && p.status) u.set('status', p.status);
  return `/alerts?${u.toString()}`;
}

/** The new-silence form prefilled with an alert's labels (each as an equality matcher). */
export function silenceLink(labels: Readonly<Record<string, string>>): string {
  const matchers = Object.entries(labels)
    .filter(([name]) => MATCHER.test(`${name}=`))
    .map(([name, value]) => ({ name, op: '=' as const, value }));
  return writeAlertsParams({
    tab: 'silences',
    rule: '',
    ...ALERTS_DEFAULTS,
    show: 'current',
    matchers,
    create: true,
    status: '',
  });
}

export function historyLink(
  rule: string,
  from: string = ALERTS_DEFAULTS.from,
  to: string = ALERTS_DEFAULTS.to,
): string {
  return writeAlertsParams({ ...readAlertsParams(''), tab: 'history', rule, from, to });
}

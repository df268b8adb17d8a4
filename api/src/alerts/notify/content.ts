import { humanizeDuration } from '../rules/template-helpers.ts';
import type { AlertNotice } from '../notice.ts';
import type { DeployCorrelation } from './deploy-correlation.ts';
import { chartUrl, logsUrl } from './links.ts';

/**
 * What one notification says, before it is rendered for a medium (Slack
 * Block Kit, email HTML and text): the group's alerts, firing first, each with
 * its value, threshold, labels, texts and links, and the deploy correlation.
 */
export type ContentStatus = 'firing' | 'resolved';

export interface AlertView {
  readonly notice: AlertNotice;
  readonly state: 'firing' | 'resolved';
  readonly severity: string | null;
  /** "0.0731 > 0.02", "no data", "evaluation failed: ...". */
  readonly valueText: string;
  readonly chartUrl: string | null;
  readonly logsUrl: string | null;
}

export interface NotificationContent {
  /** resolved when no alert of the group is firing any more. */
  readonly status: ContentStatus;
  /** "[FIRING:2] CheckoutSlowRoute", "[RESOLVED] CheckoutHigh5xxRatio". */
  readonly title: string;
  /** Why this notification: a new episode, alerts added, some resolved, a repeat. */
  readonly reason: 'new' | 'changed' | 'resolved' | 'repeat';
  readonly groupLabels: Readonly<Record<string, string>>;
  readonly alerts: readonly AlertView[];
  readonly deploys: readonly DeployCorrelation[];
  readonly receiver: string;
}

/** Four significant digits, without SI prefixes (a ratio 0.073 reads as 0.073, not 73m). */
export function formatNumber(v: number): string {
  if (v !== 0 && (Math.abs(v) >= 1e9 || Math.abs(v) < 1e-4)) return v.toPrecision(4);
  return String(Number(v.toPrecision(4)));
}

export function valueText(n: AlertNotice): string {
  if (n.reason === 'error') return `evaluation failed${n.error ? `: ${n.error}` : ''}`;
  if (n.reason === 'no_data' || n.value === null) return 'no data';
  if (n.kind === 'absence') return `no data for ${humanizeDuration(n.value)}`;
  return n.op !== null && n.threshold !== null
    ? `${formatNumber(n.value)} ${n.op} ${formatNumber(n.threshold)}`
    : formatNumber(n.value);
}

function alertNames(notices: readonly AlertNotice[]): string {
  const names = [...new Set(notices.map((n) => n.alert))];
  return names.length <= 2
    ? names.join(', ')
    : `${names.slice(0, 2).join(', ')} and ${names.length - 2} more`;
}

export function buildContent(o: {
  firing: readonly AlertNotice[];
  resolved: readonly AlertNotice[];
  reason: NotificationContent['reason'];
  groupLabels: Readonly<Record<string, string>>;
  deploys: readonly DeployCorrelation[];
  receiver: string;
  publicUrl: string;
}): NotificationContent {
  const view = (n: AlertNotice, state: AlertView['state']): AlertView => ({
    notice: n,
    state,
    severity: n.labels['severity'] ?? null,
    valueText: valueText(n),
    chartUrl: chartUrl(o.publicUrl, n),
    logsUrl: logsUrl(o.publicUrl, n),
  });
  const status: ContentStatus = o.firing.length > 0 ? 'firing' : 'resolved';
  const all = [...o.firing, ...o.resolved];
  const title =
    status === 'firing'
      ? `[FIRING:${o.firing.length}] ${alertNames(o.firing)}`
      : `[RESOLVED] ${alertNames(o.resolved)}`;
  return {
    status,
    title: all.length === 0 ? '[RESOLVED]' : title,
    reason: o.reason,
    groupLabels: o.groupLabels,
    alerts: [...o.firing.map((n) => view(n, 'firing')), ...o.resolved.map((n) => view(n, 'resolved'))],
    deploys: o.deploys,
    receiver: o.receiver,
  };
}

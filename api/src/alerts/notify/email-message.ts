import type { AlertView, NotificationContent } from './content.ts';
import { deployLineText, noDeployText } from './deploy-correlation.ts';

/**
 * A notification as an email: the same content as the Slack message, in an
 * HTML part (every text escaped) and a plain-text part.
 */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** An http(s) link; anything else (javascript:, data:) is shown as text. */
function htmlLink(url: string | null, text: string): string {
  if (url === null || !/^https?:\/\/\S+$/.test(url)) return escapeHtml(text);
  return `<a href="${escapeHtml(url)}">${escapeHtml(text)}</a>`;
}

function alertHtml(a: AlertView): string {
  const n = a.notice;
  const color = a.state === 'resolved' ? '#2e7d32' : a.severity === 'critical' ? '#c62828' : '#ef6c00';
  const labels = Object.entries(n.labels)
    .map(([k, v]) => `<code>${escapeHtml(k)}=${escapeHtml(v)}</code>`)
    .join(' ');
  const links = [
    a.chartUrl ? htmlLink(a.chartUrl, 'Chart') : null,
    a.logsUrl ? htmlLink(a.logsUrl, 'Logs') : null,
    n.annotations.runbookUrl ? htmlLink(n.annotations.runbookUrl, 'Runbook') : null,
  ].filter((l): l is string => l !== null);
  return [
    `<div style="border-left:4px solid ${color};padding:4px 12px;margin:12px 0">`,
    `<p style="margin:0"><strong>${escapeHtml(n.annotations.summary || n.alert)}</strong></p>`,
    n.annotations.description ? `<p>${escapeHtml(n.annotations.description)}</p>` : '',
    `<p>State: ${a.state} &middot; Severity: ${escapeHtml(a.severity ?? 'none')} &middot; Value: ${escapeHtml(a.valueText)}</p>`,
    labels ? `<p>Labels: ${labels}</p>` : '',
    links.length > 0 ? `<p>${links.join(' &middot; ')}</p>` : '',
    '</div>',
  ].join('\n');
}

function alertText(a: AlertView): string {
  const n = a.notice;
  const lines = [`* ${n.annotations.summary || n.alert}`];
  if (n.annotations.description) lines.push(`  ${n.annotations.description}`);
  lines.push(`  State: ${a.state}, severity: ${a.severity ?? 'none'}, value: ${a.valueText}`);
  const labels = Object.entries(n.labels).map(([k, v]) => `${k}=${v}`);
  if (labels.length > 0) lines.push(`  Labels: ${labels.join(', ')}`);
  if (a.chartUrl) lines.push(`  Chart: ${a.chartUrl}`);
  if (a.logsUrl) lines.push(`  Logs: ${a.logsUrl}`);
  if (n.annotations.runbookUrl) lines.push(`  Runbook: ${n.annotations.runbookUrl}`);
  return lines.join('\n');
}

function deploysHtml(c: NotificationContent): string {
  return c.deploys
    .map((d) => {
      const items =
        d.deploys.length === 0
          ? `<p><em>${escapeHtml(noDeployText(d))}</em></p>`
          : `<ul>${d.deploys
              .map((x) => {
                const own = x.links.map((l) => htmlLink(l.url, l.name)).join(' &middot; ');
                return `<li>${htmlLink(x.url, `${d.service} ${x.version}`)}: ${escapeHtml(deployLineText(x, d.service))}${own ? ` (${own})` : ''}</li>`;
              })
              .join('')}</ul>`;
      return `<h3>Deploys of ${escapeHtml(d.service)} before the alert</h3>\n${items}`;
    })
    .join('\n');
}

function deploysText(c: NotificationContent): string {
  return c.deploys
    .map((d) => {
      const lines = [`Deploys of ${d.service} before the alert:`];
      if (d.deploys.length === 0) lines.push(`  ${noDeployText(d)}`);
      for (const x of d.deploys) {
        lines.push(`  - ${deployLineText(x, d.service)}: ${x.url}`);
        for (const l of x.links) lines.push(`    ${l.name}: ${l.url}`);
      }
      return lines.join('\n');
    })
    .join('\n\n');
}

export interface RenderedMail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export function emailMessage(c: NotificationContent): RenderedMail {
  const first = c.alerts[0]?.notice;
  const subject = `${c.title}${first?.annotations.summary ? ` - ${first.annotations.summary}` : ''}`
    .replace(/[\r\n]+/g, ' ')
    .slice(0, 250);
  const group = Object.entries(c.groupLabels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif">',
    `<h2>${escapeHtml(c.title)}</h2>`,
    ...c.alerts.map(alertHtml),
    deploysHtml(c),
    `<p style="color:#666;font-size:12px">Receiver ${escapeHtml(c.receiver)}${group ? ` &middot; group ${escapeHtml(group)}` : ''}</p>`,
    '</body></html>',
  ].join('\n');
  const text = [
    c.title,
    '',
    ...c.alerts.map(alertText),
    '',
    deploysText(c),
    '',
    `Receiver ${c.receiver}${group ? `, group ${group}` : ''}`,
  ].join('\n');
  return { subject, text, html };
}

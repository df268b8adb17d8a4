import { valueText } from '../../alerts/notify/content.ts';
import { escapeHtml, type RenderedMail } from '../../alerts/notify/email-message.ts';
import { chartUrl, logsUrl } from '../../alerts/notify/links.ts';
import type { AlertNotice } from '../../alerts/notice.ts';
import { subjectOf, type VerdictContent } from './verdict-content.ts';

/**
 * A verdict as an email (the same content as the Slack message: an HTML part
 * with every text escaped and only http(s) links, and a plain-text part), and
 * the mail an alert about the deploy sends in the verdict's thread.
 */
function htmlLink(url: string | null, text: string): string {
  if (url === null || !/^https?:\/\/\S+$/.test(url)) return escapeHtml(text);
  return `<a href="${escapeHtml(url)}">${escapeHtml(text)}</a>`;
}

const COLOR: Record<VerdictContent['state'], string> = {
  pass: '#2e7d32',
  fail: '#c62828',
  inconclusive: '#757575',
  error: '#ef6c00',
};

export function verdictEmail(c: VerdictContent, receiver: string): RenderedMail {
  const links = [
    c.deployUrl ? { url: c.deployUrl, name: 'Deploy page' } : null,
    c.chartUrl ? { url: c.chartUrl, name: 'Charts' } : null,
    { url: c.verificationUrl, name: 'Verification (JSON)' },
  ].filter((l): l is { url: string; name: string } => l !== null);
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif">',
    `<h2>${escapeHtml(`${c.again ? 'Verified again: ' : 'Deploy verification: '}${c.title}`)}</h2>`,
    `<p style="border-left:4px solid ${COLOR[c.state]};padding:4px 12px"><strong>${escapeHtml(c.headline)}</strong></p>`,
    c.signals.length > 0
      ? `<ul>${c.signals
          .map(
            (s) =>
              `<li>${escapeHtml(s.sentence)}${s.chartUrl ? ` (${htmlLink(s.chartUrl, 'chart')})` : ''}</li>`,
          )
          .join('')}</ul>`
      : '',
    ...c.notes.map((n) => `<p><em>${escapeHtml(n)}</em></p>`),
    `<p>${links.map((l) => htmlLink(l.url, l.name)).join(' &middot; ')}</p>`,
    `<p style="color:#666;font-size:12px">${escapeHtml(c.method)} &middot; verification ${escapeHtml(c.verificationId)} &middot; receiver ${escapeHtml(receiver)}</p>`,
    '</body></html>',
  ].join('\n');
  const text = [
    `${c.again ? 'Verified again: ' : 'Deploy verification: '}${c.title}`,
    '',
    c.headline,
    '',
    ...c.signals.map((s) => `- ${s.sentence}${s.chartUrl ? `\n  Chart: ${s.chartUrl}` : ''}`),
    ...(c.notes.length > 0 ? ['', ...c.notes] : []),
    '',
    ...links.map((l) => `${l.name}: ${l.url}`),
    '',
    `${c.method}, verification ${c.verificationId}, receiver ${receiver}`,
  ].join('\n');
  return { subject: subjectOf(c), text, html };
}

export function alertReplyEmail(
  alerts: readonly AlertNotice[],
  deploy: { service: string; version: string; minutesBefore: number },
  o: { publicUrl: string; threadSubject: string },
): RenderedMail {
  const head = `${alerts.length === 1 ? 'An alert' : `${alerts.length} alerts`} fired ${deploy.minutesBefore} min after this deploy (${deploy.service} ${deploy.version})`;
  const items = alerts.map((n) => ({
    summary: n.annotations.summary || n.alert,
    severity: n.labels['severity'] ?? null,
    value: valueText(n),
    chart: chartUrl(o.publicUrl, n),
    logs: logsUrl(o.publicUrl, n),
  }));
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif">',
    `<p><strong>${escapeHtml(head)}</strong></p>`,
    `<ul>${items
      .map((i) => {
        const links = [i.chart ? htmlLink(i.chart, 'Chart') : null, i.logs ? htmlLink(i.logs, 'Logs') : null]
          .filter((l): l is string => l !== null)
          .join(' &middot; ');
        return `<li><strong>${escapeHtml(i.summary)}</strong>${i.severity ? ` [${escapeHtml(i.severity)}]` : ''} (${escapeHtml(i.value)})${links ? ` ${links}` : ''}</li>`;
      })
      .join('')}</ul>`,
    '</body></html>',
  ].join('\n');
  const text = [
    head,
    '',
    ...items.map(
      (i) =>
        `- ${i.summary}${i.severity ? ` [${i.severity}]` : ''} (${i.value})${i.chart ? `\n  Chart: ${i.chart}` : ''}${i.logs ? `\n  Logs: ${i.logs}` : ''}`,
    ),
  ].join('\n');
  const subject = o.threadSubject.startsWith('Re: ') ? o.threadSubject : `Re: ${o.threadSubject}`;
  return { subject: subject.slice(0, 250), text, html };
}

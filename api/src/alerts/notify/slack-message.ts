import type { KnownBlock } from '@slack/web-api';
import type { AlertView, NotificationContent } from './content.ts';
import { deployLineText, noDeployText, type DeployCorrelation } from './deploy-correlation.ts';
import type { SlackMessage } from './slack.ts';

/**
 * A notification as a Slack Block Kit message, with a text fallback. Every
 * text that comes from labels, values, templates or deploys is escaped for
 * mrkdwn (&, <, >), so a label value like `<!channel>` or `<http://x|y>` shows
 * as typed and cannot mention anyone or make a link.
 */

/** Slack's mrkdwn escaping: the three characters that start entities, mentions and links. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** `<url|text>` for an http(s) URL; the text alone for anything else. */
export function slackLink(url: string | null, text: string): string {
  if (url === null || !/^https?:\/\/\S+$/.test(url)) return escapeMrkdwn(text);
  // `|` and `>` would end the URL part; they are not valid in a URL unencoded anyway.
  const safe = escapeMrkdwn(url.replace(/\|/g, '%7C'));
  return `<${safe}|${escapeMrkdwn(text)}>`;
}

/** Cuts a text to Slack's limits, on a character boundary. */
function cut(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

const SEVERITY_ICON: Record<string, string> = {
  critical: ':red_circle:',
  warning: ':large_orange_circle:',
  info: ':large_blue_circle:',
};
/** Alerts shown in full; more are counted (a message has at most 50 blocks). */
export const MAX_ALERTS_SHOWN = 10;

function alertSection(a: AlertView): KnownBlock {
  const n = a.notice;
  const icon =
    a.state === 'resolved' ? ':white_check_mark:' : (SEVERITY_ICON[a.severity ?? ''] ?? ':warning:');
  const lines = [`${icon} *${escapeMrkdwn(n.annotations.summary || n.alert)}*`];
  if (n.annotations.description) lines.push(escapeMrkdwn(n.annotations.description));
  const facts = [
    `*State:* ${a.state === 'firing' ? 'firing' : 'resolved'}`,
    `*Severity:* ${escapeMrkdwn(a.severity ?? 'none')}`,
    `*Value:* ${escapeMrkdwn(a.valueText)}`,
  ];
  lines.push(facts.join('   '));
  const labels = Object.entries(n.labels)
    .map(([k, v]) => `\`${escapeMrkdwn(k)}=${escapeMrkdwn(v)}\``)
    .join(' ');
  if (labels) lines.push(`*Labels:* ${labels}`);
  const links = [
    a.chartUrl ? slackLink(a.chartUrl, 'Chart') : null,
    a.logsUrl ? slackLink(a.logsUrl, 'Logs') : null,
    n.annotations.runbookUrl ? slackLink(n.annotations.runbookUrl, 'Runbook') : null,
  ].filter((l): l is string => l !== null);
  if (links.length > 0) lines.push(links.join('  ·  '));
  return { type: 'section', text: { type: 'mrkdwn', text: cut(lines.join('\n'), 3000) } };
}

function deployLines(c: DeployCorrelation): string {
  if (c.deploys.length === 0) return `_${escapeMrkdwn(noDeployText(c))}_`;
  return c.deploys
    .map((d) => {
      const own = d.links.map((l) => slackLink(l.url, l.name)).join(' · ');
      const line = escapeMrkdwn(deployLineText(d, c.service));
      return `• ${slackLink(d.url, `${c.service} ${d.version}`)}: ${line}${own ? `  (${own})` : ''}`;
    })
    .join('\n');
}

export function deploySection(deploys: readonly DeployCorrelation[]): KnownBlock | null {
  if (deploys.length === 0) return null;
  const text = deploys
    .map((c) => `*Deploys of ${escapeMrkdwn(c.service)} before the alert*\n${deployLines(c)}`)
    .join('\n');
  return { type: 'section', text: { type: 'mrkdwn', text: cut(text, 3000) } };
}

const REASON_TEXT: Record<NotificationContent['reason'], string> = {
  new: 'new alert',
  changed: 'alerts changed',
  resolved: 'resolved',
  repeat: 'still firing',
};

/** The whole message: header, alerts, deploys, context. */
export function slackMessage(c: NotificationContent): SlackMessage {
  const header = `${c.status === 'firing' ? ':rotating_light:' : ':white_check_mark:'} ${c.title}`;
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: cut(c.title, 150), emoji: true } },
  ];
  for (const a of c.alerts.slice(0, MAX_ALERTS_SHOWN)) blocks.push(alertSection(a));
  if (c.alerts.length > MAX_ALERTS_SHOWN) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `and ${c.alerts.length - MAX_ALERTS_SHOWN} more alerts` }],
    });
  }
  const deploys = deploySection(c.deploys);
  if (deploys) blocks.push({ type: 'divider' }, deploys);
  const group = Object.entries(c.groupLabels)
    .map(([k, v]) => `${escapeMrkdwn(k)}=${escapeMrkdwn(v)}`)
    .join(', ');
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: cut(
          `${REASON_TEXT[c.reason]} · receiver ${escapeMrkdwn(c.receiver)}${group ? ` · group ${group}` : ''}`,
          3000,
        ),
      },
    ],
  });
  const first = c.alerts[0];
  const summary = first ? ` — ${first.notice.annotations.summary || first.notice.alert}` : '';
  return { text: cut(escapeMrkdwn(`${header}${summary}`), 3000), blocks };
}

/** The thread reply of a resolve or change: short, the full state is in the updated message. */
export function slackReply(c: NotificationContent): SlackMessage {
  const resolved = c.alerts.filter((a) => a.state === 'resolved');
  const firing = c.alerts.filter((a) => a.state === 'firing');
  const lines: string[] = [];
  if (c.status === 'resolved')
    lines.push(':white_check_mark: *Resolved*: every alert of this group is back to normal.');
  else if (c.reason === 'repeat')
    lines.push(`:rotating_light: *Still firing*: ${firing.length} alert${firing.length === 1 ? '' : 's'}.`);
  else lines.push(`:rotating_light: *${firing.length} firing*, ${resolved.length} resolved.`);
  for (const a of c.alerts.slice(0, MAX_ALERTS_SHOWN)) {
    const n = a.notice;
    const when =
      a.state === 'resolved' && n.resolvedAt !== null ? ` at ${new Date(n.resolvedAt).toISOString()}` : '';
    lines.push(
      `• ${a.state}${when}: ${escapeMrkdwn(n.annotations.summary || n.alert)} (${escapeMrkdwn(a.valueText)})`,
    );
  }
  const text = cut(lines.join('\n'), 3000);
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

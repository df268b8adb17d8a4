import type { KnownBlock } from '@slack/web-api';
import { valueText } from '../../alerts/notify/content.ts';
import { chartUrl, logsUrl } from '../../alerts/notify/links.ts';
import { escapeMrkdwn, slackLink } from '../../alerts/notify/slack-message.ts';
import type { SlackMessage } from '../../alerts/notify/slack.ts';
import type { AlertNotice } from '../../alerts/notice.ts';
import type { VerdictContent } from './verdict-content.ts';

/**
 * A verdict as a Slack Block Kit message (the parent of the deploy's thread,
 * or a reply in it when the deploy is verified again), and the short reply an
 * alert about the deploy posts in that thread. Every text from the
 * verification (service, version, sentences) and from alerts is escaped for
 * mrkdwn, as the alert messages are; only http(s) URLs become links.
 */

const STATE_ICON: Record<VerdictContent['state'], string> = {
  pass: ':white_check_mark:',
  fail: ':x:',
  inconclusive: ':grey_question:',
  error: ':warning:',
};

const SIGNAL_ICON: Record<VerdictContent['signals'][number]['status'], string> = {
  pass: ':white_check_mark:',
  fail: ':x:',
  inconclusive: ':grey_question:',
};

function cut(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

const section = (text: string): KnownBlock => ({
  type: 'section',
  text: { type: 'mrkdwn', text: cut(text, 3000) },
});

export function verdictSlackMessage(c: VerdictContent, receiver: string): SlackMessage {
  const title = `${c.again ? 'Verified again: ' : 'Deploy verification: '}${c.title}`;
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: cut(title, 150), emoji: true } },
    section(`${STATE_ICON[c.state]} *${escapeMrkdwn(c.headline)}*`),
  ];
  if (c.signals.length > 0) {
    blocks.push(
      section(
        c.signals
          .map(
            (s) =>
              `${SIGNAL_ICON[s.status]} ${escapeMrkdwn(s.sentence)}${s.chartUrl ? `  ${slackLink(s.chartUrl, 'chart')}` : ''}`,
          )
          .join('\n'),
      ),
    );
  }
  if (c.notes.length > 0) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: cut(c.notes.map((n) => `_${escapeMrkdwn(n)}_`).join('\n'), 3000) }],
    });
  }
  const links = [
    c.deployUrl ? slackLink(c.deployUrl, 'Deploy page') : null,
    c.chartUrl ? slackLink(c.chartUrl, 'Charts') : null,
    slackLink(c.verificationUrl, 'Verification (JSON)'),
  ].filter((l): l is string => l !== null);
  blocks.push(section(links.join('  ·  ')));
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: cut(
          `${escapeMrkdwn(c.method)} · verification ${escapeMrkdwn(c.verificationId)} · receiver ${escapeMrkdwn(receiver)}`,
          3000,
        ),
      },
    ],
  });
  const text = `${STATE_ICON[c.state]} ${escapeMrkdwn(c.headline)}`;
  return { text: cut(text, 3000), blocks };
}

/** One line per alert: summary, value, chart and logs links. */
export function alertLines(alerts: readonly AlertNotice[], publicUrl: string): string[] {
  return alerts.map((n) => {
    const links = [
      (() => {
        const u = chartUrl(publicUrl, n);
        return u ? slackLink(u, 'Chart') : null;
      })(),
      (() => {
        const u = logsUrl(publicUrl, n);
        return u ? slackLink(u, 'Logs') : null;
      })(),
    ].filter((l): l is string => l !== null);
    const severity = n.labels['severity'] ? ` [${escapeMrkdwn(n.labels['severity'])}]` : '';
    return `• *${escapeMrkdwn(n.annotations.summary || n.alert)}*${severity} (${escapeMrkdwn(valueText(n))})${links.length > 0 ? `  ${links.join(' · ')}` : ''}`;
  });
}

/** The reply of alerts that fired after the deploy, in the deploy's verdict thread. */
export function alertReplySlackMessage(
  alerts: readonly AlertNotice[],
  deploy: { service: string; version: string; minutesBefore: number },
  publicUrl: string,
): SlackMessage {
  const head = `:rotating_light: *${alerts.length === 1 ? 'An alert' : `${alerts.length} alerts`} fired ${deploy.minutesBefore} min after this deploy* (${escapeMrkdwn(`${deploy.service} ${deploy.version}`)})`;
  const text = cut([head, ...alertLines(alerts, publicUrl)].join('\n'), 3000);
  return { text, blocks: [section(text)] };
}

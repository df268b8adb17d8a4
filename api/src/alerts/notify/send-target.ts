import type { NotificationContent } from './content.ts';
import { emailMessage } from './email-message.ts';
import { classifyMailError, type MailSender } from './email.ts';
import type { Target } from './grouping.ts';
import type { NflogEntry } from './nflog-store.ts';
import type { Failure } from './retry.ts';
import { slackMessage, slackReply } from './slack-message.ts';
import { classifySlackError, type SlackSender } from './slack.ts';

/**
 * One notification to one target, threaded on the episode's first message:
 *
 * - Slack: a new episode posts a message; later notifications of the episode
 *   update that message (chat.update, so the channel shows the current state)
 *   and reply in its thread (thread_ts; a repeat is also broadcast to the
 *   channel). The update goes first: it is idempotent, so a retry after a
 *   failed reply repeats nothing visible.
 * - Email: a new episode sends a mail whose Message-ID is derived from the
 *   episode; later ones answer it (In-Reply-To, References).
 *
 * Returns what the notification log keeps about the episode's first message.
 */
export interface Senders {
  readonly slack: SlackSender | null;
  readonly mail: MailSender | null;
}

export interface Threading {
  readonly slackChannel: string;
  readonly slackTs: string;
  readonly emailMessageId: string;
}

export class NotConfigured extends Error {}

export function classifyTargetError(target: Target, err: unknown): Failure {
  if (err instanceof NotConfigured) return { retryable: false, message: err.message };
  return target.startsWith('slack:') ? classifySlackError(err) : classifyMailError(err);
}

export function mailHost(publicUrl: string): string {
  try {
    return new URL(publicUrl).hostname || 'hub.local';
  } catch {
    return 'hub.local';
  }
}

export async function sendToTarget(o: {
  senders: Senders;
  target: Target;
  content: NotificationContent;
  /** The open episode's entry; undefined for a new episode. */
  episode: NflogEntry | undefined;
  episodeId: string;
  nowMs: number;
  publicUrl: string;
}): Promise<Threading> {
  const { target, content, episode } = o;
  if (target.startsWith('slack:')) {
    const slack = o.senders.slack;
    if (!slack)
      throw new NotConfigured('Slack is not configured (notifications.slackToken / HUB_SLACK_TOKEN)');
    const channel = target.slice('slack:'.length);
    const message = slackMessage(content);
    if (!episode || !episode.slackTs) {
      const posted = await slack.post(channel, message);
      return { slackChannel: posted.channel, slackTs: posted.ts, emailMessageId: '' };
    }
    await slack.update(episode.slackChannel, episode.slackTs, message);
    await slack.post(episode.slackChannel, slackReply(content), {
      ts: episode.slackTs,
      broadcast: content.reason === 'repeat',
    });
    return { slackChannel: episode.slackChannel, slackTs: episode.slackTs, emailMessageId: '' };
  }
  const mail = o.senders.mail;
  if (!mail) throw new NotConfigured('email is not configured (notifications.smtpUrl / HUB_SMTP_URL)');
  const to = target.slice('email:'.length);
  const rendered = emailMessage(content);
  const host = mailHost(o.publicUrl);
  if (!episode || !episode.emailMessageId) {
    const messageId = `<${o.episodeId}@${host}>`;
    await mail.send({ to, ...rendered, messageId });
    return { slackChannel: '', slackTs: '', emailMessageId: messageId };
  }
  const first = episode.emailMessageId;
  await mail.send({
    to,
    ...rendered,
    subject: rendered.subject.startsWith('Re: ') ? rendered.subject : `Re: ${rendered.subject}`,
    messageId: `<${o.episodeId}.${o.nowMs}@${host}>`,
    inReplyTo: first,
    references: [first],
  });
  return { slackChannel: '', slackTs: '', emailMessageId: first };
}

import nodemailer, { type Transporter } from 'nodemailer';

/**
 * Sending mail through nodemailer (SMTP URL from the configuration), reusable
 * by anything that mails (alerts, deploy verdicts). A mail has an HTML and a
 * plain-text part, a Message-ID chosen by the caller, and optional threading
 * headers (In-Reply-To, References) so a follow-up shows under the first mail.
 */
export interface MailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** `<id@host>`. */
  readonly messageId: string;
  /** The Message-ID this mail answers (its thread's first mail). */
  readonly inReplyTo?: string;
  readonly references?: readonly string[];
}

export interface MailSender {
  send(message: MailMessage): Promise<void>;
  close(): void;
}

export function createMailSender(o: { smtpUrl: string; from: string; timeoutMs?: number }): MailSender {
  const timeout = o.timeoutMs ?? 15_000;
  const transport: Transporter = nodemailer.createTransport(o.smtpUrl, {
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  } as never);
  return {
    async send(m) {
      await transport.sendMail({
        from: o.from,
        to: m.to,
        subject: m.subject,
        text: m.text,
        html: m.html,
        messageId: m.messageId,
        ...(m.inReplyTo ? { inReplyTo: m.inReplyTo } : {}),
        ...(m.references && m.references.length > 0 ? { references: [...m.references] } : {}),
      });
    },
    close() {
      transport.close();
    },
  };
}

export interface MailFailure {
  readonly retryable: boolean;
  readonly message: string;
}

/** SMTP 5xx answers are permanent (unknown recipient, refused); everything else may pass on a retry. */
export function classifyMailError(err: unknown): MailFailure {
  const e = err as { responseCode?: number; code?: string; message?: string };
  const message = (e.message ?? String(err)).replace(/\s+/g, ' ').slice(0, 500);
  if (typeof e.responseCode === 'number' && e.responseCode >= 500 && e.responseCode < 600) {
    return { retryable: false, message: `SMTP ${e.responseCode}: ${message}` };
  }
  if (e.code === 'EAUTH') return { retryable: false, message: `SMTP authentication failed: ${message}` };
  return { retryable: true, message };
}

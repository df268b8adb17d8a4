import { LogLevel, WebClient, type Block, type KnownBlock } from '@slack/web-api';

/**
 * Sending to Slack through @slack/web-api (chat.postMessage, chat.update,
 * thread replies), reusable by anything that posts to Slack (alerts, deploy
 * verdicts). The client's own retries are off (`retryConfig: { retries: 0 }`,
 * `rejectRateLimitedCalls: true`): the caller retries, so every attempt is
 * recorded and a 429's Retry-After is honoured by the caller's backoff.
 */
export interface SlackMessage {
  /** Fallback text (notifications, screen readers); mrkdwn, escaped. */
  readonly text: string;
  readonly blocks: readonly (KnownBlock | Block)[];
}

export interface SlackPosted {
  /** The channel id Slack answered (a #name resolves to an id). */
  readonly channel: string;
  readonly ts: string;
}

export interface SlackSender {
  /** A message in a channel, or a reply in the thread of `threadTs`. */
  post(
    channel: string,
    message: SlackMessage,
    thread?: { ts: string; broadcast?: boolean },
  ): Promise<SlackPosted>;
  /** Replaces a message (channel id and ts from post). */
  update(channel: string, ts: string, message: SlackMessage): Promise<void>;
}

export interface SlackSenderOptions {
  readonly token: string;
  /** Base URL of the Web API, ending with "/". */
  readonly apiUrl: string;
  readonly timeoutMs?: number;
}

export function createSlackSender(o: SlackSenderOptions): SlackSender {
  const client = new WebClient(o.token, {
    slackApiUrl: o.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: o.timeoutMs ?? 10_000,
    // Its own logging would print to the console; failures reach the caller as errors.
    logLevel: LogLevel.ERROR,
  });
  return {
    async post(channel, message, thread) {
      const base = {
        channel,
        text: message.text,
        blocks: [...message.blocks],
        unfurl_links: false,
        unfurl_media: false,
      };
      const result = await client.chat.postMessage(
        thread ? { ...base, thread_ts: thread.ts, reply_broadcast: thread.broadcast ?? false } : base,
      );
      return { channel: result.channel ?? channel, ts: result.ts ?? '' };
    },
    async update(channel, ts, message) {
      await client.chat.update({ channel, ts, text: message.text, blocks: [...message.blocks] });
    },
  };
}

/** Slack errors that a retry may fix: rate limits, HTTP errors, network errors, Slack's own outages. */
const RETRYABLE_PLATFORM_ERRORS = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

export interface SlackFailure {
  readonly retryable: boolean;
  /** From a 429's Retry-After. */
  readonly retryAfterMs: number | null;
  readonly message: string;
}

/** What a failed Web API call means for retrying. */
export function classifySlackError(err: unknown): SlackFailure {
  const e = err as { code?: string; retryAfter?: number; statusCode?: number; data?: { error?: string } };
  const message = err instanceof Error ? err.message : String(err);
  switch (e.code) {
    case 'slack_webapi_rate_limited_error':
      return {
        retryable: true,
        retryAfterMs: (e.retryAfter ?? 1) * 1000,
        message: `rate limited (429): ${message}`,
      };
    case 'slack_webapi_http_error':
      return { retryable: true, retryAfterMs: null, message: `HTTP ${e.statusCode ?? '?'} from Slack` };
    case 'slack_webapi_request_error':
      return { retryable: true, retryAfterMs: null, message };
    case 'slack_webapi_platform_error': {
      const code = e.data?.error ?? 'unknown_error';
      return {
        retryable: RETRYABLE_PLATFORM_ERRORS.has(code),
        retryAfterMs: null,
        message: `Slack error: ${code}`,
      };
    }
    default:
      return { retryable: true, retryAfterMs: null, message };
  }
}

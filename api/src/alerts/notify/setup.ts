import type { Db, Logger, NotificationsConfig } from '@obshub/core';
import { CoreErrors } from '@obshub/core';
import { ApiErrors } from '../../errors.ts';
import { formatRuleError } from '../rules/rule-error.ts';
import type { Clock } from './clock.ts';
import { createMailSender } from './email.ts';
import { Notifier } from './notifier.ts';
import { loadRoutingFile, type RoutingLoadResult } from './routing-load.ts';
import type { Routing } from './routing-model.ts';
import { createSlackSender } from './slack.ts';

/**
 * The notifier as the API process runs it, from the `notifications` section
 * of the configuration: the routing file (an invalid one stops start-up with
 * every error; a missing one means no label routes), Slack when a token is
 * set, email when an SMTP URL is set. Secrets are passed on, never logged.
 */
export async function notifierFromConfig(o: {
  db: Db;
  logger: Logger;
  config: NotificationsConfig;
  clock?: Clock;
  /** The routing already loaded (api/src/alerts/start.ts watches the file); absent: the file is read here. */
  routing?: Routing;
}): Promise<Notifier> {
  const c = o.config;
  const slackApiUrl = httpUrl('notifications.slackApiUrl', c.slackApiUrl);
  const publicUrl = httpUrl('notifications.publicUrl', c.publicUrl);
  const routing = o.routing ?? requireValidRouting(await loadRoutingFile(c.routingFile, { optional: true }));
  const slack = c.slackToken
    ? createSlackSender({
        token: c.slackToken,
        apiUrl: slackApiUrl.endsWith('/') ? slackApiUrl : `${slackApiUrl}/`,
      })
    : null;
  const mail = c.smtpUrl ? createMailSender({ smtpUrl: c.smtpUrl, from: c.emailFrom }) : null;
  o.logger.info(
    {
      routingFile: c.routingFile,
      receivers: routing.receivers.size,
      slack: slack !== null,
      email: mail !== null,
    },
    'alert notifications ready',
  );
  return new Notifier({
    db: o.db,
    logger: o.logger,
    senders: { slack, mail },
    routing,
    publicUrl,
    retry: { maxAttempts: c.maxAttempts, baseDelayMs: c.retryBaseDelayMs, maxDelayMs: c.retryMaxDelayMs },
    tickIntervalMs: c.tickIntervalMs,
    ...(o.clock ? { clock: o.clock } : {}),
  });
}

/** The routing of a load, or ALERT_ROUTING_INVALID naming the first errors (file:line:col). */
export function requireValidRouting(loaded: Pick<RoutingLoadResult, 'errors' | 'routing'>): Routing {
  if (loaded.routing) return loaded.routing;
  const shown = loaded.errors.slice(0, 5).map(formatRuleError);
  const more =
    loaded.errors.length > shown.length ? ` (and ${loaded.errors.length - shown.length} more)` : '';
  throw new ApiErrors.ALERT_ROUTING_INVALID(`${shown.join('; ')}${more}`);
}

/** An http(s) URL, or a configuration error naming the setting. */
function httpUrl(setting: string, value: string): string {
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new CoreErrors.CONFIG_INVALID(`${setting} must be an http(s) URL, got "${value.slice(0, 100)}"`);
  }
  return value;
}

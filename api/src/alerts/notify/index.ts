/**
 * Alert notifications (docs/notifications.md): routing, grouping and timers,
 * silences, Slack and email delivery with retries, the delivery log, deploy
 * correlation. The Slack and email senders are reusable on their own.
 */
export { Notifier, createNotifier, type NotifierOptions, type NotifiedAlert } from './notifier.ts';
export { notifierFromConfig, requireValidRouting } from './setup.ts';
export { notifyRoutes, type NotifyRoutesOptions } from './routes.ts';
export { systemClock, type Clock } from './clock.ts';
export {
  createSlackSender,
  classifySlackError,
  type SlackSender,
  type SlackMessage,
  type SlackPosted,
} from './slack.ts';
export { createMailSender, classifyMailError, type MailSender, type MailMessage } from './email.ts';
export { escapeMrkdwn, slackLink } from './slack-message.ts';
export { escapeHtml } from './email-message.ts';
export { withRetries, backoffDelay, type RetryPolicy } from './retry.ts';
export { parseRoutingText, loadRoutingFile, EMPTY_ROUTING, type RoutingLoadResult } from './routing-load.ts';
export {
  watchRouting,
  type RoutingWatcher,
  type RoutingWatcherOptions,
  type RoutingReloadOutcome,
} from './routing-watch.ts';
export { routingFileJsonSchema, RoutingFile, ROUTING_FILE_NAME, ROUTE_DEFAULTS } from './routing-schema.ts';
export type { Routing, RouteSpec } from './routing-model.ts';
export {
  correlateDeploys,
  noDeployText,
  type DeployCorrelation,
  type CorrelatedDeploy,
} from './deploy-correlation.ts';
export { LabelMatcher, compileMatcher, matchesAll, type CompiledMatcher } from './matchers.ts';

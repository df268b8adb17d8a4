import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { DURATION_HINT, DURATION_PATTERN } from '../rules/durations.ts';
import { LabelMatcher } from './matchers.ts';

/**
 * The routing file (docs/notifications.md#the-routing-file): receivers (Slack
 * channels, email addresses) and a route tree matching alert labels, like
 * Alertmanager's `route`, simpler. alert-rules/routing.schema.json is
 * generated from this schema (`npm run rules:schema`).
 */

/** Defaults of the root route; child routes inherit from their parent. */
export const ROUTE_DEFAULTS = {
  group_by: ['alertname'],
  group_wait: '30s',
  group_interval: '5m',
  repeat_interval: '4h',
  send_resolved: true,
} as const;

export const ROUTE_LIMITS = {
  group_wait: { minMs: 0, maxMs: 3_600_000 },
  group_interval: { minMs: 1_000, maxMs: 86_400_000 },
  repeat_interval: { minMs: 60_000, maxMs: 30 * 86_400_000 },
} as const;

/** The name of the routing file in the rules folder, which the rules loader skips. */
export const ROUTING_FILE_NAME = 'routing.yaml';

/** A label name, or `...` (group by every label). */
const GROUP_BY_PATTERN = '^([a-zA-Z_][a-zA-Z0-9_]*|\\.\\.\\.)$';

const Duration = (description: string) =>
  Type.String({ pattern: DURATION_PATTERN, patternErrorMessage: DURATION_HINT, description });

const SlackChannel = Type.String({
  pattern: '^(#[a-z0-9][a-z0-9._-]{0,79}|[CG][A-Z0-9]{8,})$',
  patternErrorMessage: 'must be a Slack channel like #checkout-alerts or a channel id like C0123456789',
});
const Email = Type.String({
  maxLength: 254,
  pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$',
  patternErrorMessage: 'must be an email address',
});
const ReceiverName = (description?: string) =>
  Type.String({
    minLength: 1,
    maxLength: 128,
    pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
    patternErrorMessage: 'must be a name like shop-oncall (letters, digits, ., _, -)',
    ...(description === undefined ? {} : { description }),
  });

export const Receiver = Type.Object(
  {
    name: ReceiverName(),
    slack: Type.Optional(Type.Array(SlackChannel, { maxItems: 20, uniqueItems: true })),
    email: Type.Optional(Type.Array(Email, { maxItems: 50, uniqueItems: true })),
  },
  { additionalProperties: false, description: 'Where notifications go: Slack channels and email addresses.' },
);
export type Receiver = Static<typeof Receiver>;

const routeFields = {
  receiver: Type.Optional(ReceiverName('A receiver of the file; inherited by child routes.')),
  group_by: Type.Optional(
    Type.Array(
      Type.String({
        pattern: GROUP_BY_PATTERN,
        patternErrorMessage: 'must be a label name, or ... for every label',
      }),
      {
        maxItems: 20,
        uniqueItems: true,
        description:
          "Labels whose values form a group (one notification per group); ['...'] groups by every label. Inherited.",
      },
    ),
  ),
  group_wait: Type.Optional(
    Duration('How long a new group waits for more alerts before its first notification.'),
  ),
  group_interval: Type.Optional(Duration('Least time between two notifications of a group that changed.')),
  repeat_interval: Type.Optional(Duration('How often a group still firing, unchanged, is notified again.')),
  send_resolved: Type.Optional(Type.Boolean({ description: 'Notify when alerts resolve (default true).' })),
};

export interface RouteNode {
  matchers?: LabelMatcher[];
  continue?: boolean;
  receiver?: string;
  group_by?: string[];
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  send_resolved?: boolean;
  routes?: RouteNode[];
}

/** A child route: matchers and settings, and its own child routes. */
export const Route: TSchema = Type.Recursive(
  (Self) =>
    Type.Object(
      {
        matchers: Type.Optional(
          Type.Array(LabelMatcher, {
            maxItems: 20,
            description: 'All must match the alert labels (team, severity, service, alertname...).',
          }),
        ),
        continue: Type.Optional(
          Type.Boolean({ description: 'Keep matching the next sibling routes after this one matched.' }),
        ),
        ...routeFields,
        routes: Type.Optional(Type.Array(Self, { maxItems: 100 })),
      },
      { additionalProperties: false },
    ),
  { $id: 'Route' },
);

export const RootRoute = Type.Object(
  {
    ...routeFields,
    routes: Type.Optional(Type.Array(Route, { maxItems: 100 })),
  },
  {
    additionalProperties: false,
    description: 'The root route: every alert matches it; its settings are the defaults of every route.',
  },
);

export const RoutingFile = Type.Object(
  {
    receivers: Type.Array(Receiver, { maxItems: 200 }),
    route: RootRoute,
  },
  {
    additionalProperties: false,
    title: 'Alert routing',
    description: 'Receivers and routes of alert notifications of the hub.',
  },
);

/** alert-rules/routing.schema.json, draft-07 for editors. */
export function routingFileJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    ...(JSON.parse(JSON.stringify(RoutingFile)) as Record<string, unknown>),
  };
}

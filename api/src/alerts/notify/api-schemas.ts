import { Type, type Static } from '@sinclair/typebox';
import { LabelMatcher } from './matchers.ts';

/** Request and response schemas of the silences and deliveries API. */

const Time = Type.String({
  maxLength: 64,
  description: 'ISO 8601, epoch milliseconds, or relative (now, now-5m).',
});

export const SilenceInput = Type.Object(
  {
    matchers: Type.Array(LabelMatcher, {
      minItems: 1,
      maxItems: 20,
      description: 'All must match an alert’s labels for the silence to mute it.',
    }),
    reason: Type.String({ minLength: 1, maxLength: 1024 }),
    /** Default: now. */
    startsAt: Type.Optional(Time),
    /** Either endsAt or duration. */
    endsAt: Type.Optional(Time),
    duration: Type.Optional(
      Type.String({ maxLength: 32, description: 'How long from startsAt, e.g. 2h (instead of endsAt).' }),
    ),
    /** Only when access control is off (no teams file); otherwise the caller's name. */
    createdBy: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  },
  { additionalProperties: false },
);
export type SilenceInput = Static<typeof SilenceInput>;

export const SilencedAlert = Type.Object({
  alert: Type.String(),
  instanceId: Type.String(),
  state: Type.String(),
  labels: Type.Record(Type.String(), Type.String()),
});

export const SilenceView = Type.Object({
  id: Type.String(),
  matchers: Type.Array(LabelMatcher),
  reason: Type.String(),
  createdBy: Type.String(),
  startsAt: Type.String(),
  endsAt: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  state: Type.Union([Type.Literal('pending'), Type.Literal('active'), Type.Literal('expired')]),
  /** Alerts the notifier holds now that this silence mutes. */
  silencedAlerts: Type.Array(SilencedAlert),
});
export type SilenceView = Static<typeof SilenceView>;

export const SilencesQuery = Type.Object({
  state: Type.Union(
    [
      Type.Literal('current'),
      Type.Literal('active'),
      Type.Literal('pending'),
      Type.Literal('expired'),
      Type.Literal('all'),
    ],
    { default: 'current', description: 'current: active and pending.' },
  ),
});

export const SilencesResult = Type.Object({ silences: Type.Array(SilenceView) });
export const SilenceParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const DeliveryStatusSchema = Type.Union([
  Type.Literal('sent'),
  Type.Literal('retrying'),
  Type.Literal('failed'),
]);

export const DeliveriesQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  status: Type.Optional(DeliveryStatusSchema),
});

export const DeliveryView = Type.Object({
  id: Type.String(),
  at: Type.String(),
  groupKey: Type.String(),
  receiver: Type.String(),
  channel: Type.Union([Type.Literal('slack'), Type.Literal('email')]),
  target: Type.String(),
  kind: Type.Union([
    Type.Literal('firing'),
    Type.Literal('resolved'),
    Type.Literal('verdict'),
    Type.Literal('verdict-thread'),
  ]),
  status: DeliveryStatusSchema,
  error: Type.String(),
  attempt: Type.Integer(),
  alerts: Type.Array(Type.String()),
  service: Type.String(),
  environment: Type.String(),
});

export const DeliveriesResult = Type.Object({
  deliveries: Type.Array(DeliveryView),
  /** Targets whose latest attempt failed for good: a receiver that does not work. */
  failing: Type.Array(DeliveryView),
});

import { Type, type Static } from '@sinclair/typebox';

/** Request and response schemas of the alerts API (docs/alerting.md#api). */
const Labels = Type.Record(Type.String(), Type.String());
const NullableNumber = Type.Union([Type.Number(), Type.Null()]);
const NullableString = Type.Union([Type.String(), Type.Null()]);
const StateName = Type.Union([
  Type.Literal('inactive'),
  Type.Literal('pending'),
  Type.Literal('firing'),
  Type.Literal('resolved'),
]);

export const ActiveAlert = Type.Object({
  ruleId: Type.String(),
  instanceId: Type.String(),
  group: Type.String(),
  alert: Type.String(),
  kind: Type.String(),
  labels: Labels,
  state: StateName,
  reason: Type.String(),
  value: NullableNumber,
  threshold: NullableNumber,
  op: NullableString,
  error: NullableString,
  /** Epoch ms: when the condition started holding. */
  activeAt: Type.Number(),
  /** Epoch ms, null while pending. */
  firedAt: Type.Union([Type.Number(), Type.Null()]),
  annotations: Type.Object({
    summary: Type.String(),
    description: Type.String(),
    runbookUrl: NullableString,
  }),
  severity: NullableString,
  service: NullableString,
  environment: NullableString,
});
export const ActiveAlerts = Type.Object({ alerts: Type.Array(ActiveAlert) });

export const RuleInfo = Type.Object({
  id: Type.String(),
  hash: Type.String(),
  group: Type.String(),
  alert: Type.String(),
  kind: Type.String(),
  file: Type.String(),
  line: Type.Integer(),
  intervalMs: Type.Integer(),
  forMs: Type.Integer(),
  keepFiringForMs: Type.Integer(),
  windowMs: Type.Union([Type.Integer(), Type.Null()]),
  /** The log query, or the metric query as JSON, or the absence rule's target. */
  query: Type.String(),
  ratioOf: NullableString,
  condition: Type.Union([Type.Object({ op: Type.String(), threshold: Type.Number() }), Type.Null()]),
  recovery: NullableNumber,
  labels: Labels,
  service: NullableString,
  status: Type.Union([
    Type.Object({
      evaluatedAt: Type.Number(),
      durationMs: Type.Number(),
      outcome: Type.Union([Type.Literal('ok'), Type.Literal('no_data'), Type.Literal('error')]),
      error: NullableString,
    }),
    Type.Null(),
  ]),
  instances: Type.Object({ pending: Type.Integer(), firing: Type.Integer(), resolved: Type.Integer() }),
});
export const RulesResult = Type.Object({
  rules: Type.Array(RuleInfo),
  /** Errors of the last load or reload of the rule files and the routing file; the previous rules and routing stay active meanwhile. */
  loadErrors: Type.Array(
    Type.Object({
      file: Type.String(),
      line: Type.Integer(),
      column: Type.Integer(),
      code: Type.String(),
      message: Type.String(),
    }),
  ),
});

export const HistoryQuery = Type.Object({
  rule: Type.Optional(Type.String({ pattern: '^[0-9a-f]{16}$', description: 'Rule id' })),
  from: Type.String({ default: 'now-24h', maxLength: 64 }),
  to: Type.String({ default: 'now', maxLength: 64 }),
  limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 500 }),
});
export type HistoryQuery = Static<typeof HistoryQuery>;

export const HistoryResult = Type.Object({
  transitions: Type.Array(
    Type.Object({
      at: Type.Number(),
      ruleId: Type.String(),
      instanceId: Type.String(),
      group: Type.String(),
      alert: Type.String(),
      labels: Labels,
      from: StateName,
      to: StateName,
      reason: Type.String(),
      value: NullableNumber,
      error: NullableString,
    }),
  ),
});

export const ReloadResult = Type.Object({
  status: Type.Union([Type.Literal('changed'), Type.Literal('unchanged')]),
  added: Type.Array(Type.String()),
  changed: Type.Array(
    Type.Object({ alert: Type.String(), group: Type.String(), fields: Type.Array(Type.String()) }),
  ),
  removed: Type.Array(Type.String()),
  rules: Type.Integer(),
  /** The routing file, reloaded with the rules (docs/notifications.md#reloading-the-routing-file). */
  routing: Type.Optional(
    Type.Object({
      status: Type.Union([Type.Literal('changed'), Type.Literal('unchanged')]),
      file: Type.String(),
      receivers: Type.Integer(),
    }),
  ),
});

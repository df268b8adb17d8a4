import { Type, type Static } from '@sinclair/typebox';

/**
 * The format of rule unit test files (`hub rules test`, docs/alert-rules.md),
 * close to `promtool test rules`: rule files, input metric series in a compact
 * notation, input log records, and the alerts expected to fire at given times.
 */
const Duration = Type.String({
  pattern: '^(0|([0-9]+(ms|s|m|h|d))+)$',
  description: 'An offset from the test start, like 90s, 5m, 1h30m.',
});
const Attrs = Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]));

export const InputSeries = Type.Object(
  {
    metric: Type.String({ minLength: 1 }),
    type: Type.Union([Type.Literal('gauge'), Type.Literal('counter'), Type.Literal('histogram')], {
      default: 'gauge',
      description: 'counter: a cumulative monotonic sum; histogram: a cumulative explicit-bucket histogram.',
    }),
    unit: Type.Optional(Type.String()),
    resource: Type.Optional(Attrs),
    attributes: Type.Optional(Attrs),
    values: Type.String({
      description:
        "One value per step, space separated, promtool's expanding notation: 1 2 3, 0+10x5 (0 10 20 30 40 50), 5x3 (5 5 5 5), 100-1x3, _ (no point), _x3. Histograms: the cumulative count.",
    }),
    bounds: Type.Optional(Type.Array(Type.Number(), { minItems: 1 })),
    observe: Type.Optional(Type.Number({ description: 'Histograms: the value of every observation.' })),
  },
  { additionalProperties: false },
);
export type InputSeries = Static<typeof InputSeries>;

export const InputLog = Type.Object(
  {
    at: Type.Optional(Duration),
    from: Type.Optional(Duration),
    until: Type.Optional(Duration),
    every: Type.Optional(Duration),
    count: Type.Integer({ minimum: 1, maximum: 100_000, default: 1, description: 'Records per instant.' }),
    service: Type.String({ minLength: 1 }),
    environment: Type.Optional(Type.String()),
    version: Type.Optional(Type.String()),
    host: Type.Optional(Type.String()),
    severity: Type.Union([Type.String(), Type.Integer({ minimum: 1, maximum: 24 })], { default: 'info' }),
    body: Type.String({ default: '' }),
    attributes: Type.Optional(Attrs),
  },
  { additionalProperties: false },
);
export type InputLog = Static<typeof InputLog>;

export const ExpectedAlert = Type.Object(
  {
    exp_labels: Type.Record(Type.String(), Type.String(), { default: {} }),
    exp_annotations: Type.Optional(
      Type.Object(
        {
          summary: Type.Optional(Type.String()),
          description: Type.Optional(Type.String()),
          runbook_url: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ExpectedAlert = Static<typeof ExpectedAlert>;

export const AlertRuleTest = Type.Object(
  {
    eval_time: Duration,
    alertname: Type.String({ minLength: 1 }),
    exp_alerts: Type.Array(ExpectedAlert, { default: [] }),
  },
  { additionalProperties: false },
);

export const TestCase = Type.Object(
  {
    name: Type.Optional(Type.String()),
    interval: Type.Optional(Duration),
    input_series: Type.Array(InputSeries, { default: [] }),
    input_logs: Type.Array(InputLog, { default: [] }),
    alert_rule_test: Type.Array(AlertRuleTest, { minItems: 1 }),
  },
  { additionalProperties: false },
);
export type TestCase = Static<typeof TestCase>;

export const RuleTestFile = Type.Object(
  {
    rule_files: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      description: 'Rule files or folders, relative to this file.',
    }),
    evaluation_interval: Type.Optional(Duration),
    start: Type.Optional(
      Type.String({
        description:
          'ISO 8601 start of every test; default 2026-01-01T00:00:00Z (aligned to every interval).',
      }),
    ),
    tests: Type.Array(TestCase, { minItems: 1 }),
  },
  { additionalProperties: false, $id: 'https://obshub.dev/schemas/rule-test.json' },
);
export type RuleTestFile = Static<typeof RuleTestFile>;

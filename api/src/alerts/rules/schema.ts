import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Aggregation, Matcher } from '../../metrics/schemas.ts';
import { MAX_QUERY_LENGTH } from '../../query/parse.ts';
import { DURATION_HINT, DURATION_PATTERN } from './durations.ts';

/**
 * The alert rule file format (docs/alert-rules.md), as TypeBox schemas: the
 * loader validates with them, alert-rules/schema.json is generated from them for
 * editors, and the API will serve them. Close to Prometheus rule groups:
 *
 *   groups: [{ name, interval, labels, rules: [{ alert, kind: log | metric | absence, ... }] }]
 *
 * What a schema cannot say (a query that parses, a recovery threshold on the
 * healthy side, templates that only use known variables, unique names) is
 * checked by check-rule.ts. Field names are snake_case, as in Prometheus.
 */

/** Every default of the format, in one place; the schema's `default`s and the normalizer read them. */
export const RULE_DEFAULTS = {
  interval: '1m',
  for: '0s',
  keep_firing_for: '0s',
  no_data: 'ok',
  on_error: 'keep',
  reduce: 'avg',
  deploy_window: '30m',
} as const;

/** Bounds of the durations, checked after the syntax (docs/alert-rules.md#durations). */
export const RULE_LIMITS = {
  interval: { minMs: 10_000, maxMs: 3_600_000 },
  window: { minMs: 10_000, maxMs: 86_400_000 },
  for: { minMs: 0, maxMs: 86_400_000 },
  keep_firing_for: { minMs: 0, maxMs: 86_400_000 },
  absence_for: { minMs: 60_000, maxMs: 7 * 86_400_000 },
  deploy_window: { minMs: 0, maxMs: 86_400_000 },
} as const;

/** Prometheus label names; `__` prefixes are reserved, as there. */
export const LABEL_NAME_PATTERN = '^[a-zA-Z_][a-zA-Z0-9_]*$';
/** Alert names: like Prometheus metric names, so they read well as the alertname label. */
export const ALERT_NAME_PATTERN = '^[a-zA-Z_][a-zA-Z0-9_]*$';
/** Values of the severity label, when a rule sets it. */
export const SEVERITIES = ['critical', 'warning', 'info'] as const;

const Duration = (description: string, fallback?: string) =>
  Type.String({
    pattern: DURATION_PATTERN,
    patternErrorMessage: DURATION_HINT,
    description,
    ...(fallback === undefined ? {} : { default: fallback }),
  });

const Handling = (description: string, fallback: string) =>
  Type.Union([Type.Literal('alert'), Type.Literal('keep'), Type.Literal('ok')], {
    description,
    default: fallback,
  });

const Template = (maxLength: number, description: string) => Type.String({ maxLength, description });

export const Labels = Type.Record(
  Type.String({ pattern: LABEL_NAME_PATTERN }),
  Type.String({ maxLength: 1024 }),
  {
    additionalProperties: false,
    maxProperties: 32,
    description:
      'Labels added to every alert (of the group, or of the rule); names like Prometheus labels ([a-zA-Z_][a-zA-Z0-9_]*). ' +
      'severity, when set, is one of critical, warning, info. Routing matches on them.',
  },
);

const Annotations = Type.Object(
  {
    summary: Type.Optional(
      Template(1024, 'One line for the notification title; a template ({{$value}}, {{$labels.service}}).'),
    ),
    description: Type.Optional(Template(8192, 'Longer text for the notification body; a template.')),
    runbook_url: Type.Optional(
      Type.String({
        maxLength: 2048,
        pattern: '^https?://\\S+$',
        patternErrorMessage: 'must be an http(s) URL',
        description: 'Link to the runbook; a template too (e.g. .../{{$labels.service}}).',
      }),
    ),
  },
  { additionalProperties: false, description: 'Texts of the notifications.' },
);

const SlackChannel = Type.String({
  pattern: '^(#[a-z0-9][a-z0-9._-]{0,79}|[CG][A-Z0-9]{8,})$',
  patternErrorMessage: 'must be a Slack channel like #checkout-alerts or a channel id like C0123456789',
});
const Email = Type.String({
  maxLength: 254,
  pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$',
  patternErrorMessage: 'must be an email address',
});

const Routing = Type.Object(
  {
    slack: Type.Optional(Type.Array(SlackChannel, { maxItems: 10, uniqueItems: true })),
    email: Type.Optional(Type.Array(Email, { maxItems: 20, uniqueItems: true })),
  },
  {
    additionalProperties: false,
    description: 'Receivers for this rule, in addition to the label-based routes of the routing file.',
  },
);

export const CONDITION_OPS = ['>', '>=', '<', '<='] as const;
export const Condition = Type.Object(
  {
    op: Type.Union(
      CONDITION_OPS.map((op) => Type.Literal(op)),
      { description: 'Quote it in YAML: op: ">".' },
    ),
    threshold: Type.Number(),
  },
  { additionalProperties: false, description: 'The alert condition: value op threshold.' },
);
export type Condition = Static<typeof Condition>;

const Recovery = Type.Number({
  description:
    'Hysteresis: once firing, the alert resolves only when the value is back past this threshold, ' +
    'which must be on the healthy side of the condition (below it for > and >=).',
});

const LogQuery = (description: string) => Type.String({ maxLength: MAX_QUERY_LENGTH, description });

/** The metric query of the metrics API (api/src/metrics/schemas.ts), without time range and step. */
export const MetricSelector = Type.Object(
  {
    metric: Type.String({ minLength: 1, maxLength: 256 }),
    service: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    environment: Type.Optional(Type.String({ maxLength: 256 })),
    matchers: Type.Optional(Type.Array(Matcher, { maxItems: 20 })),
    aggregation: Type.Optional(Aggregation),
  },
  { additionalProperties: false },
);
export type MetricSelector = Static<typeof MetricSelector>;

export const REDUCERS = ['avg', 'max', 'min', 'last', 'sum'] as const;

/** Fields every kind of rule has. */
const common = {
  alert: Type.String({
    maxLength: 128,
    pattern: ALERT_NAME_PATTERN,
    patternErrorMessage: 'must be a name like HighErrorRate (letters, digits, _)',
    description: 'The alert name, unique in its group; the alertname label.',
  }),
  for: Type.Optional(
    Duration('How long the condition must hold before the alert fires (pending).', RULE_DEFAULTS.for),
  ),
  keep_firing_for: Type.Optional(
    Duration(
      'How long the alert keeps firing after the condition stops holding.',
      RULE_DEFAULTS.keep_firing_for,
    ),
  ),
  on_error: Type.Optional(
    Handling('When the query fails: alert, keep the last state, or ok.', RULE_DEFAULTS.on_error),
  ),
  labels: Type.Optional(Labels),
  annotations: Type.Optional(Annotations),
  routing: Type.Optional(Routing),
  deploy_window: Type.Optional(
    Duration(
      'A deploy of the alerting service this long before the alert fires is linked to it; 0s: none.',
      RULE_DEFAULTS.deploy_window,
    ),
  ),
};

/** Fields of the rules that compare a value with a threshold (log and metric). */
const threshold = {
  window: Duration('The range each evaluation looks at, e.g. the last 5m.'),
  condition: Condition,
  recovery: Type.Optional(Recovery),
  no_data: Type.Optional(
    Handling(
      'When there is nothing to compare (no series, a ratio over 0): alert, keep, or ok.',
      RULE_DEFAULTS.no_data,
    ),
  ),
};

export const LogRule = Type.Object(
  {
    ...common,
    kind: Type.Literal('log'),
    query: LogQuery('A search in the log query language; matching records are counted.'),
    ratio_of: Type.Optional(
      LogQuery('A second search: the value is count(query) / count(ratio_of), e.g. errors / all.'),
    ),
    group_by: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
        maxItems: 5,
        description: 'Log fields (service, env, host, ...): one alert per distinct combination.',
      }),
    ),
    ...threshold,
  },
  { additionalProperties: false, title: 'Log rule' },
);
export type LogRule = Static<typeof LogRule>;

export const MetricRule = Type.Object(
  {
    ...common,
    kind: Type.Literal('metric'),
    query: MetricSelector,
    ratio_of: Type.Optional(MetricSelector),
    group_by: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
        maxItems: 5,
        description: 'Labels (service.name, http.route, ...): one alert per distinct combination.',
      }),
    ),
    reduce: Type.Optional(
      Type.Union(
        REDUCERS.map((r) => Type.Literal(r)),
        {
          description: "How the query's points over the window become one value.",
          default: RULE_DEFAULTS.reduce,
        },
      ),
    ),
    ...threshold,
  },
  { additionalProperties: false, title: 'Metric rule' },
);
export type MetricRule = Static<typeof MetricRule>;

export const AbsenceRule = Type.Object(
  {
    ...common,
    kind: Type.Literal('absence'),
    for: Duration('How long without data before the alert fires.'),
    service: Type.String({ minLength: 1, maxLength: 256 }),
    environment: Type.Optional(Type.String({ maxLength: 256 })),
    metric: Type.Optional(
      Type.String({ minLength: 1, maxLength: 256, description: 'Only this metric counts as data.' }),
    ),
    matchers: Type.Optional(
      Type.Array(Matcher, { maxItems: 20, description: 'With metric: only these series.' }),
    ),
    query: Type.Optional(LogQuery('Only log records matching this search count as data.')),
  },
  { additionalProperties: false, title: 'Absence rule' },
);
export type AbsenceRule = Static<typeof AbsenceRule>;

export const RULE_KINDS = ['log', 'metric', 'absence'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

/** The schema of each kind; the validator picks one by `kind` for precise messages. */
export const RULE_SCHEMAS: Readonly<Record<RuleKind, TSchema>> = {
  log: LogRule,
  metric: MetricRule,
  absence: AbsenceRule,
};

export const Rule = Type.Union([LogRule, MetricRule, AbsenceRule]);
export type Rule = Static<typeof Rule>;

const groupFields = {
  name: Type.String({
    minLength: 1,
    maxLength: 128,
    pattern: '^\\S(.*\\S)?$',
    patternErrorMessage: 'must not start or end with a space',
    description: 'Unique across all rule files.',
  }),
  interval: Type.Optional(
    Duration('How often the rules of the group are evaluated (10s to 1h).', RULE_DEFAULTS.interval),
  ),
  labels: Type.Optional(Labels),
};

export const RuleGroup = Type.Object(
  { ...groupFields, rules: Type.Array(Rule, { minItems: 1 }) },
  { additionalProperties: false },
);
export type RuleGroup = Static<typeof RuleGroup>;

export const RuleFile = Type.Object(
  { groups: Type.Array(RuleGroup) },
  { additionalProperties: false, title: 'Alert rules', description: 'An alert rule file of the hub.' },
);
export type RuleFile = Static<typeof RuleFile>;

/**
 * The file with rules left unchecked: the validator checks the structure with
 * it, then each rule with the schema of its kind, so a mistake in a log rule is
 * reported against the log rule's fields, not against three union branches.
 */
export const RuleFileShape = Type.Object(
  {
    groups: Type.Array(
      Type.Object(
        { ...groupFields, rules: Type.Array(Type.Unknown(), { minItems: 1 }) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** alert-rules/schema.json: the format as a plain JSON Schema (draft-07) for editors. */
export function ruleFileJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    // JSON round trip: drops TypeBox's symbol keys, keeps the JSON Schema.
    ...(JSON.parse(JSON.stringify(RuleFile)) as Record<string, unknown>),
  };
}

import type { Matcher } from '../../metrics/schemas.ts';
import { parseDuration } from './durations.ts';
import { contentHash, ruleId } from './identity.ts';
import { groupByLabel } from './labels.ts';
import type { AlertRule, MetricQuerySpec, RuleSource } from './model.ts';
import { RULE_DEFAULTS, type MetricSelector, type Rule } from './schema.ts';

/** What a rule takes from its group once the group is valid. */
export interface NormalizeGroup {
  readonly name: string;
  readonly intervalMs: number;
  readonly labels: Readonly<Record<string, string>>;
}

/** A rule without its id, hash and source: what the content hash covers. */
type RuleContent = AlertRule extends infer R
  ? R extends AlertRule
    ? Omit<R, 'id' | 'hash' | 'source'>
    : never
  : never;

/** Milliseconds of a duration the validator accepted. */
function ms(text: string | undefined, fallback: string): number {
  return parseDuration(text ?? fallback) as number;
}

function metricQuery(q: MetricSelector): MetricQuerySpec {
  return {
    metric: q.metric,
    service: q.service ?? null,
    environment: q.environment ?? null,
    matchers: (q.matchers ?? []).map((m): Matcher => ({ key: m.key, op: m.op, value: m.value })),
    aggregation: q.aggregation ?? null,
  };
}

/**
 * A validated rule as the evaluator will use it: defaults filled in,
 * durations in ms, the group's interval and labels folded in, id and hash set.
 */
export function normalizeRule(rule: Rule, group: NormalizeGroup, source: RuleSource): AlertRule {
  const base = {
    group: group.name,
    alert: rule.alert,
    intervalMs: group.intervalMs,
    keepFiringForMs: ms(rule.keep_firing_for, RULE_DEFAULTS.keep_firing_for),
    onError: rule.on_error ?? RULE_DEFAULTS.on_error,
    labels: { ...group.labels, ...(rule.labels ?? {}) },
    annotations: {
      summary: rule.annotations?.summary ?? null,
      description: rule.annotations?.description ?? null,
      runbookUrl: rule.annotations?.runbook_url ?? null,
    },
    routing: { slack: rule.routing?.slack ?? [], email: rule.routing?.email ?? [] },
    deployWindowMs: ms(rule.deploy_window, RULE_DEFAULTS.deploy_window),
  };
  let content: RuleContent;
  if (rule.kind === 'absence') {
    content = {
      ...base,
      kind: 'absence',
      forMs: ms(rule.for, RULE_DEFAULTS.for),
      service: rule.service,
      environment: rule.environment ?? null,
      metric: rule.metric ?? null,
      matchers: (rule.matchers ?? []).map((m): Matcher => ({ key: m.key, op: m.op, value: m.value })),
      query: rule.query ?? null,
    };
  } else {
    const threshold = {
      forMs: ms(rule.for, RULE_DEFAULTS.for),
      windowMs: ms(rule.window, RULE_DEFAULTS.interval),
      groupBy: (rule.group_by ?? []).map((field) => ({ field, label: groupByLabel(field) })),
      condition: { op: rule.condition.op, threshold: rule.condition.threshold },
      recovery: rule.recovery ?? null,
      noData: rule.no_data ?? RULE_DEFAULTS.no_data,
    };
    content =
      rule.kind === 'log'
        ? { ...base, ...threshold, kind: 'log', query: rule.query, ratioOf: rule.ratio_of ?? null }
        : {
            ...base,
            ...threshold,
            kind: 'metric',
            query: metricQuery(rule.query),
            ratioOf: rule.ratio_of ? metricQuery(rule.ratio_of) : null,
            reduce: rule.reduce ?? RULE_DEFAULTS.reduce,
          };
  }
  return { ...content, id: ruleId(group.name, rule.alert), hash: contentHash(content), source };
}

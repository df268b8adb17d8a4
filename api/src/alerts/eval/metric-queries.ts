import type { MetricAlertRule, Reducer } from '../rules/model.ts';
import {
  answerMetricRequests,
  requestKey,
  type MetricAnswer,
  type MetricBatchStats,
  type MetricRequest,
} from './metric-batch.ts';
import type { EvalContext, RuleResult, Sample } from './results.ts';

/**
 * Metric rules run through the metrics engine (api/src/metrics, queryMetric:
 * series resolution, rollups, counter resets, quantiles) over [at - window,
 * at) with the group's interval as step (at least 10 s), then each series'
 * points are reduced to one value. The engine runs as the hub itself (the
 * local admin principal: no team scoping). The queries of every rule handed
 * in (a whole evaluation round: the engine batches across groups) go through
 * metric-batch.ts: identical ones run once, and those of one metric, scope,
 * aggregation, window and step share one engine call when that gives the
 * same answer.
 */

export function reduce(values: readonly (number | null)[], how: Reducer): number | null {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (xs.length === 0) return null;
  switch (how) {
    case 'avg':
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    case 'sum':
      return xs.reduce((a, b) => a + b, 0);
    case 'max':
      return Math.max(...xs);
    case 'min':
      return Math.min(...xs);
    case 'last':
      return xs[xs.length - 1] as number;
  }
}

function keyOf(labels: Readonly<Record<string, string>>, fields: readonly string[]): string {
  return JSON.stringify(fields.map((f) => labels[f] ?? ''));
}

function requestsOf(rule: MetricAlertRule): { num: MetricRequest; den: MetricRequest | null } {
  const base = {
    windowMs: rule.windowMs,
    step: Math.max(10, Math.round(rule.intervalMs / 1000)),
    fields: rule.groupBy.map((g) => g.field),
  };
  return {
    num: { ...base, spec: rule.query },
    den: rule.ratioOf ? { ...base, spec: rule.ratioOf } : null,
  };
}

export interface MetricEvalOptions {
  /** false: one engine call per distinct request (the reference batching is tested against). */
  readonly batch?: boolean;
  readonly stats?: MetricBatchStats;
}

export async function evaluateMetricRules(
  ctx: EvalContext,
  rules: readonly MetricAlertRule[],
  options: MetricEvalOptions = {},
): Promise<Map<string, RuleResult>> {
  const requests = rules.flatMap((rule) => {
    const { num, den } = requestsOf(rule);
    return den ? [num, den] : [num];
  });
  const answers = await answerMetricRequests(ctx, requests, {
    batch: options.batch ?? true,
    ...(options.stats ? { stats: options.stats } : {}),
  });
  const missing: MetricAnswer = { ok: false, message: 'no answer (internal error)' };

  const evaluate = (rule: MetricAlertRule): [string, RuleResult] => {
    const fields = rule.groupBy.map((g) => g.field);
    const req = requestsOf(rule);
    const num = answers.get(requestKey(req.num)) ?? missing;
    const den = req.den ? (answers.get(requestKey(req.den)) ?? missing) : null;
    if (!num.ok) return [rule.id, { kind: 'error', message: num.message }];
    if (den && !den.ok) return [rule.id, { kind: 'error', message: den.message }];
    const labelsOf = (series: Readonly<Record<string, string>>) =>
      Object.fromEntries(rule.groupBy.map((g) => [g.label, series[g.field] ?? '']));
    const samples: Sample[] = [];
    if (den === null) {
      for (const s of num.series ?? []) {
        const value = reduce(s.values, rule.reduce);
        samples.push({
          groupLabels: labelsOf(s.labels),
          obs: value === null ? { kind: 'no_data' } : { kind: 'value', value },
        });
      }
    } else {
      // Per group: numerator / denominator; a group without numerator series counts 0.
      const numerators = new Map(
        (num.series ?? []).map((s) => [keyOf(s.labels, fields), reduce(s.values, rule.reduce)]),
      );
      for (const s of (den.ok ? den.series : undefined) ?? []) {
        const d = reduce(s.values, rule.reduce);
        const n = numerators.get(keyOf(s.labels, fields)) ?? 0;
        samples.push({
          groupLabels: labelsOf(s.labels),
          obs: d === null || d === 0 || n === null ? { kind: 'no_data' } : { kind: 'value', value: n / d },
        });
      }
    }
    if (samples.length === 0 && fields.length === 0)
      samples.push({ groupLabels: {}, obs: { kind: 'no_data' } });
    return [rule.id, { kind: 'samples', samples, missing: { kind: 'no_data' } }];
  };

  return new Map(rules.map(evaluate));
}

import { createHash } from 'node:crypto';
import { canonicalJson } from '../rules/identity.ts';
import type { AlertRule } from '../rules/model.ts';
import type { EvalOutcome } from './store.ts';
import type { RuleResult } from './results.ts';
import { inactiveInstance, step } from './transition.ts';
import type { InstanceState, Observation, StatePolicy, Transition } from './state.ts';

/**
 * Applies one rule's query result to its instances: one state-machine step
 * per instance the query returned, and one for every known instance it did not
 * return (with the result's `missing` observation: a count of 0, or no data).
 * An error steps every known instance; with on_error: alert and no instance
 * yet, a rule-level instance (the rule's labels only) is created so the error
 * is never silent. The same holds for no data with no_data: alert.
 */

export function policyOf(rule: AlertRule): StatePolicy {
  if (rule.kind === 'absence') {
    return {
      condition: { op: '>=', threshold: rule.forMs / 1000 },
      recovery: null,
      forMs: 0,
      keepFiringForMs: rule.keepFiringForMs,
      noData: 'keep',
      onError: rule.onError,
    };
  }
  return {
    condition: rule.condition,
    recovery: rule.recovery,
    forMs: rule.forMs,
    keepFiringForMs: rule.keepFiringForMs,
    noData: rule.noData,
    onError: rule.onError,
  };
}

export function instanceLabels(
  rule: AlertRule,
  groupLabels: Readonly<Record<string, string>>,
): Record<string, string> {
  return { alertname: rule.alert, ...rule.labels, ...groupLabels };
}

/** 16 hex digits from the rule id and the instance's labels. */
export function instanceId(ruleId: string, labels: Readonly<Record<string, string>>): string {
  return createHash('sha256')
    .update(`${ruleId}\u0000${canonicalJson(labels)}`)
    .digest('hex')
    .slice(0, 16);
}

export interface Applied {
  readonly instances: Map<string, InstanceState>;
  readonly changed: InstanceState[];
  readonly transitions: Array<{ state: InstanceState; transition: Transition }>;
  readonly outcome: EvalOutcome;
  readonly error: string | null;
}

export function applyResult(
  rule: AlertRule,
  known: ReadonlyMap<string, InstanceState>,
  result: RuleResult,
  at: number,
): Applied {
  const policy = policyOf(rule);
  const instances = new Map(known);
  const changed: InstanceState[] = [];
  const transitions: Applied['transitions'] = [];
  const seen = new Set<string>();
  const apply = (labels: Record<string, string>, obs: Observation): void => {
    const id = instanceId(rule.id, labels);
    seen.add(id);
    const prev =
      instances.get(id) ??
      inactiveInstance({
        ruleId: rule.id,
        ruleHash: rule.hash,
        instanceId: id,
        group: rule.group,
        alert: rule.alert,
        kind: rule.kind,
        labels,
      });
    const r = step({ ...prev, ruleHash: rule.hash, group: rule.group }, obs, policy, at);
    instances.set(id, r.next);
    if (r.changed) changed.push(r.next);
    if (r.transition) transitions.push({ state: r.next, transition: r.transition });
  };

  if (result.kind === 'error') {
    const obs: Observation = { kind: 'error', message: result.message };
    if (known.size === 0 && policy.onError === 'alert') apply(instanceLabels(rule, {}), obs);
    for (const s of known.values()) apply({ ...s.labels }, obs);
    return { instances, changed, transitions, outcome: 'error', error: result.message };
  }
  for (const sample of result.samples) apply(instanceLabels(rule, sample.groupLabels), sample.obs);
  for (const s of known.values()) if (!seen.has(s.instanceId)) apply({ ...s.labels }, result.missing);
  const anyValue =
    result.samples.some((s) => s.obs.kind === 'value') ||
    (result.samples.length === 0 && result.missing.kind === 'value');
  if (!anyValue && known.size === 0 && policy.noData === 'alert' && result.samples.length === 0) {
    apply(instanceLabels(rule, {}), { kind: 'no_data' });
  }
  return { instances, changed, transitions, outcome: anyValue ? 'ok' : 'no_data', error: null };
}

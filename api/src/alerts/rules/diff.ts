import { canonicalJson } from './identity.ts';
import type { AlertRule, RuleSet } from './model.ts';

/**
 * What changed between two rule sets, by rule identity (group and alert name,
 * see identity.ts): the scheduler keeps the state (pending, firing, last
 * value) of unchanged rules across a reload, and decides for changed ones from
 * the fields that changed (a new summary keeps the state, a new query does not).
 */
export interface ChangedRule {
  readonly before: AlertRule;
  readonly after: AlertRule;
  /** Top-level fields whose values differ, e.g. ['annotations'] or ['query', 'windowMs']. */
  readonly fields: readonly string[];
}

export interface RuleSetDiff {
  readonly added: readonly AlertRule[];
  readonly removed: readonly AlertRule[];
  readonly changed: readonly ChangedRule[];
  readonly unchanged: readonly AlertRule[];
}

/** Fields that say where a rule is written or who it is, not what it does. */
const NOT_CONTENT = new Set(['id', 'hash', 'source']);

function changedFields(before: AlertRule, after: AlertRule): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const b = before as unknown as Record<string, unknown>;
  const a = after as unknown as Record<string, unknown>;
  return [...keys].filter((k) => !NOT_CONTENT.has(k) && canonicalJson(b[k]) !== canonicalJson(a[k])).sort();
}

/** True when nothing was added, removed or changed. */
export function isEmptyDiff(diff: RuleSetDiff): boolean {
  return diff.added.length === 0 && diff.removed.length === 0 && diff.changed.length === 0;
}

export function diffRuleSets(before: RuleSet, after: RuleSet): RuleSetDiff {
  const old = new Map(before.rules.map((r) => [r.id, r]));
  const added: AlertRule[] = [];
  const changed: ChangedRule[] = [];
  const unchanged: AlertRule[] = [];
  for (const rule of after.rules) {
    const previous = old.get(rule.id);
    if (previous === undefined) added.push(rule);
    else if (previous.hash === rule.hash) unchanged.push(rule);
    else changed.push({ before: previous, after: rule, fields: changedFields(previous, rule) });
    old.delete(rule.id);
  }
  return { added, removed: [...old.values()], changed, unchanged };
}

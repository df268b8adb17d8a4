import { describe, expect, it } from 'vitest';
import { diffRuleSets, isEmptyDiff, parseRuleText, type RuleSet } from '../../src/alerts/rules/index.ts';
import { groupWith, logRule } from './helpers.ts';

function ruleSet(...files: [name: string, text: string][]): RuleSet {
  const parsed = files.map(([name, text]) => parseRuleText(text, name));
  for (const p of parsed) expect(p.errors).toEqual([]);
  const groups = parsed.flatMap((p) => p.groups);
  return { files: files.map(([name]) => name), groups, rules: groups.flatMap((g) => g.rules) };
}

const base = groupWith(logRule('A') + logRule('B') + logRule('C'));

describe('diffRuleSets', () => {
  it('the same rules are unchanged, even reformatted, reordered, commented or moved to another file', () => {
    const before = ruleSet(['a.yaml', base]);
    const reformatted =
      '# moved and reformatted\n' +
      groupWith(
        logRule('C') +
          logRule('B').replace("'service:checkout severity:>=error'", '"service:checkout severity:>=error"') +
          logRule('A').replace("{ op: '>', threshold: 10 }", '\n          threshold: 10\n          op: ">"'),
      );
    const after = ruleSet(['b.yaml', reformatted]);
    const diff = diffRuleSets(before, after);
    expect(diff.unchanged.map((r) => r.alert).sort()).toEqual(['A', 'B', 'C']);
    expect(isEmptyDiff(diff)).toBe(true);
    // The source moved; identity and hash did not.
    const a0 = before.rules.find((r) => r.alert === 'A');
    const a1 = after.rules.find((r) => r.alert === 'A');
    expect(a1?.id).toBe(a0?.id);
    expect(a1?.hash).toBe(a0?.hash);
    expect(a1?.source).not.toEqual(a0?.source);
  });

  it('tells added, removed and changed rules apart, with the fields that changed', () => {
    const before = ruleSet(['a.yaml', base]);
    const edited = groupWith(
      logRule('A', "        annotations: { summary: 'now with a summary' }\n") +
        logRule('B').replace('window: 5m', 'window: 10m').replace('severity:>=error', 'severity:>=warn') +
        logRule('D'),
    );
    const diff = diffRuleSets(before, ruleSet(['a.yaml', edited]));
    expect(diff.added.map((r) => r.alert)).toEqual(['D']);
    expect(diff.removed.map((r) => r.alert)).toEqual(['C']);
    expect(diff.unchanged).toEqual([]);
    expect(diff.changed.map((c) => [c.after.alert, c.fields])).toEqual([
      ['A', ['annotations']],
      ['B', ['query', 'windowMs']],
    ]);
    expect(isEmptyDiff(diff)).toBe(false);
  });

  it('a group setting is part of every rule of the group', () => {
    const before = ruleSet(['a.yaml', base]);
    const diff = diffRuleSets(before, ruleSet(['a.yaml', base.replace('interval: 1m', 'interval: 30s')]));
    expect(diff.changed.map((c) => [c.after.alert, c.fields])).toEqual([
      ['A', ['intervalMs']],
      ['B', ['intervalMs']],
      ['C', ['intervalMs']],
    ]);
  });

  it('the same alert name in another group is another rule', () => {
    const before = ruleSet(['a.yaml', base]);
    const after = ruleSet(['a.yaml', base.replace('name: shop', 'name: shop2')]);
    const diff = diffRuleSets(before, after);
    expect(diff.added).toHaveLength(3);
    expect(diff.removed).toHaveLength(3);
  });
});

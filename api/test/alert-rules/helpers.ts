import { parseRuleText } from '../../src/alerts/rules/load.ts';
import type { RuleError } from '../../src/alerts/rules/rule-error.ts';

/** 1-based line and column of the nth occurrence (from 0) of `needle` in `text`. */
export function pos(text: string, needle: string, nth = 0): { line: number; column: number } {
  let index = -1;
  for (let i = 0; i <= nth; i++) {
    index = text.indexOf(needle, index + 1);
    if (index < 0) throw new Error(`${JSON.stringify(needle)} (#${nth}) is not in the text`);
  }
  const before = text.slice(0, index);
  return { line: before.split('\n').length, column: index - before.lastIndexOf('\n') };
}

/** The errors of a rule file's text, as `rules.yaml`. */
export function errorsOf(text: string): RuleError[] {
  return [...parseRuleText(text, 'rules.yaml').errors];
}

/** The only error of a text (fails when there are none or several). */
export function onlyError(text: string): RuleError {
  const errors = errorsOf(text);
  if (errors.length !== 1) {
    throw new Error(
      `expected one error, got ${errors.length}:\n${errors.map((e) => `${e.line}:${e.column} ${e.message}`).join('\n')}`,
    );
  }
  return errors[0] as RuleError;
}

/** A file with one group `shop` (interval 1m) holding the given rules, indented as list items under rules:. */
export function groupWith(rules: string, groupExtra = ''): string {
  return `groups:\n  - name: shop\n    interval: 1m\n${groupExtra}    rules:\n${rules}`;
}

/** A valid log rule, as list-item lines; `extra` lines are added at its end (indented by 8). */
export function logRule(name = 'HighErrorRate', extra = ''): string {
  return (
    `      - alert: ${name}\n` +
    `        kind: log\n` +
    `        query: 'service:checkout severity:>=error'\n` +
    `        window: 5m\n` +
    `        condition: { op: '>', threshold: 10 }\n` +
    extra
  );
}

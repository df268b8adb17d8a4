import { Type, type Static } from '@sinclair/typebox';
import { RE2JS } from 're2js';
import { LABEL_NAME_PATTERN } from '../rules/schema.ts';

/**
 * Label matchers, as in Alertmanager: `name op value` with =, !=, =~, !~.
 * Regular expressions are anchored (the whole value must match), as there;
 * they are RE2 syntax, as in Alertmanager, matched by re2js in time linear in
 * the label's length (a silence is written by any team member: a backtracking
 * engine would let `(.*.*)*x` stall the process), compiled once. A label the alert
 * does not have has the value "" (so `env!~".+"` matches alerts without env).
 */
export const MATCHER_OPS = ['=', '!=', '=~', '!~'] as const;
export type MatcherOp = (typeof MATCHER_OPS)[number];

export const LabelMatcher = Type.Object(
  {
    name: Type.String({ pattern: LABEL_NAME_PATTERN, maxLength: 128, description: 'A label name.' }),
    op: Type.Union([Type.Literal('='), Type.Literal('!='), Type.Literal('=~'), Type.Literal('!~')], {
      description: '=, !=, =~ (regular expression, anchored), !~.',
    }),
    value: Type.String({ maxLength: 1024 }),
  },
  { additionalProperties: false },
);
export type LabelMatcher = Static<typeof LabelMatcher>;

/** A matcher ready to test labels. */
export interface CompiledMatcher extends LabelMatcher {
  test(labels: Readonly<Record<string, string>>): boolean;
}

/** The anchored expression, or the reason it does not compile. */
export function compilePattern(value: string): RE2JS | string {
  try {
    return RE2JS.compile(value);
  } catch (err) {
    return (err as Error).message;
  }
}

/** Compiles one matcher; throws a plain Error (with the reason) on a bad regular expression. */
export function compileMatcher(m: LabelMatcher): CompiledMatcher {
  let test: (value: string) => boolean;
  if (m.op === '=' || m.op === '!=') {
    const equal = m.op === '=';
    test = (v) => (v === m.value) === equal;
  } else {
    const re = compilePattern(m.value);
    if (typeof re === 'string')
      throw new Error(`invalid regular expression ${JSON.stringify(m.value)}: ${re}`);
    const positive = m.op === '=~';
    test = (v) => re.matches(v) === positive;
  }
  return {
    name: m.name,
    op: m.op,
    value: m.value,
    test: (labels) => test(Object.hasOwn(labels, m.name) ? (labels[m.name] as string) : ''),
  };
}

/** Whether every matcher matches (an empty list matches everything). */
export function matchesAll(
  matchers: readonly CompiledMatcher[],
  labels: Readonly<Record<string, string>>,
): boolean {
  return matchers.every((m) => m.test(labels));
}

/** `service="checkout"`, for messages and Slack. */
export function matcherText(m: LabelMatcher): string {
  return `${m.name}${m.op}${JSON.stringify(m.value)}`;
}

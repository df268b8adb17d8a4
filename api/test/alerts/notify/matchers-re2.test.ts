import { describe, expect, it } from 'vitest';
import { compileMatcher, compilePattern, matchesAll } from '../../../src/alerts/notify/matchers.ts';

describe('label matchers (RE2)', () => {
  it('matches a pattern that backtracks catastrophically in a JavaScript RegExp, in linear time', () => {
    // With `new RegExp('^(?:(.*.*)*x)$')` this test call never returned on a 24-character value.
    const m = compileMatcher({ name: 'instance', op: '=~', value: '(.*.*)*x' });
    expect(m.test({ instance: 'checkout-7f9c8d6b5-abcde'.repeat(40) })).toBe(false);
    expect(m.test({ instance: 'checkout-7f9c8d6b5-abcdex' })).toBe(true);
    const nested = compileMatcher({ name: 'instance', op: '!~', value: '(a+)+b' });
    expect(nested.test({ instance: 'a'.repeat(5000) })).toBe(true);
  });

  it('keeps the anchored semantics and the missing-label-is-empty rule', () => {
    const re = (value: string, labels: Record<string, string>) =>
      matchesAll([compileMatcher({ name: 'service', op: '=~', value })], labels);
    expect(re('check.*', { service: 'checkout' })).toBe(true);
    expect(re('check.*', { service: 'xcheckout' })).toBe(false);
    expect(re('check', { service: 'checkout' })).toBe(false);
    expect(re('a|b', { service: 'b' })).toBe(true);
    expect(re('', {})).toBe(true);
    expect(matchesAll([compileMatcher({ name: 'env', op: '!~', value: '.+' })], { service: 'x' })).toBe(true);
  });

  it('reports what RE2 does not support (lookarounds, backreferences) and bad syntax', () => {
    for (const value of ['(', '(?=a)b', '(a)\\1']) {
      expect(typeof compilePattern(value), value).toBe('string');
      expect(() => compileMatcher({ name: 'service', op: '=~', value })).toThrow(
        /invalid regular expression/,
      );
    }
  });
});

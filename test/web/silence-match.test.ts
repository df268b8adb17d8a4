import { describe, expect, it } from 'vitest';
import { badPattern, silencesOf } from '../../web/src/alerts/silence-match.ts';
import type { LabelMatcher, SilenceView } from '../../web/src/alerts/types.ts';

/** The alerts page marks silenced alerts with the notifier's matching (RE2, whole value, missing label = ""). */
function silence(matchers: LabelMatcher[]): SilenceView {
  return {
    id: 's1',
    matchers,
    reason: 'test',
    createdBy: 'alice',
    startsAt: '2026-01-01T00:00:00.000Z',
    endsAt: '2026-01-01T01:00:00.000Z',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    state: 'active',
    silencedAlerts: [],
  };
}

describe('silence matching in the browser', () => {
  it('matches whole values, negations and missing labels as the notifier does', () => {
    const labels = { service: 'checkout', host: 'web-12' };
    expect(silencesOf('i1', labels, [silence([{ name: 'host', op: '=~', value: 'web-\\d+' }])])).toHaveLength(
      1,
    );
    expect(silencesOf('i1', labels, [silence([{ name: 'host', op: '=~', value: 'web' }])])).toHaveLength(0);
    expect(silencesOf('i1', labels, [silence([{ name: 'zone', op: '=', value: '' }])])).toHaveLength(1);
    expect(silencesOf('i1', labels, [silence([{ name: 'service', op: '!~', value: 'pay.*' }])])).toHaveLength(
      1,
    );
  });

  it('runs a catastrophic-backtracking pattern in linear time and refuses what RE2 does not support', () => {
    const hostile = silence([{ name: 'host', op: '=~', value: '(.*.*)*x' }]);
    // With a backtracking engine this call does not return for minutes on 40 characters.
    expect(silencesOf('i1', { host: 'a'.repeat(40) }, [hostile])).toHaveLength(0);
    expect(badPattern({ name: 'host', op: '=~', value: '(?=a)b' })).toBeTypeOf('string');
    expect(badPattern({ name: 'host', op: '=~', value: 'web-[0-9]+' })).toBeUndefined();
    expect(badPattern({ name: 'host', op: '=', value: '(' })).toBeUndefined();
  });
});

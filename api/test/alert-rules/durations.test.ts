import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DURATION_PATTERN, formatDuration, parseDuration } from '../../src/alerts/rules/durations.ts';

describe('parseDuration', () => {
  it.each([
    ['0', 0],
    ['0s', 0],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1h0m', 3_600_000],
    ['90s', 90_000],
    ['250ms', 250],
    ['1m30s500ms', 90_500],
    ['2d', 172_800_000],
    ['1w', 604_800_000],
    ['1y', 31_536_000_000],
    ['1d2h3m4s5ms', 93_784_005],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    '',
    '5',
    '00',
    '5 minutes',
    '5min',
    '1.5h',
    '5M',
    '30m1h',
    '1h1h',
    '-5m',
    ' 5m',
    '5m ',
    'PT5M',
    '1m30',
    'ms',
    'm',
    '5mm',
    '99999999999999999999y',
  ])('%j is not a duration', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('the JSON-schema pattern accepts exactly what parseDuration accepts (short strings over the duration alphabet)', () => {
    expect(new RegExp(DURATION_PATTERN).test('999999999y')).toBe(true);
    expect(parseDuration('999999999y')).toBeUndefined();
    const pattern = new RegExp(DURATION_PATTERN);
    const alphabet = fc.constantFrom(...'0123456789ywdhms .-'.split(''));
    fc.assert(
      fc.property(fc.string({ unit: alphabet, maxLength: 12 }), (text) => {
        // Past 2^53 ms (e.g. 999999y) parseDuration refuses what the pattern accepts: no longer exact.
        fc.pre(!/[0-9]{6}/.test(text));
        expect(parseDuration(text) !== undefined).toBe(pattern.test(text));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [250, '250ms'],
    [90_000, '1m30s'],
    [5_400_000, '1h30m'],
    [86_400_000 * 14, '14d'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips through parseDuration', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * 365 * 86_400_000 }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toBe(ms);
      }),
    );
  });

  it('refuses what is not a whole non-negative number of ms', () => {
    expect(() => formatDuration(-1)).toThrow(RangeError);
    expect(() => formatDuration(1.5)).toThrow(RangeError);
  });
});

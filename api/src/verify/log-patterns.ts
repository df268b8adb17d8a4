/**
 * The new-error-patterns signal: candidate error log patterns (patterns.ts)
 * never seen in the baseline, each with its count and one example. Patterns
 * with at least minOccurrences count; failAt counted patterns fail the check,
 * so a single one-off message does not.
 */
import { formatCount } from './format.ts';
import { groupPatterns, newPatterns } from './patterns.ts';
import type { NewPattern, SignalResult, Status, VerifyConfig, WindowData } from './types.ts';

export const LOG_PATTERNS_TEST =
  'error log bodies grouped by masked pattern; patterns absent from the baseline';

const MAX_REPORTED = 20;

function shorten(text: string, max = 120): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function judgeLogPatterns(
  baseline: WindowData,
  candidate: WindowData,
  config: VerifyConfig['logPatterns'],
): SignalResult {
  const fresh = newPatterns(baseline.logs, candidate.logs);
  const patterns: NewPattern[] = fresh.slice(0, MAX_REPORTED).map((g) => ({
    pattern: g.pattern,
    count: g.count,
    example: g.example,
    counted: g.count >= config.minOccurrences,
  }));
  const counted = fresh.filter((g) => g.count >= config.minOccurrences);
  const status: Status = counted.length >= config.failAt ? 'fail' : 'pass';
  const linesB = baseline.logs.reduce((s, l) => s + l.count, 0);
  const linesC = candidate.logs.reduce((s, l) => s + l.count, 0);

  let detail: string;
  if (fresh.length === 0) detail = 'none';
  else {
    const shown = (counted.length > 0 ? counted : fresh).slice(0, 3);
    const list = shown.map(
      (g) => `"${shorten(g.pattern)}" ×${formatCount(g.count)}, e.g. "${shorten(g.example)}"`,
    );
    const below = fresh.length - counted.length;
    const rest = below > 0 ? `${below} seen fewer than ${config.minOccurrences} times, not counted` : '';
    detail =
      counted.length > 0
        ? `${counted.length} (${list.join('; ')}${rest ? `; ${rest}` : ''})`
        : `none counted (${rest}: ${list.join('; ')})`;
  }
  return {
    signal: 'new_log_patterns',
    status,
    required: config.required,
    test: LOG_PATTERNS_TEST,
    baseline: { value: groupPatterns(baseline.logs).length, requests: linesB },
    candidate: { value: counted.length, requests: linesC },
    effect: null,
    pValue: null,
    needed: null,
    patterns,
    sentence: `new error log patterns: ${detail} — ${status}`,
  };
}

/**
 * Error log patterns: a log body becomes a pattern by masking what varies
 * between occurrences of the same message (uuids, emails, IPs, URLs' query
 * values, quoted values, hex ids, durations, numbers and tokens that mix
 * letters with digits) and normalising white space. Regex masking rather
 * than a learned template tree (Drain): deterministic, independent of the
 * order logs arrive in, and the same body always gives the same pattern on
 * the baseline and the candidate side, which is what "never seen before"
 * needs.
 */
import type { LogBody } from './types.ts';

/** Applied in order; earlier masks protect their text from later ones. */
const MASKS: ReadonlyArray<[RegExp, string]> = [
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  [/\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b/g, '<email>'],
  [/\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b/g, '<ip>'],
  [/\b(?:[0-9a-f]{1,4}:){2,7}[0-9a-f]{1,4}\b/gi, '<ip>'],
  [/"(?:[^"\\]|\\.)*"/g, '"<str>"'],
  [/(^|[\s=:(,[])'(?:[^'\\]|\\.)*'/g, "$1'<str>'"],
  [/\b0x[0-9a-f]+\b/gi, '<hex>'],
  [/\b[0-9a-f]*\d[0-9a-f]*[a-f][0-9a-f]*\b|\b[0-9a-f]*[a-f][0-9a-f]*\d[0-9a-f]*\b/gi, '<hex>'],
  [/\b\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h|d)\b/g, '<duration>'],
  [/\b[A-Za-z_-]+\d[\w-]*\b|\b\d+[A-Za-z_-][\w-]*\b/g, '<id>'],
  [/[-+]?\b\d+(?:\.\d+)?\b/g, '<num>'],
];

/** The pattern of one log body. */
export function logPattern(body: string): string {
  let text = body;
  for (const [re, replacement] of MASKS) text = text.replace(re, replacement);
  return text.replace(/\s+/g, ' ').trim();
}

export interface PatternGroup {
  pattern: string;
  count: number;
  /** The first body seen with this pattern (in input order, so deterministic). */
  example: string;
}

/** Groups log bodies (with their counts) by pattern; sorted by count, then pattern. */
export function groupPatterns(logs: readonly LogBody[]): PatternGroup[] {
  const groups = new Map<string, PatternGroup>();
  for (const { body, count } of logs) {
    const pattern = logPattern(body);
    const group = groups.get(pattern);
    if (group) group.count += count;
    else groups.set(pattern, { pattern, count, example: body });
  }
  return [...groups.values()].sort(
    (a, b) => b.count - a.count || (a.pattern < b.pattern ? -1 : a.pattern > b.pattern ? 1 : 0),
  );
}

/** Patterns of the candidate never seen in the baseline. */
export function newPatterns(baseline: readonly LogBody[], candidate: readonly LogBody[]): PatternGroup[] {
  const known = new Set(groupPatterns(baseline).map((g) => g.pattern));
  return groupPatterns(candidate).filter((g) => !known.has(g.pattern));
}

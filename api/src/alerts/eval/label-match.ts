import type { Matcher } from '../../metrics/schemas.ts';

/**
 * Label matchers applied in Node to the labels of a batched metric answer
 * (metric-batch.ts), with the same meaning they have in the metrics engine's
 * SQL (api/src/metrics/series.ts): a missing label is '', `=~` and `!~` are
 * anchored. ClickHouse matches with RE2, Node with its own engine: the two
 * agree on the plain subset accepted here (literals, `.`, classes without
 * POSIX names, alternation, groups without `(?`, the usual quantifiers,
 * `\d` and `\w`), and only on printable ASCII values (RE2 in ClickHouse may
 * see bytes where Node sees characters, and `.` differs on `\r`). A matcher outside that subset is never
 * evaluated here: its rule is queried on its own.
 */

/** Characters and escapes of the regex subset RE2 and JavaScript read alike. */
const PLAIN_REGEX = /^(?:[A-Za-z0-9_\-/.:,|()*+?[\]^$ =@%#~!<>&;']|\\[.\-/dw\\|()*+?[\]^${}])*$/;

/** A compiled matcher: 'unknown' when this value cannot be judged in Node exactly as in SQL. */
export type LabelTest = (value: string) => boolean | 'unknown';

/** Printable ASCII: `.` and negated classes treat \r, \n and multi-byte characters differently in RE2. */
const PRINTABLE = /^[\x20-\x7e]*$/;

export function compileMatcher(m: Matcher): LabelTest | null {
  switch (m.op) {
    case '=':
      return (v) => v === m.value;
    case '!=':
      return (v) => v !== m.value;
    case '=~':
    case '!~': {
      // `(?` flags and lookarounds, POSIX classes, and `[]` / `[^]` (a literal `]` in RE2, empty in JS).
      if (!PLAIN_REGEX.test(m.value) || /\(\?|\[:|\[\^?\]/.test(m.value)) return null;
      let re: RegExp;
      try {
        re = new RegExp(`^(?:${m.value})$`);
      } catch {
        return null;
      }
      const negate = m.op === '!~';
      return (v) => (PRINTABLE.test(v) ? re.test(v) !== negate : 'unknown');
    }
  }
}

/** The key of a matcher for comparing matchers of different rules. */
export function matcherKey(m: Matcher): string {
  return JSON.stringify([m.key, m.op, m.value]);
}

import fc from 'fast-check';

/** Tokens of the search language and the characters that stress it. */
const TOKENS = [
  'a',
  'timeout',
  'Error',
  'service',
  'x',
  'http.response.status_code',
  'k8s.pod.name',
  'user_id',
  'severity',
  'status',
  'body',
  'trace_id',
  '500',
  '-1.5',
  'warn',
  'error',
  '*',
  'a*b',
  ':',
  ':>',
  ':>=',
  ':<',
  ':<=',
  ':*',
  '"',
  '\\',
  '\\"',
  "'",
  '(',
  ')',
  '-',
  ' ',
  ' ',
  ' ',
  '\t',
  'AND',
  'OR',
  'NOT',
  'and',
  '%',
  '_',
  ';',
  '--',
  '/*',
  '`',
  '😀',
  '\u0000',
];

/** Strings assembled from tokens: mostly near-valid queries, often broken in interesting places. */
export const queryLike: fc.Arbitrary<string> = fc
  .array(fc.constantFrom(...TOKENS), { maxLength: 24 })
  .map((parts) => parts.join(''));

/** Field names, aliases and attributes, for generating well-formed terms. */
const FIELDS = [
  'service',
  'env',
  'version',
  'host',
  'severity',
  'level',
  'severity_text',
  'body',
  'message',
  'trace_id',
  'span_id',
  'status',
  'http.response.status_code',
  'event_name',
  'scope',
  'service.namespace',
  'instance',
  'user_id',
  'duration_ms',
  'k8s.pod.name',
  'constructor',
  '__proto__',
];

const VALUES = [
  'checkout',
  'warn',
  'error',
  'ERROR',
  '17',
  '500',
  '1.5',
  '-3',
  '1e3',
  'abc',
  'a*',
  '*b',
  'a*b',
  'x_y%',
  'u-1',
  "it's",
  '\\',
];

const quote = (v: string): string => `"${v.replace(/[\\"]/g, '\\$&')}"`;

const term: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('timeout', 'login', 'conn*refused', 'a', '*'),
  fc.string({ maxLength: 8 }).map(quote),
  fc
    .tuple(
      fc.constantFrom(...FIELDS),
      fc.constantFrom('', '>', '>=', '<', '<='),
      fc.oneof(fc.constantFrom(...VALUES), fc.string({ maxLength: 6 }).map(quote)),
    )
    .map(([f, op, v]) => `${f}:${op}${v}`),
  fc.constantFrom(...FIELDS).map((f) => `${f}:*`),
);

/** Well-formed queries (compile may still refuse a value): terms combined with operators. */
export const wellFormedQuery: fc.Arbitrary<string> = fc.letrec<{ q: string }>((tie) => ({
  q: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    term,
    fc.tuple(tie('q'), fc.constantFrom(' ', ' AND ', ' OR '), tie('q')).map(([a, op, b]) => `${a}${op}${b}`),
    tie('q').map((q) => `(${q})`),
    tie('q').map((q) => `NOT (${q})`),
    tie('q').map((q) => `-(${q})`),
  ),
})).q;

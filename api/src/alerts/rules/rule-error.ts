/**
 * A problem found in a rule file, with where it is. Codes are stable (tests and
 * `hub rules check --format json` use them; docs/errors.md lists them); the
 * message is for people and may change.
 */
export const RULE_ERROR_CODES = {
  /** The file cannot be read, is empty, or is not a mapping with groups. */
  FILE: 'HUB_RULES_FILE',
  /** Not valid YAML (the YAML parser's message). */
  YAML: 'HUB_RULES_YAML',
  /** The structure does not match the format: unknown field, wrong type, missing field, value not allowed. */
  SCHEMA: 'HUB_RULES_SCHEMA',
  /** A duration that does not parse, or is outside its bounds. */
  DURATION: 'HUB_RULES_DURATION',
  /** A log search that does not parse or compile, or an unknown group_by field. */
  QUERY: 'HUB_RULES_QUERY',
  /** A summary, description or runbook_url template that does not compile or uses unknown variables. */
  TEMPLATE: 'HUB_RULES_TEMPLATE',
  /** Two rules with one name in a group, or two groups with one name. */
  DUPLICATE: 'HUB_RULES_DUPLICATE',
  /** A recovery threshold on the wrong side of the condition. */
  THRESHOLD: 'HUB_RULES_THRESHOLD',
  /** A reserved or clashing label name, or a severity that is not critical, warning or info. */
  LABEL: 'HUB_RULES_LABEL',
  /** Routing file: a route naming an unknown receiver, or a matcher whose regular expression does not compile. */
  ROUTING: 'HUB_RULES_ROUTING',
} as const;

export type RuleErrorCode = (typeof RULE_ERROR_CODES)[keyof typeof RULE_ERROR_CODES];

export interface RuleError {
  /** The file as it was given (relative paths stay relative). */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based, in UTF-16 code units. */
  readonly column: number;
  readonly code: RuleErrorCode;
  readonly message: string;
}

/** `alert-rules/checkout.yaml:14:7: rule "HighErrorRate": for must be a duration like 5m, got "5 minutes"`. */
export function formatRuleError(error: RuleError): string {
  return `${error.file}:${error.line}:${error.column}: ${error.message}`;
}

/** Errors in reading order: by file, line, column. */
export function sortRuleErrors(errors: readonly RuleError[]): RuleError[] {
  return [...errors].sort(
    (a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line || a.column - b.column,
  );
}

/** A value as a message shows it: strings quoted and cut, lists and mappings by name. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    const cut = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return JSON.stringify(cut);
  }
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number') return `the number ${value}`;
  // Booleans, bigints, symbols, functions: nothing YAML gives besides booleans.
  return typeof value === 'boolean' ? String(value) : typeof value;
}

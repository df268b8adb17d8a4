/**
 * Alert rules as code (docs/alert-rules.md): the format, its schema, loading
 * with file:line:column errors, rule-set diffs and a folder watcher. Pure:
 * no database, no server, so `hub rules check` imports it as
 * `@obshub/api/alert-rules`.
 */
export {
  RULE_DEFAULTS,
  RULE_LIMITS,
  RULE_KINDS,
  SEVERITIES,
  CONDITION_OPS,
  REDUCERS,
  LABEL_NAME_PATTERN,
  RuleFile,
  RuleGroup,
  Rule,
  LogRule,
  MetricRule,
  AbsenceRule,
  ruleFileJsonSchema,
  type RuleKind,
} from './schema.ts';
export type {
  AlertRule,
  AlertRuleBase,
  LogAlertRule,
  MetricAlertRule,
  AbsenceAlertRule,
  MetricQuerySpec,
  GroupByLabel,
  LoadedGroup,
  RuleSet,
  RuleSource,
  Handling,
  Reducer,
} from './model.ts';
export { EMPTY_RULE_SET } from './model.ts';
export { parseDuration, formatDuration, DURATION_PATTERN } from './durations.ts';
export {
  RULE_ERROR_CODES,
  formatRuleError,
  sortRuleErrors,
  type RuleError,
  type RuleErrorCode,
} from './rule-error.ts';
export {
  parseRuleText,
  loadRules,
  listRuleFiles,
  requireValidRules,
  RULE_FILE_EXTENSIONS,
  MAX_RULE_FILE_BYTES,
  type LoadResult,
  type ParsedRuleFile,
} from './load.ts';
export { diffRuleSets, isEmptyDiff, type RuleSetDiff, type ChangedRule } from './diff.ts';
export {
  watchRules,
  DEFAULT_RELOAD_DEBOUNCE_MS,
  type RuleWatcher,
  type RuleWatcherOptions,
  type ReloadOutcome,
} from './watch.ts';
export {
  checkTemplate,
  renderTemplate,
  COMMON_VARIABLES,
  THRESHOLD_VARIABLES,
  type TemplateData,
  type TemplateScope,
  type TemplateProblem,
} from './templates.ts';
export { TEMPLATE_HELPERS } from './template-helpers.ts';
export { groupByLabel } from './labels.ts';
export { ruleId, contentHash, canonicalJson } from './identity.ts';

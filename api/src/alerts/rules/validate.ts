import { checkDuration, checkLabels, checkRule, isRecord, type CheckContext } from './check-rule.ts';
import type { AlertRule, LoadedGroup } from './model.ts';
import { normalizeRule } from './normalize.ts';
import type { Reporter } from './reporter.ts';
import { RULE_ERROR_CODES as CODES, describeValue, type RuleErrorCode } from './rule-error.ts';
import { DURATION_PATTERN } from './durations.ts';
import {
  LABEL_NAME_PATTERN,
  RULE_DEFAULTS,
  RULE_KINDS,
  RULE_LIMITS,
  RULE_SCHEMAS,
  RuleFileShape,
  type Rule,
  type RuleKind,
} from './schema.ts';
import { fieldName, schemaProblems, type SchemaProblem } from './schema-errors.ts';
import type { PathSegment, SourceMap } from './source-map.ts';

/**
 * Validates the parsed content of one rule file: its structure against the
 * schema, each rule against the schema of its kind, then what only code can
 * check (check-rule.ts). Every problem is reported (not only the first), each
 * with the rule or group it is in. Rules come out normalized only when their
 * group has no error.
 */

export interface ValidatedFile {
  /** Groups of the file, complete only when the file has no error. */
  readonly groups: LoadedGroup[];
  /** Each group name with the offset where it is written, for the check across files. */
  readonly groupNames: { readonly name: string; readonly path: readonly PathSegment[] }[];
  /** Rules written in the file, valid or not. */
  readonly ruleCount: number;
}

/** Field names of every kind, for "window does not apply to absence rules". */
const FIELDS_BY_KIND = Object.fromEntries(
  RULE_KINDS.map((kind) => [
    kind,
    Object.keys((RULE_SCHEMAS[kind] as unknown as { properties: object }).properties),
  ]),
) as Record<RuleKind, string[]>;

function otherKindHint(kind: RuleKind) {
  return (field: string): string | undefined => {
    const owners = RULE_KINDS.filter((k) => k !== kind && FIELDS_BY_KIND[k].includes(field));
    if (owners.length === 0) return undefined;
    return `${field} does not apply to ${kind} rules (it is a field of ${owners.join(' and ')} rules)`;
  };
}

const LABEL_NAME = new RegExp(LABEL_NAME_PATTERN);

/** A schema problem of a duration field is a duration error; every other one is about the structure. */
function codeOf(problem: SchemaProblem): RuleErrorCode {
  const duration = (problem.schema as { pattern?: unknown }).pattern === DURATION_PATTERN;
  // A missing duration field is a structure problem; a wrong value in one is a duration problem.
  return duration && problem.anchor === 'value' ? CODES.DURATION : CODES.SCHEMA;
}

function groupPrefix(group: unknown, index: number): string {
  const name = isRecord(group) ? group['name'] : undefined;
  return typeof name === 'string' ? `group ${JSON.stringify(name)}: ` : `group ${index + 1}: `;
}

function rulePrefix(rule: unknown, index: number, groupText: string): string {
  const alert = isRecord(rule) ? rule['alert'] : undefined;
  return typeof alert === 'string' && alert !== ''
    ? `rule ${JSON.stringify(alert)}: `
    : `${groupText}rule ${index + 1}: `;
}

/** Splits a path into the rule or group it is in (the message prefix) and the field inside it. */
function locate(
  data: Record<string, unknown>,
  path: readonly PathSegment[],
): { prefix: string; rel: PathSegment[]; root: string } {
  const groups = data['groups'];
  if (path[0] !== 'groups' || typeof path[1] !== 'number' || !Array.isArray(groups)) {
    return { prefix: '', rel: [...path], root: 'the file' };
  }
  const group: unknown = groups[path[1]];
  const gPrefix = groupPrefix(group, path[1]);
  const rules = isRecord(group) ? group['rules'] : undefined;
  if (path[2] === 'rules' && typeof path[3] === 'number' && Array.isArray(rules)) {
    return { prefix: rulePrefix(rules[path[3]], path[3], gPrefix), rel: path.slice(4), root: 'the rule' };
  }
  return { prefix: gPrefix, rel: path.slice(2), root: 'the group' };
}

export function validateRuleData(data: unknown, report: Reporter, map: SourceMap): ValidatedFile {
  const result: { -readonly [K in keyof ValidatedFile]: ValidatedFile[K] } = {
    groups: [],
    groupNames: [],
    ruleCount: 0,
  };
  if (data === null || data === undefined) {
    report.atOffset(CODES.FILE, 0, 'the file is empty: a rule file is a mapping with groups:');
    return result;
  }
  if (!isRecord(data)) {
    report.at(CODES.FILE, [], `a rule file must be a mapping with groups:, got ${describeValue(data)}`);
    return result;
  }

  const fieldOf = (path: readonly PathSegment[]): string => {
    const { rel, root } = locate(data, path);
    return rel.length === 0 ? root : fieldName(rel);
  };
  for (const problem of schemaProblems(RuleFileShape, data, { fieldOf })) {
    report.at(
      codeOf(problem),
      problem.path,
      locate(data, problem.path).prefix + problem.message,
      problem.anchor,
    );
  }

  const groups = Array.isArray(data['groups']) ? (data['groups'] as unknown[]) : [];
  groups.forEach((group, gi) => {
    if (!isRecord(group)) return;
    const before = report.count;
    const gPath: PathSegment[] = ['groups', gi];
    const gCtx: CheckContext = { report, path: gPath, prefix: groupPrefix(group, gi) };
    if (typeof group['name'] === 'string')
      result.groupNames.push({ name: group['name'], path: [...gPath, 'name'] });
    const intervalMs = checkDuration(
      gCtx,
      'interval',
      group['interval'] ?? RULE_DEFAULTS.interval,
      RULE_LIMITS.interval,
    );
    checkLabels(gCtx, group['labels']);
    const groupLabels = isRecord(group['labels'])
      ? (Object.fromEntries(
          Object.entries(group['labels']).filter(
            ([name, value]) => LABEL_NAME.test(name) && typeof value === 'string',
          ),
        ) as Record<string, string>)
      : {};

    const rules = Array.isArray(group['rules']) ? (group['rules'] as unknown[]) : [];
    result.ruleCount += rules.length;
    const seen = new Map<string, number>();
    const valid: { rule: Rule; path: PathSegment[] }[] = [];
    rules.forEach((rule, ri) => {
      const path: PathSegment[] = [...gPath, 'rules', ri];
      const ctx: CheckContext = { report, path, prefix: rulePrefix(rule, ri, gCtx.prefix) };
      if (!isRecord(rule)) {
        report.at(
          CODES.SCHEMA,
          path,
          `${ctx.prefix}a rule must be a mapping (alert, kind, ...), got ${describeValue(rule)}`,
        );
        return;
      }
      const start = report.count;
      const kind = rule['kind'];
      if (kind === undefined) {
        report.at(
          CODES.SCHEMA,
          [...path, 'kind'],
          `${ctx.prefix}missing required field "kind" (log, metric or absence)`,
          'parent',
        );
        return;
      }
      if (typeof kind !== 'string' || !(RULE_KINDS as readonly string[]).includes(kind)) {
        const kinds = RULE_KINDS.map((k) => JSON.stringify(k)).join(', ');
        report.at(
          CODES.SCHEMA,
          [...path, 'kind'],
          `${ctx.prefix}kind must be one of ${kinds}, got ${describeValue(kind)}`,
        );
        return;
      }
      const ruleKind = kind as RuleKind;
      const ruleFieldOf = (rel: readonly PathSegment[]): string =>
        rel.length === 0 ? 'the rule' : fieldName(rel);
      for (const problem of schemaProblems(RULE_SCHEMAS[ruleKind], rule, {
        hint: otherKindHint(ruleKind),
        fieldOf: ruleFieldOf,
      })) {
        report.at(codeOf(problem), [...path, ...problem.path], ctx.prefix + problem.message, problem.anchor);
      }
      checkRule(ctx, { intervalMs, labels: groupLabels }, ruleKind, rule);

      const alert = rule['alert'];
      if (typeof alert === 'string') {
        const first = seen.get(alert);
        if (first !== undefined) {
          const firstLine = map.position(map.valueOffset([...gPath, 'rules', first, 'alert'])).line;
          report.at(
            CODES.DUPLICATE,
            [...path, 'alert'],
            `${ctx.prefix}defined twice in ${gCtx.prefix.replace(/: $/, '')} (first on line ${firstLine})`,
          );
        } else seen.set(alert, ri);
      }
      if (report.count === start) valid.push({ rule: rule as Rule, path });
    });

    if (report.count > before || typeof group['name'] !== 'string' || intervalMs === undefined) return;
    const normalized: AlertRule[] = valid.map(({ rule, path }) => {
      const { line, column } = map.position(map.valueOffset(path));
      return normalizeRule(
        rule,
        { name: group['name'] as string, intervalMs, labels: groupLabels },
        { file: report.file, line, column },
      );
    });
    result.groups.push({ name: group['name'], file: report.file, intervalMs, rules: normalized });
  });
  return result;
}

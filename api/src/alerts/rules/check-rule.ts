import { compileQuery } from '../../query/compile.ts';
import { isQueryError } from '../../query/errors.ts';
import { LOG_FIELDS, resolveField } from '../../query/fields.ts';
import { parseQuery } from '../../query/parse.ts';
import { formatDuration, parseDuration } from './durations.ts';
import { absenceLabels, groupByLabel, isReservedLabel } from './labels.ts';
import type { Reporter } from './reporter.ts';
import { RULE_ERROR_CODES as CODES, describeValue } from './rule-error.ts';
import { CONDITION_OPS, RULE_LIMITS, SEVERITIES, type RuleKind } from './schema.ts';
import { fieldName } from './schema-errors.ts';
import type { PathSegment } from './source-map.ts';
import { COMMON_VARIABLES, THRESHOLD_VARIABLES, checkTemplate } from './templates.ts';

/**
 * What the schema cannot check in a rule: duration bounds, log queries that
 * parse and compile (errors placed at their character in the file), group_by
 * fields, the recovery threshold's side, labels, and templates against the
 * rule's variables. Reads the raw parsed value defensively: a field with a
 * schema error is skipped here, so every problem is reported once.
 */

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Where a check reports: the rule's (or group's) path and the prefix of its messages. */
export interface CheckContext {
  readonly report: Reporter;
  readonly path: readonly PathSegment[];
  /** e.g. `rule "HighErrorRate": ` */
  readonly prefix: string;
}

/** What a rule inherits from its group. */
export interface GroupContext {
  /** Undefined when the group's interval is invalid (already reported). */
  readonly intervalMs: number | undefined;
  /** The group's valid labels. */
  readonly labels: Readonly<Record<string, string>>;
}

type Limit = { readonly minMs: number; readonly maxMs: number };

function report(
  ctx: CheckContext,
  code: (typeof CODES)[keyof typeof CODES],
  rel: readonly PathSegment[],
  message: string,
  anchor: 'value' | 'key' = 'value',
): void {
  ctx.report.at(code, [...ctx.path, ...rel], ctx.prefix + message, anchor);
}

/** Bounds of a duration field that parsed; returns its milliseconds when valid. */
export function checkDuration(
  ctx: CheckContext,
  key: string,
  value: unknown,
  limit: Limit,
): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = parseDuration(value);
  if (ms === undefined) return undefined;
  if (ms < limit.minMs) {
    report(
      ctx,
      CODES.DURATION,
      [key],
      `${key} must be at least ${formatDuration(limit.minMs)}, got ${describeValue(value)}`,
    );
    return undefined;
  }
  if (ms > limit.maxMs) {
    report(
      ctx,
      CODES.DURATION,
      [key],
      `${key} must be at most ${formatDuration(limit.maxMs)}, got ${describeValue(value)}`,
    );
    return undefined;
  }
  return ms;
}

/** Reserved names and the severity value, for a group's or a rule's labels. */
export function checkLabels(ctx: CheckContext, labels: unknown): void {
  if (!isRecord(labels)) return;
  for (const [name, value] of Object.entries(labels)) {
    if (isReservedLabel(name)) {
      report(
        ctx,
        CODES.LABEL,
        ['labels', name],
        `label ${JSON.stringify(name)} is reserved: the hub sets it`,
        'key',
      );
    } else if (
      name === 'severity' &&
      typeof value === 'string' &&
      !(SEVERITIES as readonly string[]).includes(value)
    ) {
      report(
        ctx,
        CODES.LABEL,
        ['labels', name],
        `labels.severity must be one of ${SEVERITIES.map((s) => JSON.stringify(s)).join(', ')}, got ${describeValue(value)}`,
      );
    }
  }
}

/** Parses and compiles a log search, reporting an error at its character in the file. */
function checkLogQuery(ctx: CheckContext, rel: readonly PathSegment[], text: unknown): void {
  if (typeof text !== 'string') return;
  const field = fieldName(rel);
  try {
    compileQuery(parseQuery(text));
  } catch (err) {
    const path = [...ctx.path, ...rel];
    if (isQueryError(err)) {
      // "Query syntax error at position 8: expected …" → "syntax error: expected …": the position is the line:column.
      const message = err.message
        .replace(/ at position \d+/, '')
        .replace(/^Query /, '')
        .replace(/^./, (c) => c.toLowerCase());
      ctx.report.inString(CODES.QUERY, path, err.position, `${ctx.prefix}${field}: ${message}`);
    } else {
      ctx.report.inString(
        CODES.QUERY,
        path,
        0,
        `${ctx.prefix}${field} cannot be compiled: ${(err as Error).message}`,
      );
    }
  }
}

const GROUPABLE = LOG_FIELDS.filter((f) => f.kind === 'text' || f.kind === 'severity' || f.kind === 'status');

/** group_by entries as labels; log rules also check that each is a log field that can be grouped by. */
function checkGroupBy(ctx: CheckContext, kind: RuleKind, groupBy: unknown): Map<string, number> {
  const labels = new Map<string, number>();
  if (!Array.isArray(groupBy)) return labels;
  groupBy.forEach((field: unknown, i) => {
    if (typeof field !== 'string') return;
    if (kind === 'log') {
      const resolved = resolveField(field);
      if (resolved.kind === 'attribute') {
        const names = GROUPABLE.map((f) => f.names[0]).join(', ');
        return report(
          ctx,
          CODES.QUERY,
          ['group_by', i],
          `group_by: ${JSON.stringify(field)} is not a log field; one of: ${names}`,
        );
      }
      if (!GROUPABLE.some((f) => f.column === resolved.column)) {
        return report(
          ctx,
          CODES.QUERY,
          ['group_by', i],
          `group_by: cannot group by ${field}: nearly every record would be an alert of its own`,
        );
      }
    }
    const label = groupByLabel(field);
    const first = labels.get(label);
    if (first !== undefined) {
      return report(
        ctx,
        CODES.DUPLICATE,
        ['group_by', i],
        `group_by: ${JSON.stringify(field)} gives the label ${JSON.stringify(label)}, like ${JSON.stringify(groupBy[first])} before it`,
      );
    }
    labels.set(label, i);
  });
  return labels;
}

/** The recovery threshold must be on the healthy side of the condition. */
function checkRecovery(ctx: CheckContext, condition: unknown, recovery: unknown): void {
  if (!isRecord(condition) || typeof recovery !== 'number') return;
  const { op, threshold } = condition;
  if (typeof threshold !== 'number' || !(CONDITION_OPS as readonly unknown[]).includes(op)) return;
  const firesAbove = op === '>' || op === '>=';
  if (firesAbove ? recovery < threshold : recovery > threshold) return;
  const side = firesAbove ? 'below' : 'above';
  report(
    ctx,
    CODES.THRESHOLD,
    ['recovery'],
    `recovery ${recovery} must be ${side} the threshold ${threshold}: the alert fires when the value is ${String(op)} ${threshold} and recovers once it is back ${side} ${recovery}`,
  );
}

/** Checks one rule whose kind is known; returns nothing, reports through ctx. */
export function checkRule(
  ctx: CheckContext,
  group: GroupContext,
  kind: RuleKind,
  rule: Record<string, unknown>,
): void {
  const interval = group.intervalMs;
  if (kind === 'absence') {
    const forMs = checkDuration(ctx, 'for', rule['for'], RULE_LIMITS.absence_for);
    if (forMs !== undefined && interval !== undefined && forMs < interval) {
      report(
        ctx,
        CODES.DURATION,
        ['for'],
        `for ${String(rule['for'])} is shorter than the group's interval ${formatDuration(interval)}`,
      );
    }
    if (rule['metric'] !== undefined && rule['query'] !== undefined) {
      report(
        ctx,
        CODES.SCHEMA,
        ['query'],
        'use either metric or query, not both: an absence rule watches one kind of data',
      );
    }
    if (rule['matchers'] !== undefined && rule['metric'] === undefined) {
      report(ctx, CODES.SCHEMA, ['matchers'], 'matchers need a metric: they select its series');
    }
    checkLogQuery(ctx, ['query'], rule['query']);
  } else {
    checkDuration(ctx, 'for', rule['for'], RULE_LIMITS.for);
    const windowMs = checkDuration(ctx, 'window', rule['window'], RULE_LIMITS.window);
    if (windowMs !== undefined && interval !== undefined && windowMs < interval) {
      report(
        ctx,
        CODES.DURATION,
        ['window'],
        `window ${String(rule['window'])} is shorter than the group's interval ${formatDuration(interval)}: data between two evaluations would never be looked at`,
      );
    }
    if (kind === 'log') {
      checkLogQuery(ctx, ['query'], rule['query']);
      checkLogQuery(ctx, ['ratio_of'], rule['ratio_of']);
    }
    checkRecovery(ctx, rule['condition'], rule['recovery']);
  }
  checkDuration(ctx, 'keep_firing_for', rule['keep_firing_for'], RULE_LIMITS.keep_firing_for);
  checkDuration(ctx, 'deploy_window', rule['deploy_window'], RULE_LIMITS.deploy_window);
  checkLabels(ctx, rule['labels']);

  // Labels the alerts will carry, and clashes between static and computed ones.
  const own = isRecord(rule['labels']) ? rule['labels'] : {};
  const computed =
    kind === 'absence'
      ? new Map(
          absenceLabels(typeof rule['environment'] === 'string' ? rule['environment'] : undefined).map(
            (l) => [l, -1],
          ),
        )
      : checkGroupBy(ctx, kind, rule['group_by']);
  for (const [label, i] of computed) {
    const by =
      i < 0
        ? `the absence rule's ${label === 'service' ? 'service' : 'environment'}`
        : `group_by ${JSON.stringify((rule['group_by'] as unknown[])[i])}`;
    if (Object.hasOwn(own, label)) {
      report(
        ctx,
        CODES.LABEL,
        ['labels', label],
        `label ${JSON.stringify(label)} is also set by ${by}; remove one`,
        'key',
      );
    } else if (Object.hasOwn(group.labels, label) && i >= 0) {
      report(
        ctx,
        CODES.LABEL,
        ['group_by', i],
        `${by} gives the label ${JSON.stringify(label)}, which the group's labels set too`,
      );
    }
  }
  const labels = [
    ...new Set(['alertname', ...Object.keys(group.labels), ...Object.keys(own), ...computed.keys()]),
  ].sort();

  const annotations = rule['annotations'];
  if (!isRecord(annotations)) return;
  const variables =
    kind === 'absence' ? [...COMMON_VARIABLES] : [...COMMON_VARIABLES, ...THRESHOLD_VARIABLES];
  for (const key of ['summary', 'description', 'runbook_url']) {
    const text = annotations[key];
    if (typeof text !== 'string') continue;
    for (const problem of checkTemplate(text, { variables, labels })) {
      ctx.report.inString(
        CODES.TEMPLATE,
        [...ctx.path, 'annotations', key],
        problem.index,
        `${ctx.prefix}annotations.${key}: ${problem.message}`,
      );
    }
  }
}

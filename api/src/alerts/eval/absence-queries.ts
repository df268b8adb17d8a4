import { join, sql, trusted, type SqlFragment } from '@obshub/core';
import { runQuery } from '../../common/run-query.ts';
import { matchersWhere } from '../../metrics/series.ts';
import { compileSearch } from '../../query/index.ts';
import type { AbsenceAlertRule } from '../rules/model.ts';
import { canonicalJson } from '../rules/identity.ts';
import { evalBounds } from './bounds.ts';
import { errorMessage, mapLimit, type EvalContext, type RuleResult } from './results.ts';

/**
 * Absence rules, batched: for the rules handed in (a whole evaluation round:
 * the engine batches across groups), one query over the logs table (rules
 * watching logs, or a service's data of any kind) and one over metric_samples
 * (rules watching a metric, or any kind) per MAX_ABSENCE_COLUMNS columns,
 * one maxIf column per distinct (service, environment, data, look-back): the
 * time of the rules' last data point in [at - lookback, at]. The value is
 * the seconds since that point; with none in the look-back, the look-back
 * itself (a lower bound: "at least").
 */

/** How far back the last data point is looked for: twice `for`, at least `for` + 10 minutes. */
export function absenceLookbackMs(rule: AbsenceAlertRule): number {
  return Math.max(2 * rule.forMs, rule.forMs + 600_000);
}

function serviceWhere(rule: AbsenceAlertRule): SqlFragment {
  return rule.environment === null
    ? sql`service_name = ${rule.service}`
    : sql`service_name = ${rule.service} AND environment = ${rule.environment}`;
}

function seriesOf(rule: AbsenceAlertRule): SqlFragment {
  const metric = rule.metric === null ? trusted('1') : sql`metric_name = ${rule.metric}`;
  return sql`fingerprint IN (SELECT fingerprint FROM metric_series
    WHERE ${serviceWhere(rule)} AND ${metric} AND ${matchersWhere(rule.matchers)})`;
}

type Row = Record<string, string | number>;

/** The labels an absence alert gets from the rule: service, and env when the rule has an environment. */
export function absenceInstanceLabels(rule: AbsenceAlertRule): Record<string, string> {
  return rule.environment === null
    ? { service: rule.service }
    : { service: rule.service, env: rule.environment };
}

/** At most this many maxIf columns per query (the SQL text stays well under max_query_size). */
export const MAX_ABSENCE_COLUMNS = 100;

interface Column {
  readonly cond: SqlFragment;
  /** Epoch seconds: the start of the rule's look-back. */
  readonly since: number;
  readonly rules: AbsenceAlertRule[];
}

/** One column per distinct (data, look-back): rules of several groups watching the same service share it. */
function columnsOf(
  ctx: EvalContext,
  rules: readonly AbsenceAlertRule[],
  table: 'logs' | 'metric_samples',
  errors: Map<string, string>,
): Column[] {
  const columns = new Map<string, Column>();
  for (const rule of rules) {
    const since = Math.floor((ctx.at - absenceLookbackMs(rule)) / 1000);
    const key = canonicalJson({
      service: rule.service,
      environment: rule.environment,
      since,
      ...(table === 'logs' ? { query: rule.query } : { metric: rule.metric, matchers: rule.matchers }),
    });
    const known = columns.get(key);
    if (known) {
      known.rules.push(rule);
      continue;
    }
    try {
      const cond =
        table === 'logs'
          ? sql`${serviceWhere(rule)} AND ${compileSearch(rule.query ?? '')}`
          : rule.metric === null
            ? seriesOf(rule)
            : sql`metric_name = ${rule.metric} AND ${seriesOf(rule)}`;
      columns.set(key, { cond, since, rules: [rule] });
    } catch (err) {
      errors.set(rule.id, errorMessage(err));
    }
  }
  return [...columns.values()];
}

/** The last data point (epoch seconds, 0: none) of each column's rules, in one query. */
async function lastSeen(
  ctx: EvalContext,
  columns: readonly Column[],
  table: 'logs' | 'metric_samples',
): Promise<Map<string, number>> {
  const rules = columns.flatMap((c) => c.rules);
  const from = Math.min(...columns.map((c) => c.since));
  const maxIfs = columns.map(
    (c, i) =>
      sql`maxIf(toUInt32(timestamp), ${c.cond} AND timestamp >= toDateTime(${c.since})) AS ${trusted(`r${i}`)}`,
  );
  const narrow =
    table === 'logs'
      ? sql`service_name IN (${join(
          [...new Set(rules.map((r) => r.service))].map((s) => sql`${s}`),
          ', ',
        )})`
      : rules.every((r) => r.metric !== null)
        ? sql`metric_name IN (${join(
            [...new Set(rules.map((r) => r.metric as string))].map((m) => sql`${m}`),
            ', ',
          )})`
        : trusted('1');
  ctx.onQuery?.();
  const { rows } = await runQuery<Row>(
    ctx.db,
    sql`SELECT ${join(maxIfs, ', ')} FROM ${trusted(table)}
        WHERE timestamp >= toDateTime(${from}) AND timestamp <= toDateTime(${Math.floor(ctx.at / 1000)})
          AND ${narrow}`,
    ctx.signal,
    evalBounds(ctx, 10),
  );
  const row = rows[0] ?? {};
  return new Map(
    columns.flatMap((c, i) => c.rules.map((rule): [string, number] => [rule.id, Number(row[`r${i}`] ?? 0)])),
  );
}

/**
 * Every rule's last data point from `table`: one query per MAX_ABSENCE_COLUMNS
 * distinct columns; a failed query fails its rules (as an error message).
 */
async function lastSeenIn(
  ctx: EvalContext,
  rules: readonly AbsenceAlertRule[],
  table: 'logs' | 'metric_samples',
): Promise<{ seen: Map<string, number>; errors: Map<string, string> }> {
  const errors = new Map<string, string>();
  const columns = columnsOf(ctx, rules, table, errors);
  const chunks: Column[][] = [];
  for (let i = 0; i < columns.length; i += MAX_ABSENCE_COLUMNS) {
    chunks.push(columns.slice(i, i + MAX_ABSENCE_COLUMNS));
  }
  const seen = new Map<string, number>();
  await mapLimit(chunks, ctx.maxConcurrentQueries, async (chunk) => {
    try {
      for (const [id, t] of await lastSeen(ctx, chunk, table)) seen.set(id, t);
    } catch (err) {
      for (const c of chunk) for (const r of c.rules) errors.set(r.id, errorMessage(err));
    }
  });
  return { seen, errors };
}

export async function evaluateAbsenceRules(
  ctx: EvalContext,
  rules: readonly AbsenceAlertRule[],
): Promise<Map<string, RuleResult>> {
  const out = new Map<string, RuleResult>();
  if (rules.length === 0) return out;
  const onLogs = rules.filter((r) => r.metric === null);
  const onMetrics = rules.filter((r) => r.metric !== null || r.query === null);
  const [logs, metrics] = await Promise.all([
    lastSeenIn(ctx, onLogs, 'logs'),
    lastSeenIn(ctx, onMetrics, 'metric_samples'),
  ]);
  for (const rule of rules) {
    const error = logs.errors.get(rule.id) ?? metrics.errors.get(rule.id);
    if (error !== undefined) {
      out.set(rule.id, { kind: 'error', message: error });
      continue;
    }
    const last = Math.max(logs.seen.get(rule.id) ?? 0, metrics.seen.get(rule.id) ?? 0);
    const seconds =
      last > 0 ? Math.max(0, Math.floor(ctx.at / 1000) - last) : Math.round(absenceLookbackMs(rule) / 1000);
    out.set(rule.id, {
      kind: 'samples',
      samples: [{ groupLabels: absenceInstanceLabels(rule), obs: { kind: 'value', value: seconds } }],
      missing: { kind: 'no_data' },
    });
  }
  return out;
}

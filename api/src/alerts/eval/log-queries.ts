import { join, sql, trusted, type SqlFragment } from '@obshub/core';
import { runQuery } from '../../common/run-query.ts';
import { msToNanos } from '../../common/time-range.ts';
import { compileSearch, resolveField } from '../../query/index.ts';
import type { LogAlertRule } from '../rules/model.ts';
import { evalBounds } from './bounds.ts';
import { errorMessage, mapLimit, type EvalContext, type RuleResult, type Sample } from './results.ts';

/**
 * Log rules, batched: the rules handed in (a whole evaluation round: the
 * engine batches across groups) that share a window and a group_by are
 * answered by one query over the logs table, one countIf column per distinct
 * search (a ratio rule has two: its query and its ratio_of), the WHERE clause
 * being the OR of every search so that only matching rows are grouped.
 * N log rules with one window and group_by cost one query (per
 * MAX_SEARCHES_PER_QUERY distinct searches), not N.
 */

/** At most this many label combinations per batch query; more is an error of the rules concerned. */
export const MAX_LOG_GROUPS = 10_000;

/**
 * At most this many distinct searches (countIf columns) per query: a round's
 * batch spans every group, and the SQL text must stay well under the
 * server's max_query_size (256 KiB by default).
 */
export const MAX_SEARCHES_PER_QUERY = 64;

/** Splits a batch's rules into chunks of at most `max` distinct searches, a rule's query and ratio_of together. */
export function chunkBySearches(rules: readonly LogAlertRule[], max: number): LogAlertRule[][] {
  const chunks: Array<{ rules: LogAlertRule[]; searches: Set<string> }> = [];
  let current: { rules: LogAlertRule[]; searches: Set<string> } | undefined;
  for (const rule of rules) {
    const own = [rule.query, ...(rule.ratioOf === null ? [] : [rule.ratioOf])];
    const added = own.filter((q) => !current?.searches.has(q));
    if (!current || (current.searches.size + new Set(added).size > max && current.rules.length > 0)) {
      current = { rules: [], searches: new Set() };
      chunks.push(current);
    }
    current.rules.push(rule);
    for (const q of own) current.searches.add(q);
  }
  return chunks.map((c) => c.rules);
}

/** The time condition of a window [fromMs, toMs): the partition/sort column first, then the exact time. */
export function windowWhere(fromMs: number, toMs: number): SqlFragment {
  return sql`timestamp >= toDateTime(${Math.floor(fromMs / 1000)}) AND timestamp <= toDateTime(${Math.ceil(toMs / 1000)})
    AND time_unix_nano >= ${msToNanos(fromMs)} AND time_unix_nano < ${msToNanos(toMs)}`;
}

function batchKey(rule: LogAlertRule): string {
  return `${rule.windowMs}\u0000${rule.groupBy.map((g) => g.field).join('\u0000')}`;
}

function column(field: string): SqlFragment {
  const resolved = resolveField(field);
  // The loader accepts only log fields in group_by (check-rule.ts), so this is a column.
  if (resolved.kind === 'attribute') throw new Error(`group_by ${field} is not a log field`);
  return sql`toString(${trusted(resolved.column)})`;
}

async function runBatch(ctx: EvalContext, rules: readonly LogAlertRule[]): Promise<Map<string, RuleResult>> {
  const out = new Map<string, RuleResult>();
  const first = rules[0] as LogAlertRule;
  // Each search compiled once; rules are valid, but one compile failure must not hide the others.
  const searches: SqlFragment[] = [];
  const index = new Map<string, number>();
  const columnsOf = new Map<string, { num: number; den: number | null }>();
  const searchIndex = (text: string): number => {
    const known = index.get(text);
    if (known !== undefined) return known;
    searches.push(compileSearch(text));
    index.set(text, searches.length - 1);
    return searches.length - 1;
  };
  const ok: LogAlertRule[] = [];
  for (const rule of rules) {
    try {
      const num = searchIndex(rule.query);
      const den = rule.ratioOf === null ? null : searchIndex(rule.ratioOf);
      columnsOf.set(rule.id, { num, den });
      ok.push(rule);
    } catch (err) {
      out.set(rule.id, { kind: 'error', message: errorMessage(err) });
    }
  }
  if (ok.length === 0) return out;
  const counts = join(
    searches.map((s, i) => sql`countIf(${s}) AS ${trusted(`n${i}`)}`),
    ', ',
  );
  const any = join(searches, ' OR ');
  const keys = first.groupBy.map((g) => column(g.field));
  const where = sql`${windowWhere(ctx.at - first.windowMs, ctx.at)} AND (${any})`;
  const query =
    keys.length === 0
      ? sql`SELECT ${counts} FROM logs WHERE ${where}`
      : sql`SELECT [${join(keys, ', ')}] AS k, ${counts} FROM logs WHERE ${where}
            GROUP BY k LIMIT ${MAX_LOG_GROUPS + 1}`;
  type Row = Record<string, string | string[]>;
  let rows: Row[];
  try {
    ctx.onQuery?.();
    rows = (await runQuery<Row>(ctx.db, query, ctx.signal, evalBounds(ctx))).rows;
  } catch (err) {
    for (const rule of ok) out.set(rule.id, { kind: 'error', message: errorMessage(err) });
    return out;
  }
  if (rows.length > MAX_LOG_GROUPS) {
    const message = `more than ${MAX_LOG_GROUPS} label combinations for group_by ${first.groupBy.map((g) => g.field).join(', ')}`;
    for (const rule of ok) out.set(rule.id, { kind: 'error', message });
    return out;
  }
  for (const rule of ok) {
    const cols = columnsOf.get(rule.id) as { num: number; den: number | null };
    const samples: Sample[] = [];
    for (const row of rows) {
      const values = (row['k'] as string[] | undefined) ?? [];
      const groupLabels = Object.fromEntries(rule.groupBy.map((g, i) => [g.label, values[i] ?? '']));
      const num = Number(row[`n${cols.num}`] ?? 0);
      if (cols.den === null) {
        // Without group_by there is always one row (a count of 0 is a value); with it, groups
        // where this rule counted nothing are left to `missing` (0).
        if (keys.length === 0 || num > 0) samples.push({ groupLabels, obs: { kind: 'value', value: num } });
        continue;
      }
      const den = Number(row[`n${cols.den}`] ?? 0);
      if (den > 0) samples.push({ groupLabels, obs: { kind: 'value', value: num / den } });
      else if (keys.length === 0) samples.push({ groupLabels, obs: { kind: 'no_data' } });
    }
    out.set(rule.id, {
      kind: 'samples',
      samples,
      missing: cols.den === null ? { kind: 'value', value: 0 } : { kind: 'no_data' },
    });
  }
  return out;
}

/** Evaluates the log rules of one group at ctx.at. */
export async function evaluateLogRules(
  ctx: EvalContext,
  rules: readonly LogAlertRule[],
): Promise<Map<string, RuleResult>> {
  const batches = new Map<string, LogAlertRule[]>();
  for (const rule of rules) {
    const key = batchKey(rule);
    const list = batches.get(key);
    if (list) list.push(rule);
    else batches.set(key, [rule]);
  }
  const chunks = [...batches.values()].flatMap((b) => chunkBySearches(b, MAX_SEARCHES_PER_QUERY));
  const results = await mapLimit(chunks, ctx.maxConcurrentQueries, (batch) => runBatch(ctx, batch));
  return new Map(results.flatMap((m) => [...m]));
}

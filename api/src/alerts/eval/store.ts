import { join, int, sql, trusted, type Db, type SqlFragment } from '@obshub/core';
import type { NoticeReason } from '../notice.ts';
import type { RuleKind } from '../rules/schema.ts';
import {
  RESOLVED_RETENTION_MS,
  type InstanceState,
  type InstanceStateName,
  type Transition,
} from './state.ts';

/**
 * Persistence of alert evaluation (tables: core/src/schema/alerts.ts):
 * instance states (a row per change), the history of transitions, and each
 * rule's last evaluation outcome. Writes are one INSERT per table and group
 * evaluation. Reads take argMax by version, since ReplacingMergeTree merges
 * are eventual.
 */

export type EvalOutcome = 'ok' | 'no_data' | 'error';

export interface RuleStatus {
  readonly ruleId: string;
  readonly group: string;
  readonly alert: string;
  readonly ruleHash: string;
  readonly evaluatedAt: number;
  readonly durationMs: number;
  readonly outcome: EvalOutcome;
  readonly error: string | null;
  readonly instances: number;
}

export interface HistoryEntry {
  readonly at: number;
  readonly ruleId: string;
  readonly instanceId: string;
  readonly group: string;
  readonly alert: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly from: InstanceStateName;
  readonly to: InstanceStateName;
  readonly reason: NoticeReason;
  readonly value: number | null;
  readonly error: string | null;
}

const num = (v: number | null): number => (v === null || !Number.isFinite(v) ? 0 : v);
const has = (v: number | null): number => (v === null || !Number.isFinite(v) ? 0 : 1);
const entries = (labels: Readonly<Record<string, string>>) => {
  const keys = Object.keys(labels).sort();
  return { keys, values: keys.map((k) => labels[k] as string) };
};

async function insert(db: Db, table: string, columns: string, rows: SqlFragment[]): Promise<void> {
  if (rows.length === 0) return;
  await db.command(sql`INSERT INTO ${trusted(table)} (${trusted(columns)}) VALUES ${join(rows, ', ')}`);
}

export async function writeStates(db: Db, states: readonly InstanceState[], at: number): Promise<void> {
  await insert(
    db,
    'alert_state',
    'rule_id, instance_id, rule_hash, group_name, alert, kind, label_keys, label_values, state, reason, value, has_value, error, active_at_ms, fired_at_ms, resolved_at_ms, cleared_at_ms, updated_at_ms',
    states.map((s) => {
      const l = entries(s.labels);
      return sql`(${s.ruleId}, ${s.instanceId}, ${s.ruleHash}, ${s.group}, ${s.alert}, ${s.kind}, ${l.keys}, ${l.values},
        ${s.state}, ${s.reason}, ${num(s.value)}, ${has(s.value)}, ${s.error ?? ''}, ${s.activeAt}, ${s.firedAt},
        ${s.resolvedAt}, ${s.clearedAt}, ${at})`;
    }),
  );
}

export function historyEntry(s: InstanceState, t: Transition): HistoryEntry {
  return {
    at: t.at,
    ruleId: s.ruleId,
    instanceId: s.instanceId,
    group: s.group,
    alert: s.alert,
    labels: s.labels,
    from: t.from,
    to: t.to,
    reason: s.reason,
    value: s.value,
    error: s.error,
  };
}

export async function writeHistory(db: Db, rows: readonly HistoryEntry[]): Promise<void> {
  await insert(
    db,
    'alert_history',
    'at, at_ms, rule_id, instance_id, group_name, alert, label_keys, label_values, from_state, to_state, reason, value, has_value, error',
    rows.map((h) => {
      const l = entries(h.labels);
      return sql`(toDateTime(${Math.floor(h.at / 1000)}), ${h.at}, ${h.ruleId}, ${h.instanceId}, ${h.group}, ${h.alert},
        ${l.keys}, ${l.values}, ${h.from}, ${h.to}, ${h.reason}, ${num(h.value)}, ${has(h.value)}, ${h.error ?? ''})`;
    }),
  );
}

export async function writeStatuses(db: Db, rows: readonly RuleStatus[]): Promise<void> {
  await insert(
    db,
    'alert_rule_status',
    'rule_id, group_name, alert, rule_hash, evaluated_at_ms, duration_ms, outcome, error, instances',
    rows.map(
      (r) =>
        sql`(${r.ruleId}, ${r.group}, ${r.alert}, ${r.ruleHash}, ${r.evaluatedAt}, ${r.durationMs}, ${r.outcome}, ${r.error ?? ''}, ${r.instances})`,
    ),
  );
}

interface StateRow {
  rule_id: string;
  instance_id: string;
  x_rule_hash: string;
  x_group_name: string;
  x_alert: string;
  x_kind: RuleKind;
  x_label_keys: string[];
  x_label_values: string[];
  x_state: InstanceStateName;
  x_reason: NoticeReason;
  x_value: number;
  x_has_value: number;
  x_error: string;
  x_active_at_ms: string;
  x_fired_at_ms: string;
  x_resolved_at_ms: string;
  x_cleared_at_ms: string;
}

/**
 * The instances to continue with after a restart: pending and firing ones,
 * and those resolved within the last 15 minutes (still published).
 */
export async function loadStates(db: Db, nowMs: number): Promise<InstanceState[]> {
  const rows = await db.query<StateRow>(
    sql`SELECT rule_id, instance_id, argMax(rule_hash, updated_at_ms) AS x_rule_hash,
          argMax(group_name, updated_at_ms) AS x_group_name, argMax(alert, updated_at_ms) AS x_alert, argMax(kind, updated_at_ms) AS x_kind,
          argMax(label_keys, updated_at_ms) AS x_label_keys, argMax(label_values, updated_at_ms) AS x_label_values,
          argMax(state, updated_at_ms) AS x_state, argMax(reason, updated_at_ms) AS x_reason,
          argMax(value, updated_at_ms) AS x_value, argMax(has_value, updated_at_ms) AS x_has_value,
          argMax(error, updated_at_ms) AS x_error, toString(argMax(active_at_ms, updated_at_ms)) AS x_active_at_ms,
          toString(argMax(fired_at_ms, updated_at_ms)) AS x_fired_at_ms,
          toString(argMax(resolved_at_ms, updated_at_ms)) AS x_resolved_at_ms,
          toString(argMax(cleared_at_ms, updated_at_ms)) AS x_cleared_at_ms
        FROM alert_state GROUP BY rule_id, instance_id
        HAVING x_state IN ('pending', 'firing') OR (x_state = 'resolved' AND toUInt64(x_resolved_at_ms) >= ${Math.max(0, nowMs - RESOLVED_RETENTION_MS)})
        LIMIT 1000000`,
  );
  return rows.map((r) => ({
    ruleId: r.rule_id,
    ruleHash: r.x_rule_hash,
    instanceId: r.instance_id,
    group: r.x_group_name,
    alert: r.x_alert,
    kind: r.x_kind,
    labels: Object.fromEntries(r.x_label_keys.map((k, i) => [k, r.x_label_values[i] ?? ''])),
    state: r.x_state,
    reason: r.x_reason,
    value: Number(r.x_has_value) === 1 ? Number(r.x_value) : null,
    error: r.x_error === '' ? null : r.x_error,
    activeAt: Number(r.x_active_at_ms),
    firedAt: Number(r.x_fired_at_ms),
    resolvedAt: Number(r.x_resolved_at_ms),
    clearedAt: Number(r.x_cleared_at_ms),
  }));
}

export async function loadStatuses(db: Db): Promise<RuleStatus[]> {
  const rows = await db.query<Record<string, string | number>>(
    sql`SELECT rule_id, argMax(group_name, evaluated_at_ms) AS x_group_name, argMax(alert, evaluated_at_ms) AS x_alert,
          argMax(rule_hash, evaluated_at_ms) AS x_rule_hash, toString(max(evaluated_at_ms)) AS x_evaluated_at_ms,
          argMax(duration_ms, evaluated_at_ms) AS x_duration_ms, argMax(outcome, evaluated_at_ms) AS x_outcome,
          argMax(error, evaluated_at_ms) AS x_error, argMax(instances, evaluated_at_ms) AS x_instances
        FROM alert_rule_status GROUP BY rule_id LIMIT 1000000`,
  );
  return rows.map((r) => ({
    ruleId: String(r['rule_id']),
    group: String(r['x_group_name']),
    alert: String(r['x_alert']),
    ruleHash: String(r['x_rule_hash']),
    evaluatedAt: Number(r['x_evaluated_at_ms']),
    durationMs: Number(r['x_duration_ms']),
    outcome: String(r['x_outcome']) as EvalOutcome,
    error: r['x_error'] === '' ? null : String(r['x_error']),
    instances: Number(r['x_instances']),
  }));
}

export interface HistoryQuery {
  ruleId?: string | undefined;
  fromMs: number;
  toMs: number;
  limit: number;
  /** The caller's scope over the labels (principal.ts scopeCondition on label expressions). */
  scope: SqlFragment;
}

/** Transitions, newest first. */
export async function readHistory(db: Db, q: HistoryQuery, signal?: AbortSignal): Promise<HistoryEntry[]> {
  const rule = q.ruleId === undefined ? trusted('1') : sql`rule_id = ${q.ruleId}`;
  const rows = await db.query<Record<string, unknown>>(
    sql`SELECT toString(at_ms) AS x_at_ms, rule_id, instance_id, group_name, alert, label_keys, label_values,
          from_state, to_state, reason, value, has_value, error
        FROM alert_history
        WHERE at >= toDateTime(${Math.floor(q.fromMs / 1000)}) AND at <= toDateTime(${Math.ceil(q.toMs / 1000)})
          AND at_ms >= ${q.fromMs} AND at_ms < ${q.toMs} AND ${rule} AND ${q.scope}
        ORDER BY at_ms DESC, instance_id LIMIT ${int(q.limit, 1, 10_000)}`,
    signal ? { abortSignal: signal } : {},
  );
  return rows.map((r) => {
    const keys = r['label_keys'] as string[];
    const values = r['label_values'] as string[];
    return {
      at: Number(r['x_at_ms']),
      ruleId: String(r['rule_id']),
      instanceId: String(r['instance_id']),
      group: String(r['group_name']),
      alert: String(r['alert']),
      labels: Object.fromEntries(keys.map((k, i) => [k, values[i] ?? ''])),
      from: r['from_state'] as InstanceStateName,
      to: r['to_state'] as InstanceStateName,
      reason: r['reason'] as NoticeReason,
      value: Number(r['has_value']) === 1 ? Number(r['value']) : null,
      error: r['error'] === '' ? null : String(r['error']),
    };
  });
}

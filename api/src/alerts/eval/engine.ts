import type { Db, Logger } from '@obshub/core';
import type { RuleSetDiff } from '../rules/diff.ts';
import {
  EMPTY_RULE_SET,
  type AbsenceAlertRule,
  type AlertRule,
  type LoadedGroup,
  type LogAlertRule,
  type MetricAlertRule,
  type RuleSet,
} from '../rules/model.ts';
import type { RuleError } from '../rules/rule-error.ts';
import type { AlertPublisher } from '../notice.ts';
import { evaluateAbsenceRules } from './absence-queries.ts';
import { applyResult } from './apply.ts';
import { evaluateLogRules } from './log-queries.ts';
import { evaluateMetricRules } from './metric-queries.ts';
import { RoundBatcher } from './round-batcher.ts';
import { shouldPublish, toNotice } from './notices.ts';
import type { EvalContext, RuleResult } from './results.ts';
import { RESOLVED_RETENTION_MS, type InstanceState } from './state.ts';
import {
  historyEntry,
  loadStates,
  loadStatuses,
  writeHistory,
  writeStates,
  writeStatuses,
  type HistoryEntry,
  type RuleStatus,
} from './store.ts';

/**
 * The evaluator: the active rules, every instance's state, each rule's last
 * evaluation status. evaluateGroup() runs one group at one time: queries
 * (batched, with the other groups evaluated at the same instant:
 * round-batcher.ts), state-machine steps, persistence, then publication. A group's
 * evaluations never overlap (a second call while one runs is skipped).
 *
 * Reloads (setRules): unchanged rules keep their instances; a rule whose
 * annotations, routing or deploy_window changed keeps them too (those do not
 * change what fires); any other change, and a removed rule, retires the
 * rule's instances: firing ones resolve (recorded and published once as
 * resolved), others are dropped. The same happens at restore() to instances
 * whose rule changed or disappeared while the hub was down.
 */

/** Fields of a rule whose change keeps its alert instances as they are. */
const COSMETIC_FIELDS = new Set(['annotations', 'routing', 'deployWindowMs']);

export interface AlertEngineOptions {
  readonly db: Db;
  readonly logger?: Logger;
  /** Gets notices after every group evaluation; none: nothing is published. */
  readonly publisher?: AlertPublisher;
  readonly queryTimeoutMs?: number;
  readonly maxConcurrentQueries?: number;
  /** Called for each ClickHouse query an evaluation runs (benchmark). */
  readonly onQuery?: () => void;
  /**
   * Groups evaluated at the same instant whose evaluations start within this
   * many ms share their queries (round-batcher.ts); default 10.
   */
  readonly roundWindowMs?: number;
}

export interface GroupEvaluation {
  readonly group: string;
  readonly at: number;
  readonly durationMs: number;
  /** False when the group was still being evaluated (no overlap) or does not exist. */
  readonly ran: boolean;
}

export const NO_PUBLISHER: AlertPublisher = { publish: async () => undefined };

export class AlertEngine {
  private ruleSet: RuleSet = EMPTY_RULE_SET;
  private rulesById = new Map<string, AlertRule>();
  private readonly instances = new Map<string, Map<string, InstanceState>>();
  private readonly statuses = new Map<string, RuleStatus>();
  private readonly running = new Map<string, Promise<GroupEvaluation>>();
  private loadErrors: readonly RuleError[] = [];
  /** Rows a failed write could not persist, retried with the next writes. */
  private unsaved = {
    states: [] as InstanceState[],
    history: [] as HistoryEntry[],
    statuses: [] as RuleStatus[],
  };
  private readonly publisher: AlertPublisher;
  private readonly batchers: {
    readonly log: RoundBatcher<LogAlertRule>;
    readonly metric: RoundBatcher<MetricAlertRule>;
    readonly absence: RoundBatcher<AbsenceAlertRule>;
  };

  constructor(private readonly options: AlertEngineOptions) {
    this.publisher = options.publisher ?? NO_PUBLISHER;
    const windowMs = options.roundWindowMs ?? 10;
    const context = (at: number): EvalContext => this.context(at);
    this.batchers = {
      log: new RoundBatcher((ctx, rules) => evaluateLogRules(ctx, rules), context, windowMs),
      metric: new RoundBatcher((ctx, rules) => evaluateMetricRules(ctx, rules), context, windowMs),
      absence: new RoundBatcher((ctx, rules) => evaluateAbsenceRules(ctx, rules), context, windowMs),
    };
  }

  private context(at: number, signal?: AbortSignal): EvalContext {
    return {
      db: this.options.db,
      at,
      queryTimeoutMs: this.options.queryTimeoutMs ?? 10_000,
      maxConcurrentQueries: this.options.maxConcurrentQueries ?? 4,
      ...(signal ? { signal } : {}),
      ...(this.options.onQuery ? { onQuery: this.options.onQuery } : {}),
    };
  }

  rules(): RuleSet {
    return this.ruleSet;
  }

  groups(): readonly LoadedGroup[] {
    return this.ruleSet.groups;
  }

  rule(id: string): AlertRule | undefined {
    return this.rulesById.get(id);
  }

  status(ruleId: string): RuleStatus | undefined {
    return this.statuses.get(ruleId);
  }

  instancesOf(ruleId: string): readonly InstanceState[] {
    return [...(this.instances.get(ruleId)?.values() ?? [])];
  }

  allInstances(): readonly InstanceState[] {
    return [...this.instances.values()].flatMap((m) => [...m.values()]);
  }

  lastLoadErrors(): readonly RuleError[] {
    return this.loadErrors;
  }

  setLoadErrors(errors: readonly RuleError[]): void {
    this.loadErrors = errors;
  }

  /** Makes a rule set active; `diff` (from the watcher) decides which instances are kept. */
  async setRules(next: RuleSet, diff: RuleSetDiff | null, now = Date.now()): Promise<void> {
    const retired: InstanceState[] = [];
    const rehashed: InstanceState[] = [];
    const nextById = new Map(next.rules.map((r) => [r.id, r]));
    for (const [ruleId, map] of this.instances) {
      const rule = nextById.get(ruleId);
      const change = diff?.changed.find((c) => c.after.id === ruleId);
      const cosmetic = change !== undefined && change.fields.every((f) => COSMETIC_FIELDS.has(f));
      if (rule === undefined || (change !== undefined && !cosmetic)) {
        retired.push(...map.values());
        this.instances.delete(ruleId);
      } else if (change !== undefined) {
        for (const [id, s] of map) {
          const updated = { ...s, ruleHash: rule.hash, group: rule.group };
          map.set(id, updated);
          rehashed.push(updated);
        }
      }
    }
    for (const id of this.statuses.keys()) if (!nextById.has(id)) this.statuses.delete(id);
    const previous = this.rulesById;
    this.ruleSet = next;
    this.rulesById = nextById;
    this.loadErrors = [];
    await this.retire(retired, now, rehashed, (s) => previous.get(s.ruleId));
  }

  /** Loads persisted states and statuses (after a restart) for the active rules. */
  async restore(now = Date.now()): Promise<void> {
    const states = await loadStates(this.options.db, now);
    const retired: InstanceState[] = [];
    for (const s of states) {
      const rule = this.rulesById.get(s.ruleId);
      if (rule === undefined || rule.hash !== s.ruleHash) {
        retired.push(s);
        continue;
      }
      let map = this.instances.get(s.ruleId);
      if (!map) this.instances.set(s.ruleId, (map = new Map<string, InstanceState>()));
      map.set(s.instanceId, s);
    }
    for (const st of await loadStatuses(this.options.db)) {
      if (this.rulesById.get(st.ruleId)?.hash === st.ruleHash) this.statuses.set(st.ruleId, st);
    }
    await this.retire(retired, now, [], () => undefined);
  }

  /** Resolves firing instances of retired rules (persisted, published once); the rest are dropped. */
  private async retire(
    states: readonly InstanceState[],
    now: number,
    rehashed: InstanceState[],
    ruleOf: (s: InstanceState) => AlertRule | undefined,
  ): Promise<void> {
    const resolved = states
      .filter((s) => s.state === 'firing')
      .map((s): InstanceState => ({ ...s, state: 'resolved', resolvedAt: now, clearedAt: 0 }));
    const history = resolved.map((s) => historyEntry(s, { from: 'firing', to: 'resolved', at: now }));
    await this.persist([...rehashed, ...resolved], history, []);
    // Notices are rendered with the rule as it was, when it is still known (a reload; not a restart).
    const byGroup = new Map<string, InstanceState[]>();
    for (const s of resolved) byGroup.set(s.group, [...(byGroup.get(s.group) ?? []), s]);
    for (const [group, list] of byGroup) {
      const notices = list.map((s) => {
        const rule = ruleOf(s);
        return rule ? toNotice(rule, s) : retiredNotice(s);
      });
      await this.publish(group, notices, now);
    }
  }

  private async persist(
    states: InstanceState[],
    history: HistoryEntry[],
    statuses: RuleStatus[],
  ): Promise<boolean> {
    const pending = {
      states: [...this.unsaved.states, ...states],
      history: [...this.unsaved.history, ...history],
      statuses: [...this.unsaved.statuses, ...statuses],
    };
    try {
      await writeStates(this.options.db, pending.states, Date.now());
      pending.states = [];
      await writeHistory(this.options.db, pending.history);
      pending.history = [];
      await writeStatuses(this.options.db, pending.statuses);
      pending.statuses = [];
      this.unsaved = pending;
      return true;
    } catch (err) {
      // Kept for the next evaluation (bounded: a long outage keeps the newest rows only).
      this.unsaved = {
        states: pending.states.slice(-100_000),
        history: pending.history.slice(-100_000),
        statuses: pending.statuses.slice(-10_000),
      };
      this.options.logger?.error({ err: (err as Error).message }, 'alert state could not be saved');
      return false;
    }
  }

  private async publish(
    group: string,
    notices: Parameters<AlertPublisher['publish']>[1],
    at: number,
  ): Promise<void> {
    try {
      await this.publisher.publish(group, notices, at);
    } catch (err) {
      this.options.logger?.error({ err: (err as Error).message, group }, 'alert publisher failed');
    }
  }

  /** Evaluates one group at time `at` (epoch ms). Never overlaps itself; never throws for a query failure. */
  evaluateGroup(name: string, at: number, signal?: AbortSignal): Promise<GroupEvaluation> {
    const running = this.running.get(name);
    if (running) return Promise.resolve({ group: name, at, durationMs: 0, ran: false });
    const run = this.runGroup(name, at, signal).finally(() => this.running.delete(name));
    this.running.set(name, run);
    return run;
  }

  /** Waits for every evaluation under way. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }

  private async runGroup(name: string, at: number, signal?: AbortSignal): Promise<GroupEvaluation> {
    const group = this.ruleSet.groups.find((g) => g.name === name);
    if (!group) return { group: name, at, durationMs: 0, ran: false };
    const started = performance.now();
    const ctx = this.context(at, signal);
    const rules = group.rules;
    const guard = async (p: Promise<Map<string, RuleResult>>, kinds: readonly AlertRule[]) => {
      try {
        return await p;
      } catch (err) {
        const message = (err as Error).message;
        return new Map(kinds.map((r): [string, RuleResult] => [r.id, { kind: 'error', message }]));
      }
    };
    const logRules = rules.filter((r) => r.kind === 'log');
    const metricRules = rules.filter((r) => r.kind === 'metric');
    const absenceRules = rules.filter((r) => r.kind === 'absence');
    // With its own abort signal a group is evaluated alone; otherwise with the other groups of its instant.
    const parts = await Promise.all(
      signal
        ? [
            guard(evaluateLogRules(ctx, logRules), logRules),
            guard(evaluateMetricRules(ctx, metricRules), metricRules),
            guard(evaluateAbsenceRules(ctx, absenceRules), absenceRules),
          ]
        : [
            guard(this.batchers.log.request(at, logRules), logRules),
            guard(this.batchers.metric.request(at, metricRules), metricRules),
            guard(this.batchers.absence.request(at, absenceRules), absenceRules),
          ],
    );
    const results = new Map(parts.flatMap((m) => [...m]));
    const durationMs = performance.now() - started;

    const changed: InstanceState[] = [];
    const history: HistoryEntry[] = [];
    const statuses: RuleStatus[] = [];
    for (const rule of rules) {
      // A reload during the queries may have replaced the rule: its result is stale.
      if (this.rulesById.get(rule.id) !== rule) continue;
      const result = results.get(rule.id) ?? { kind: 'error', message: 'no result (internal error)' };
      const applied = applyResult(
        rule,
        this.instances.get(rule.id) ?? new Map<string, InstanceState>(),
        result,
        at,
      );
      changed.push(...applied.changed);
      history.push(...applied.transitions.map((t) => historyEntry(t.state, t.transition)));
      // Inactive instances are forgotten; resolved ones after the publication period.
      for (const [id, s] of applied.instances) {
        if (s.state === 'inactive' || (s.state === 'resolved' && at - s.resolvedAt > RESOLVED_RETENTION_MS)) {
          applied.instances.delete(id);
        }
      }
      if (applied.instances.size > 0) this.instances.set(rule.id, applied.instances);
      else this.instances.delete(rule.id);
      const status: RuleStatus = {
        ruleId: rule.id,
        group: rule.group,
        alert: rule.alert,
        ruleHash: rule.hash,
        evaluatedAt: at,
        durationMs,
        outcome: applied.outcome,
        error: applied.error,
        instances: applied.instances.size,
      };
      this.statuses.set(rule.id, status);
      statuses.push(status);
    }
    const saved = await this.persist(changed, history, statuses);
    if (saved) {
      const notices = rules.flatMap((rule) =>
        this.instancesOf(rule.id)
          .filter((s) => shouldPublish(s, at))
          .map((s) => toNotice(rule, s)),
      );
      await this.publish(name, notices, at);
    }
    return { group: name, at, durationMs, ran: true };
  }
}

/** The resolved notice of an instance whose rule changed or went away while the hub was down. */
function retiredNotice(s: InstanceState): Parameters<AlertPublisher['publish']>[1][number] {
  return {
    ruleId: s.ruleId,
    ruleHash: s.ruleHash,
    group: s.group,
    alert: s.alert,
    kind: s.kind,
    instanceId: s.instanceId,
    labels: s.labels,
    annotations: {
      summary: `${s.alert}: the rule was changed or removed`,
      description: '',
      runbookUrl: null,
    },
    state: 'resolved',
    reason: s.reason,
    value: s.value,
    threshold: null,
    op: null,
    error: null,
    activeAt: s.activeAt || s.firedAt,
    firedAt: s.firedAt,
    resolvedAt: s.resolvedAt,
    service: s.labels['service'] ?? null,
    environment: s.labels['env'] ?? null,
    routing: { slack: [], email: [] },
    deployWindowMs: 0,
    windowMs: null,
    logQuery: null,
    metric: null,
  };
}

import { createHash } from 'node:crypto';
import type { Db, Logger } from '@obshub/core';
import type { AlertNotice, AlertPublisher } from '../notice.ts';
import { systemClock, type Clock } from './clock.ts';
import { buildContent, type NotificationContent } from './content.ts';
import { decide } from './decide.ts';
import { recordDelivery } from './delivery-store.ts';
import { correlateDeploys, type DeployCorrelation } from './deploy-correlation.ts';
import { place, type GroupSettings, type Target } from './grouping.ts';
import { readNflog, writeNflog, type NflogEntry } from './nflog-store.ts';
import { withRetries, type RetryPolicy } from './retry.ts';
import { EMPTY_ROUTING } from './routing-load.ts';
import type { Routing } from './routing-model.ts';
import { classifyTargetError, sendToTarget, type Senders } from './send-target.ts';
import { compileSilences, readCurrentSilences, type Muter } from './silence-store.ts';

/**
 * The notifier (docs/notifications.md): implements AlertPublisher for the
 * evaluator. publish() routes notices into groups; tick() flushes the groups
 * whose timer is due (group_wait for a new group, then every group_interval),
 * asks the notification log what each target was last told, and sends what is
 * new, retried with backoff, every attempt recorded. Time comes from an
 * injected clock; start() ticks on a timer, tests call tick() themselves.
 */
export interface NotifierOptions {
  readonly db: Db;
  readonly logger: Logger;
  readonly senders: Senders;
  readonly routing?: Routing;
  readonly publicUrl: string;
  readonly retry: RetryPolicy;
  readonly clock?: Clock;
  readonly tickIntervalMs?: number;
}

interface Group {
  readonly key: string;
  readonly receiver: string;
  readonly targets: readonly Target[];
  readonly groupLabels: Readonly<Record<string, string>>;
  readonly settings: GroupSettings;
  readonly alerts: Map<string, AlertNotice>;
  nextFlushAt: number;
  flushing: boolean;
  nflog: Map<string, NflogEntry> | null;
}

/**
 * Told after a flush that notified firing alerts, with their deploy
 * correlation: deploy verdict threads reply to the deploys it names
 * (api/src/verifications/notify/, docs/notifications.md#deploy-verdict-threads).
 */
export type DeployAlertsHook = (o: {
  readonly firing: readonly AlertNotice[];
  readonly deploys: readonly DeployCorrelation[];
}) => Promise<void>;

/** What other notifications (deploy verdicts) share with the alerts': senders, routing, retries, clock. */
export interface NotifierDelivery {
  readonly db: Db;
  readonly logger: Logger;
  readonly senders: Senders;
  readonly routing: Routing;
  readonly publicUrl: string;
  readonly retry: RetryPolicy;
  readonly clock: Clock;
}

/** A known alert and the silences that mute it now. */
export interface NotifiedAlert {
  readonly notice: AlertNotice;
  readonly silencedBy: readonly string[];
}

function sameValue(values: readonly (string | null)[]): string {
  const set = new Set(values);
  return set.size === 1 ? ([...set][0] ?? '') : '';
}

export class Notifier implements AlertPublisher {
  private readonly groups = new Map<string, Group>();
  /** Instance ids last published as firing, per evaluator group, to notice instances that vanish. */
  private readonly firingByRuleGroup = new Map<string, Map<string, AlertNotice>>();
  private routing: Routing;
  private readonly clock: Clock;
  private timer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private muter: Muter = compileSilences([]);

  constructor(private readonly o: NotifierOptions) {
    this.routing = o.routing ?? EMPTY_ROUTING;
    this.clock = o.clock ?? systemClock;
  }

  private deployAlertsHook: DeployAlertsHook | null = null;

  /** Deploy verdict threads: told of every flush that notified firing alerts (see DeployAlertsHook). */
  setDeployAlertsHook(hook: DeployAlertsHook | null): void {
    this.deployAlertsHook = hook;
  }

  /** The senders, routing (current), retry policy and clock, for notifications that are not alerts. */
  delivery(): NotifierDelivery {
    const o = this.o;
    return {
      db: o.db,
      logger: o.logger,
      senders: o.senders,
      routing: this.routing,
      publicUrl: o.publicUrl,
      retry: o.retry,
      clock: this.clock,
    };
  }

  /** A new routing file: groups formed from now on follow it. */
  setRouting(routing: Routing): void {
    this.routing = routing;
  }

  async publish(group: string, notices: readonly AlertNotice[], evaluatedAt: number): Promise<void> {
    const now = this.clock.now();
    const present = new Set(notices.map((n) => n.instanceId));
    const before = this.firingByRuleGroup.get(group) ?? new Map<string, AlertNotice>();
    // Firing before, absent now (rule removed or edited away): it resolved, and is notified as such.
    const vanished = [...before.values()]
      .filter((n) => !present.has(n.instanceId))
      .map((n): AlertNotice => ({ ...n, state: 'resolved', resolvedAt: evaluatedAt }));
    const firing = new Map<string, AlertNotice>();
    for (const n of [...notices, ...vanished]) {
      if (n.state === 'firing') firing.set(n.instanceId, n);
      for (const p of place(this.routing, n)) {
        let g = this.groups.get(p.key);
        if (!g) {
          g = {
            key: p.key,
            receiver: p.receiver,
            targets: p.targets,
            groupLabels: p.groupLabels,
            settings: p.settings,
            alerts: new Map(),
            nextFlushAt: now + p.settings.groupWaitMs,
            flushing: false,
            nflog: null,
          };
          this.groups.set(p.key, g);
        }
        g.alerts.set(n.instanceId, n);
      }
    }
    this.firingByRuleGroup.set(group, firing);
  }

  /** The alerts the notifier holds now, each with the silences muting it. */
  alerts(): NotifiedAlert[] {
    const now = this.clock.now();
    const byId = new Map<string, AlertNotice>();
    for (const g of this.groups.values()) for (const n of g.alerts.values()) byId.set(n.instanceId, n);
    return [...byId.values()].map((notice) => ({
      notice,
      silencedBy: this.muter.silencedBy(notice.labels, now),
    }));
  }

  /** Re-reads silences (the silences API calls it after a change). */
  async refreshSilences(): Promise<void> {
    this.muter = compileSilences(await readCurrentSilences(this.o.db, this.clock.now()));
  }

  /** Flushes every group whose timer is due; resolves when their notifications are done. */
  async tick(): Promise<void> {
    const now = this.clock.now();
    const due = [...this.groups.values()].filter((g) => !g.flushing && g.nextFlushAt <= now);
    if (due.length === 0) return;
    try {
      await this.refreshSilences();
    } catch (err) {
      // Without the silences, notifying could wake someone who silenced the alert: wait for the next tick.
      this.o.logger.error({ err: (err as Error).message }, 'alert notifications: cannot read silences');
      return;
    }
    await Promise.all(
      due.map(async (g) => {
        g.flushing = true;
        g.nextFlushAt = now + g.settings.groupIntervalMs;
        try {
          await this.flush(g);
        } catch (err) {
          this.o.logger.error(
            { err: (err as Error).message, receiver: g.receiver },
            'alert notification flush failed',
          );
        } finally {
          g.flushing = false;
        }
      }),
    );
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      const p = this.tick().catch(() => undefined);
      this.inFlight.add(p);
      void p.finally(() => this.inFlight.delete(p));
    }, this.o.tickIntervalMs ?? 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.all([...this.inFlight]);
    this.o.senders.mail?.close();
  }

  private async flush(g: Group): Promise<void> {
    const now = this.clock.now();
    if (!g.nflog) {
      g.nflog = new Map((await readNflog(this.o.db, [g.key])).map((e) => [e.target, e]));
    }
    const snapshot = [...g.alerts.values()];
    const audible = snapshot.filter((n) => this.muter.silencedBy(n.labels, now).length === 0);
    const firing = audible.filter((n) => n.state === 'firing').sort(byStart);
    const resolved = audible.filter((n) => n.state === 'resolved').sort(byStart);
    const firingIds = firing.map((n) => n.instanceId);
    const resolvedIds = resolved.map((n) => n.instanceId);
    let deploys: Promise<DeployCorrelation[]> | null = null;
    let allDone = true;
    await Promise.all(
      g.targets.map(async (target) => {
        const entry = g.nflog?.get(target);
        const decision = decide(entry, firingIds, resolvedIds, g.settings, now);
        if (decision.action === 'none') return;
        const open = entry?.episodeOpen ? entry : undefined;
        const known = new Set(open?.firingIds ?? []);
        const resolvedNow = resolved.filter((n) => known.has(n.instanceId));
        const next = (sent: boolean, threading: Partial<NflogEntry>): NflogEntry => ({
          groupKey: g.key,
          target,
          receiver: g.receiver,
          episodeId: open?.episodeId ?? episodeIdOf(g.key, target, firing),
          episodeOpen: firing.length > 0,
          firingIds,
          resolvedIds: [...new Set([...(open?.resolvedIds ?? []), ...resolvedNow.map((n) => n.instanceId)])],
          sentAtMs: sent ? now : (entry?.sentAtMs ?? 0),
          slackChannel: open?.slackChannel ?? '',
          slackTs: open?.slackTs ?? '',
          emailMessageId: open?.emailMessageId ?? '',
          ...threading,
        });
        if (decision.action === 'record') {
          await this.saveNflog(g, next(false, {}));
          return;
        }
        deploys ??= this.correlate(firing.length > 0 ? firing : resolvedNow);
        const content = buildContent({
          firing,
          resolved: resolvedNow,
          reason: decision.reason,
          groupLabels: g.groupLabels,
          deploys: await deploys,
          receiver: g.receiver,
          publicUrl: this.o.publicUrl,
        });
        const episodeId = open?.episodeId ?? episodeIdOf(g.key, target, firing);
        const result = await withRetries({
          clock: this.clock,
          policy: this.o.retry,
          send: () =>
            sendToTarget({
              senders: this.o.senders,
              target,
              content,
              episode: open,
              episodeId,
              nowMs: now,
              publicUrl: this.o.publicUrl,
            }),
          classify: (err) => classifyTargetError(target, err),
          onAttempt: (a) => this.recordAttempt(g, target, content, a),
        });
        if (!result.ok) {
          allDone = false;
          this.o.logger.error(
            { receiver: g.receiver, target, attempts: result.attempts, err: result.error },
            'alert notification failed for good',
          );
          return;
        }
        await this.saveNflog(g, next(true, result.value));
      }),
    );
    // Assigned inside the callbacks above, which TypeScript's narrowing does not follow.
    const correlated = deploys as Promise<DeployCorrelation[]> | null;
    if (correlated && firing.length > 0 && this.deployAlertsHook) {
      try {
        await this.deployAlertsHook({ firing, deploys: await correlated });
      } catch (err) {
        this.o.logger.warn({ err: (err as Error).message }, 'deploy verdict thread replies failed');
      }
    }
    // Resolved alerts have been told (or needed not be): drop them; a failed target keeps them for the next flush.
    if (allDone) {
      for (const n of snapshot) {
        if (n.state === 'resolved' && g.alerts.get(n.instanceId) === n) g.alerts.delete(n.instanceId);
      }
      if (g.alerts.size === 0) this.groups.delete(g.key);
    }
  }

  private async saveNflog(g: Group, e: NflogEntry): Promise<void> {
    g.nflog?.set(e.target, e);
    // updated_at_ms orders the writes of a key across restarts: wall time (not the
    // injected clock), strictly growing within the process.
    this.lastStamp = Math.max(Date.now(), this.lastStamp + 1);
    await writeNflog(this.o.db, e, this.lastStamp);
  }

  private lastStamp = 0;

  private async recordAttempt(
    g: Group,
    target: Target,
    content: NotificationContent,
    a: { attempt: number; status: 'sent' | 'retrying' | 'failed'; error: string },
  ): Promise<void> {
    const notices = content.alerts.map((v) => v.notice);
    try {
      await recordDelivery(this.o.db, {
        atMs: this.clock.now(),
        groupKey: g.key,
        receiver: g.receiver,
        channel: target.startsWith('slack:') ? 'slack' : 'email',
        target: target.slice(target.indexOf(':') + 1),
        kind: content.status,
        status: a.status,
        error: a.error,
        attempt: a.attempt,
        alertNames: [...new Set(notices.map((n) => n.alert))],
        service: sameValue(notices.map((n) => n.service)),
        environment: sameValue(notices.map((n) => n.environment)),
      });
    } catch (err) {
      this.o.logger.warn({ err: (err as Error).message }, 'cannot record an alert delivery attempt');
    }
  }

  /** Deploy correlation per service and environment of the alerts (the earliest activeAt of each). */
  private async correlate(notices: readonly AlertNotice[]): Promise<DeployCorrelation[]> {
    const first = new Map<string, AlertNotice>();
    for (const n of notices) {
      if (!n.service || n.deployWindowMs <= 0) continue;
      const key = JSON.stringify([n.service, n.environment]);
      const prev = first.get(key);
      if (!prev || n.activeAt < prev.activeAt) first.set(key, n);
    }
    const out: DeployCorrelation[] = [];
    for (const n of first.values()) {
      try {
        out.push(
          await correlateDeploys(this.o.db, {
            service: n.service as string,
            environment: n.environment,
            activeAtMs: n.activeAt,
            deployWindowMs: n.deployWindowMs,
            publicUrl: this.o.publicUrl,
          }),
        );
      } catch (err) {
        // The alert matters more than the deploy section: send without it.
        this.o.logger.warn({ err: (err as Error).message, service: n.service }, 'deploy correlation failed');
      }
    }
    return out;
  }
}

const byStart = (a: AlertNotice, b: AlertNotice) =>
  a.firedAt - b.firedAt || (a.instanceId < b.instanceId ? -1 : 1);

/** Derived, not random: a restart that sends an episode's first mail again gives it the same Message-ID. */
function episodeIdOf(groupKey: string, target: string, firing: readonly AlertNotice[]): string {
  const start = Math.min(...firing.map((n) => n.firedAt));
  return createHash('sha256')
    .update(`${groupKey}\n${target}\n${Number.isFinite(start) ? start : 0}`)
    .digest('hex')
    .slice(0, 32);
}

export function createNotifier(o: NotifierOptions): Notifier {
  return new Notifier(o);
}

import { createHash } from 'node:crypto';
import { LOCAL_ADMIN } from '../../access/principal.ts';
import type { TeamsFile } from '../../access/teams-file.ts';
import type { AlertNotice } from '../../alerts/notice.ts';
import { recordDelivery, type NotificationKind } from '../../alerts/notify/delivery-store.ts';
import type { DeployCorrelation } from '../../alerts/notify/deploy-correlation.ts';
import type { Target } from '../../alerts/notify/grouping.ts';
import type { Notifier, NotifierDelivery } from '../../alerts/notify/notifier.ts';
import { withRetries, type AttemptOutcome } from '../../alerts/notify/retry.ts';
import { NotConfigured, classifyTargetError, mailHost } from '../../alerts/notify/send-target.ts';
import { listDeploys } from '../../deploys/list.ts';
import type { Verification } from '../schemas.ts';
import {
  readRepliedEpisodes,
  readThreads,
  writeRepliedEpisodes,
  writeThread,
  type VerdictThread,
} from './thread-store.ts';
import { verdictContent } from './verdict-content.ts';
import { alertReplyEmail, verdictEmail } from './verdict-email.ts';
import {
  VERDICT_ALERTNAME,
  owningTeams,
  verdictLabels,
  verdictTargets,
  type VerdictState,
} from './verdict-routing.ts';
import { alertReplySlackMessage, verdictSlackMessage } from './verdict-slack.ts';

/**
 * Deploy verdicts in Slack and email threads (docs/notifications.md#deploy-verdict-threads):
 *
 * - post(): a completed verification is routed through the alert routing
 *   (verdict-routing.ts) and posted to each target as the parent of the
 *   deploy's thread; a later verification of the same deploy replies in it.
 *   Where the parent is (Slack channel and ts, the mail's Message-ID) is
 *   stored per deploy and target in ClickHouse, so restarts keep threading.
 * - onDeployAlerts(): the notifier's hook; an alert whose deploy correlation
 *   names a deploy with a verdict thread replies there, once per alert
 *   episode (instance and firing start), never on repeats.
 *
 * It reuses the notifier's senders, routing, retry policy (with its backoff
 * and Slack's Retry-After) and delivery log (kinds `verdict` and
 * `verdict-thread`). Work is serialized, so two verdicts of one deploy cannot
 * both start a thread.
 */
export interface VerdictPosterOptions {
  readonly notifier: Notifier;
  /** Teams as code: the owning teams become the `team` label. */
  readonly teams?: TeamsFile | undefined;
}

/** The deploy a verdict threads under: its id, else the service version. */
export function versionKey(v: Pick<Verification, 'service' | 'environment' | 'version'>): string {
  return `version:${v.service}/${v.environment}/${v.version}`;
}

const episodeKey = (n: AlertNotice): string => `${n.instanceId}@${n.firedAt}`;

function hash(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32);
}

interface Sent {
  readonly slackChannel: string;
  readonly slackTs: string;
  readonly emailMessageId: string;
  readonly emailSubject: string;
}

const DAY_MS = 86_400_000;

export class VerdictPoster {
  private queue: Promise<void> = Promise.resolve();
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly o: VerdictPosterOptions) {
    o.notifier.setDeployAlertsHook((x) => this.onDeployAlerts(x));
  }

  /** For the runner's `completed` event: posts in the background (stop() waits for it). */
  handle(v: Verification): void {
    const p = this.post(v);
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Posts a verdict; never rejects (failures are logged and in the delivery log). */
  post(v: Verification): Promise<void> {
    return this.serial(() => this.postNow(v), { verification: v.id });
  }

  /** The notifier's hook: alerts correlated with deploys that have a verdict thread reply there. */
  onDeployAlerts(o: {
    readonly firing: readonly AlertNotice[];
    readonly deploys: readonly DeployCorrelation[];
  }): Promise<void> {
    return this.serial(() => this.replyNow(o.firing, o.deploys), {});
  }

  async stop(): Promise<void> {
    this.o.notifier.setDeployAlertsHook(null);
    await Promise.all([...this.pending]);
    await this.queue;
  }

  private serial(fn: () => Promise<void>, context: Record<string, string>): Promise<void> {
    const run = this.queue.then(fn).catch((err: unknown) => {
      this.o.notifier
        .delivery()
        .logger.error({ ...context, err: (err as Error).message }, 'deploy verdict notification failed');
    });
    this.queue = run;
    return run;
  }

  private async postNow(v: Verification): Promise<void> {
    if (v.state === 'running') return;
    const state: VerdictState = v.state;
    const d = this.o.notifier.delivery();
    const teams = owningTeams(this.o.teams, v.service, v.environment);
    const labelSets = verdictLabels(v, state, teams);
    const targets = verdictTargets(d.routing, labelSets);
    if (targets.length === 0) {
      d.logger.info(
        { verification: v.id, service: v.service, environment: v.environment, labels: labelSets },
        'deploy verdict not posted: no receiver of the routing matches its labels',
      );
      return;
    }
    const deployId = v.deployId ?? (await this.findDeploy(d, v));
    const deployKey = deployId ?? versionKey(v);
    const threads = new Map((await readThreads(d.db, [deployKey])).map((t) => [t.target, t]));
    await Promise.all(
      targets.map(async ({ target, receiver }) => {
        const thread = threads.get(target);
        if (thread?.verificationId === v.id) return; // told already (the event came twice)
        const content = verdictContent(v, state, {
          deployId,
          publicUrl: d.publicUrl,
          again: thread !== undefined,
        });
        const result = await withRetries({
          clock: d.clock,
          policy: d.retry,
          send: async (): Promise<Sent> => {
            if (target.startsWith('slack:')) {
              const slack = requireSlack(d);
              const message = verdictSlackMessage(content, receiver);
              if (thread?.slackTs) {
                await slack.post(thread.slackChannel, message, { ts: thread.slackTs });
                return { ...threadOf(thread) };
              }
              const posted = await slack.post(target.slice('slack:'.length), message);
              return {
                slackChannel: posted.channel,
                slackTs: posted.ts,
                emailMessageId: '',
                emailSubject: '',
              };
            }
            const mail = requireMail(d);
            const rendered = verdictEmail(content, receiver);
            const to = target.slice('email:'.length);
            const host = mailHost(d.publicUrl);
            if (thread?.emailMessageId) {
              await mail.send({
                to,
                ...rendered,
                subject: `Re: ${thread.emailSubject || rendered.subject}`.slice(0, 250),
                messageId: `<verdict.${hash(deployKey, target, v.id)}@${host}>`,
                inReplyTo: thread.emailMessageId,
                references: [thread.emailMessageId],
              });
              return { ...threadOf(thread) };
            }
            // Derived, not random: a crash before the thread is stored re-sends with the same Message-ID.
            const messageId = `<verdict.${hash(deployKey, target)}@${host}>`;
            await mail.send({ to, ...rendered, messageId });
            return {
              slackChannel: '',
              slackTs: '',
              emailMessageId: messageId,
              emailSubject: rendered.subject,
            };
          },
          classify: (err) => classifyTargetError(target, err),
          onAttempt: (a) =>
            this.record(d, a, {
              deployKey,
              receiver,
              target,
              kind: 'verdict',
              alertNames: [VERDICT_ALERTNAME],
              service: v.service,
              environment: v.environment,
            }),
        });
        if (!result.ok) {
          d.logger.error(
            { verification: v.id, receiver, target, attempts: result.attempts, err: result.error },
            'deploy verdict notification failed for good',
          );
          return;
        }
        await writeThread(d.db, {
          deployKey,
          target,
          receiver,
          service: v.service,
          environment: v.environment,
          version: v.version,
          ...result.value,
          verificationId: v.id,
          createdAtMs: thread?.createdAtMs ?? d.clock.now(),
        });
      }),
    );
    d.logger.info(
      { verification: v.id, deployKey, state, targets: targets.length },
      'deploy verdict notification done',
    );
  }

  private async replyNow(
    firing: readonly AlertNotice[],
    correlations: readonly DeployCorrelation[],
  ): Promise<void> {
    const d = this.o.notifier.delivery();
    for (const c of correlations) {
      const alerts = firing.filter(
        (n) => n.service === c.service && (c.environment === null || n.environment === c.environment),
      );
      if (alerts.length === 0) continue;
      for (const deploy of c.deploys) {
        const threads = await readThreads(d.db, [deploy.id]);
        await Promise.all(
          threads.map(async (thread) => {
            const target = thread.target as Target;
            const replied = await readRepliedEpisodes(d.db, deploy.id, target);
            const fresh = alerts.filter((n) => !replied.has(episodeKey(n)));
            if (fresh.length === 0) return;
            const about = {
              service: c.service,
              version: deploy.version,
              minutesBefore: deploy.minutesBefore,
            };
            const result = await withRetries({
              clock: d.clock,
              policy: d.retry,
              send: async () => {
                if (target.startsWith('slack:')) {
                  const slack = requireSlack(d);
                  await slack.post(thread.slackChannel, alertReplySlackMessage(fresh, about, d.publicUrl), {
                    ts: thread.slackTs,
                  });
                  return;
                }
                const mail = requireMail(d);
                const rendered = alertReplyEmail(fresh, about, {
                  publicUrl: d.publicUrl,
                  threadSubject: thread.emailSubject,
                });
                const keys = fresh.map(episodeKey).sort();
                await mail.send({
                  to: target.slice('email:'.length),
                  ...rendered,
                  messageId: `<verdict-alert.${hash(deploy.id, target, ...keys)}@${mailHost(d.publicUrl)}>`,
                  inReplyTo: thread.emailMessageId,
                  references: [thread.emailMessageId],
                });
              },
              classify: (err) => classifyTargetError(target, err),
              onAttempt: (a) =>
                this.record(d, a, {
                  deployKey: deploy.id,
                  receiver: thread.receiver,
                  target,
                  kind: 'verdict-thread',
                  alertNames: [...new Set(fresh.map((n) => n.alert))],
                  service: c.service,
                  environment: c.environment ?? '',
                }),
            });
            if (!result.ok) {
              d.logger.error(
                { deploy: deploy.id, target, attempts: result.attempts, err: result.error },
                'alert reply in a deploy verdict thread failed for good',
              );
              return;
            }
            await writeRepliedEpisodes(d.db, {
              deployKey: deploy.id,
              target,
              episodes: fresh.map((n) => ({ episodeKey: episodeKey(n), alertName: n.alert })),
              atMs: d.clock.now(),
            });
          }),
        );
      }
    }
  }

  /** A verification without a deploy id: the newest deploy (reported or inferred) of its version. */
  private async findDeploy(d: NotifierDelivery, v: Verification): Promise<string | null> {
    try {
      const toMs = Date.parse(v.candidate.to);
      const found = await listDeploys(d.db, LOCAL_ADMIN, {
        service: v.service,
        environment: v.environment,
        fromMs: Date.parse(v.candidate.from) - DAY_MS,
        toMs,
        source: 'all',
        limit: 50,
      });
      return found.find((x) => x.version === v.version)?.id ?? null;
    } catch (err) {
      d.logger.warn(
        { verification: v.id, err: (err as Error).message },
        'deploy verdict: deploy lookup failed',
      );
      return null;
    }
  }

  private async record(
    d: NotifierDelivery,
    a: AttemptOutcome,
    o: {
      deployKey: string;
      receiver: string;
      target: Target;
      kind: NotificationKind;
      alertNames: readonly string[];
      service: string;
      environment: string;
    },
  ): Promise<void> {
    try {
      await recordDelivery(d.db, {
        atMs: d.clock.now(),
        groupKey: `verdict:${o.deployKey}`,
        receiver: o.receiver,
        channel: o.target.startsWith('slack:') ? 'slack' : 'email',
        target: o.target.slice(o.target.indexOf(':') + 1),
        kind: o.kind,
        status: a.status,
        error: a.error,
        attempt: a.attempt,
        alertNames: o.alertNames,
        service: o.service,
        environment: o.environment,
      });
    } catch (err) {
      d.logger.warn({ err: (err as Error).message }, 'cannot record a verdict delivery attempt');
    }
  }
}

function threadOf(t: VerdictThread): Sent {
  return {
    slackChannel: t.slackChannel,
    slackTs: t.slackTs,
    emailMessageId: t.emailMessageId,
    emailSubject: t.emailSubject,
  };
}

function requireSlack(d: NotifierDelivery) {
  if (!d.senders.slack)
    throw new NotConfigured('Slack is not configured (notifications.slackToken / HUB_SLACK_TOKEN)');
  return d.senders.slack;
}

function requireMail(d: NotifierDelivery) {
  if (!d.senders.mail)
    throw new NotConfigured('email is not configured (notifications.smtpUrl / HUB_SMTP_URL)');
  return d.senders.mail;
}

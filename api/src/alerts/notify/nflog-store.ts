import { join, sql, type Db } from '@obshub/core';

/**
 * The notification log: per alert group and target, what the last notification
 * said and where its episode's first message is (Slack ts, mail Message-ID).
 * The dispatcher consults it before sending, so a restart (a new notifier on the
 * same database) sends only what was not sent yet.
 */
export interface NflogEntry {
  readonly groupKey: string;
  readonly target: string;
  readonly receiver: string;
  readonly episodeId: string;
  /** False once the episode's alerts have all resolved (or gone). */
  readonly episodeOpen: boolean;
  readonly firingIds: readonly string[];
  readonly resolvedIds: readonly string[];
  readonly sentAtMs: number;
  readonly slackChannel: string;
  readonly slackTs: string;
  readonly emailMessageId: string;
}

interface Row {
  gk: string;
  tg: string;
  rcv: string;
  ep: string;
  open: number | string;
  fir: string[];
  res: string[];
  sent: number | string;
  sch: string;
  sts: string;
  mid: string;
}

/** The entries of some groups (latest write per group and target). */
export async function readNflog(db: Db, groupKeys: readonly string[]): Promise<NflogEntry[]> {
  if (groupKeys.length === 0) return [];
  const rows = await db.query<Row>(
    sql`SELECT group_key AS gk, target AS tg,
        argMax(receiver, updated_at_ms) AS rcv,
        argMax(episode_id, updated_at_ms) AS ep,
        argMax(episode_open, updated_at_ms) AS open,
        argMax(firing_ids, updated_at_ms) AS fir,
        argMax(resolved_ids, updated_at_ms) AS res,
        argMax(sent_at_ms, updated_at_ms) AS sent,
        argMax(slack_channel, updated_at_ms) AS sch,
        argMax(slack_ts, updated_at_ms) AS sts,
        argMax(email_message_id, updated_at_ms) AS mid
      FROM alert_notification_log WHERE group_key IN (${join(
        groupKeys.map((k) => sql`${k}`),
        ', ',
      )}) GROUP BY group_key, target`,
  );
  return rows.map((r) => ({
    groupKey: r.gk,
    target: r.tg,
    receiver: r.rcv,
    episodeId: r.ep,
    episodeOpen: Number(r.open) === 1,
    firingIds: r.fir,
    resolvedIds: r.res,
    sentAtMs: Number(r.sent),
    slackChannel: r.sch,
    slackTs: r.sts,
    emailMessageId: r.mid,
  }));
}

/**
 * Writes an entry. `updatedAtMs` orders writes of one key; it must grow, so it
 * is at least the previous write's + 1 (an injected clock may stand still).
 */
export async function writeNflog(db: Db, e: NflogEntry, updatedAtMs: number): Promise<void> {
  await db.command(
    sql`INSERT INTO alert_notification_log (group_key, target, receiver, episode_id, episode_open, firing_ids,
        resolved_ids, sent_at_ms, slack_channel, slack_ts, email_message_id, updated_at_ms)
      VALUES (${e.groupKey}, ${e.target}, ${e.receiver}, ${e.episodeId}, ${e.episodeOpen ? 1 : 0},
        ${[...e.firingIds]}, ${[...e.resolvedIds]}, ${e.sentAtMs}, ${e.slackChannel}, ${e.slackTs},
        ${e.emailMessageId}, ${updatedAtMs})`,
    db.cluster ? { settings: { insert_distributed_sync: 1 } } : {},
  );
}

import { join, sql, type Db } from '@obshub/core';

/**
 * Where each deploy's verdict was posted, per target (tables
 * `deploy_verdict_threads` and `deploy_verdict_thread_replies`, migration 8,
 * core/src/schema/verdict-threads.ts). Read from ClickHouse every time, so a
 * restarted API (or a second notifier on the same database) threads the same.
 */
export interface VerdictThread {
  readonly deployKey: string;
  /** `slack:<channel>` or `email:<address>`. */
  readonly target: string;
  readonly receiver: string;
  readonly service: string;
  readonly environment: string;
  readonly version: string;
  readonly slackChannel: string;
  readonly slackTs: string;
  readonly emailMessageId: string;
  readonly emailSubject: string;
  readonly verificationId: string;
  readonly createdAtMs: number;
}

interface ThreadRow {
  dk: string;
  tg: string;
  rcv: string;
  svc: string;
  env: string;
  ver: string;
  sch: string;
  sts: string;
  mid: string;
  subj: string;
  vid: string;
  created: number | string;
}

/** The threads of some deploys (latest write per deploy and target). */
export async function readThreads(db: Db, deployKeys: readonly string[]): Promise<VerdictThread[]> {
  if (deployKeys.length === 0) return [];
  const rows = await db.query<ThreadRow>(
    sql`SELECT deploy_key AS dk, target AS tg,
        argMax(receiver, updated_at_ms) AS rcv,
        argMax(service_name, updated_at_ms) AS svc,
        argMax(environment, updated_at_ms) AS env,
        argMax(version, updated_at_ms) AS ver,
        argMax(slack_channel, updated_at_ms) AS sch,
        argMax(slack_ts, updated_at_ms) AS sts,
        argMax(email_message_id, updated_at_ms) AS mid,
        argMax(email_subject, updated_at_ms) AS subj,
        argMax(verification_id, updated_at_ms) AS vid,
        min(created_at_ms) AS created
      FROM deploy_verdict_threads WHERE deploy_key IN (${join(
        deployKeys.map((k) => sql`${k}`),
        ', ',
      )}) GROUP BY deploy_key, target ORDER BY deploy_key, target`,
  );
  return rows.map((r) => ({
    deployKey: r.dk,
    target: r.tg,
    receiver: r.rcv,
    service: r.svc,
    environment: r.env,
    version: r.ver,
    slackChannel: r.sch,
    slackTs: r.sts,
    emailMessageId: r.mid,
    emailSubject: r.subj,
    verificationId: r.vid,
    createdAtMs: Number(r.created),
  }));
}

let lastStamp = 0;
/** Orders the writes of a key across restarts: wall time, strictly growing within the process. */
function stamp(): number {
  lastStamp = Math.max(Date.now(), lastStamp + 1);
  return lastStamp;
}

const clusterSettings = (db: Db) => (db.cluster ? { settings: { insert_distributed_sync: 1 } } : {});

export async function writeThread(db: Db, t: VerdictThread): Promise<void> {
  await db.command(
    sql`INSERT INTO deploy_verdict_threads (deploy_key, target, receiver, service_name, environment, version,
        slack_channel, slack_ts, email_message_id, email_subject, verification_id, created_at_ms, updated_at_ms)
      VALUES (${t.deployKey}, ${t.target}, ${t.receiver}, ${t.service}, ${t.environment}, ${t.version},
        ${t.slackChannel}, ${t.slackTs}, ${t.emailMessageId}, ${t.emailSubject}, ${t.verificationId},
        ${t.createdAtMs}, ${stamp()})`,
    clusterSettings(db),
  );
}

/** The alert episodes already told in a deploy's thread at a target. */
export async function readRepliedEpisodes(db: Db, deployKey: string, target: string): Promise<Set<string>> {
  const rows = await db.query<{ ek: string }>(
    sql`SELECT DISTINCT episode_key AS ek FROM deploy_verdict_thread_replies
      WHERE deploy_key = ${deployKey} AND target = ${target}`,
  );
  return new Set(rows.map((r) => r.ek));
}

export async function writeRepliedEpisodes(
  db: Db,
  o: {
    deployKey: string;
    target: string;
    episodes: readonly { episodeKey: string; alertName: string }[];
    atMs: number;
  },
): Promise<void> {
  if (o.episodes.length === 0) return;
  await db.command(
    sql`INSERT INTO deploy_verdict_thread_replies (deploy_key, target, episode_key, alert_name, replied_at_ms)
      VALUES ${join(
        o.episodes.map((e) => sql`(${o.deployKey}, ${o.target}, ${e.episodeKey}, ${e.alertName}, ${o.atMs})`),
        ', ',
      )}`,
    clusterSettings(db),
  );
}

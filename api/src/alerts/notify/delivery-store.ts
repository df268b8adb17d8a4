import { randomUUID } from 'node:crypto';
import { int, join, sql, trusted, type Db, type SqlFragment } from '@obshub/core';
import { runQuery } from '../../common/run-query.ts';

/** One attempt to deliver one notification to one target (docs/notifications.md#the-delivery-log). */
export type DeliveryStatus = 'sent' | 'retrying' | 'failed';
/** verdict: a deploy verification verdict; verdict-thread: an alert's reply in a verdict's thread. */
export type NotificationKind = 'firing' | 'resolved' | 'verdict' | 'verdict-thread';
export type ChannelKind = 'slack' | 'email';

export interface DeliveryAttempt {
  readonly atMs: number;
  readonly groupKey: string;
  readonly receiver: string;
  readonly channel: ChannelKind;
  readonly target: string;
  readonly kind: NotificationKind;
  readonly status: DeliveryStatus;
  readonly error: string;
  readonly attempt: number;
  readonly alertNames: readonly string[];
  readonly service: string;
  readonly environment: string;
}

export interface StoredDelivery extends DeliveryAttempt {
  readonly id: string;
}

export async function recordDelivery(db: Db, d: DeliveryAttempt): Promise<void> {
  await db.command(
    sql`INSERT INTO alert_deliveries (id, at, at_ms, group_key, receiver, channel, target, kind, status, error,
        attempt, alert_names, service_name, environment)
      VALUES (${randomUUID()}, toDateTime(${Math.floor(d.atMs / 1000)}), ${d.atMs}, ${d.groupKey}, ${d.receiver},
        ${d.channel}, ${d.target}, ${d.kind}, ${d.status}, ${d.error}, ${d.attempt}, ${[...d.alertNames]},
        ${d.service}, ${d.environment})`,
  );
}

interface Row {
  id: string;
  at_ms: number | string;
  group_key: string;
  receiver: string;
  channel: ChannelKind;
  target: string;
  kind: NotificationKind;
  status: DeliveryStatus;
  error: string;
  attempt: number | string;
  alert_names: string[];
  service_name: string;
  environment: string;
}

const toDelivery = (r: Row): StoredDelivery => ({
  id: r.id,
  atMs: Number(r.at_ms),
  groupKey: r.group_key,
  receiver: r.receiver,
  channel: r.channel,
  target: r.target,
  kind: r.kind,
  status: r.status,
  error: r.error,
  attempt: Number(r.attempt),
  alertNames: r.alert_names,
  service: r.service_name,
  environment: r.environment,
});

const COLUMNS = trusted(
  'id, at_ms, group_key, receiver, channel, target, kind, status, error, attempt, alert_names, service_name, environment',
);

/** The newest attempts matching `scope` (a condition on service_name / environment). */
export async function listDeliveries(
  db: Db,
  scope: SqlFragment,
  o: { limit: number; status?: DeliveryStatus | undefined },
  signal?: AbortSignal,
): Promise<StoredDelivery[]> {
  const parts = [scope];
  if (o.status !== undefined) parts.push(sql`status = ${o.status}`);
  const { rows } = await runQuery<Row>(
    db,
    sql`SELECT ${COLUMNS} FROM alert_deliveries WHERE ${join(parts, ' AND ')}
      ORDER BY at_ms DESC, attempt DESC LIMIT ${int(o.limit, 1, 1000)}`,
    signal,
  );
  return rows.map(toDelivery);
}

/**
 * Targets whose latest attempt failed for good: a receiver that does not work
 * (a revoked Slack token, an unknown channel, an SMTP server that refuses).
 */
export async function listFailingTargets(
  db: Db,
  scope: SqlFragment,
  signal?: AbortSignal,
): Promise<StoredDelivery[]> {
  const { rows } = await runQuery<Row>(
    db,
    sql`SELECT ${COLUMNS} FROM alert_deliveries WHERE ${scope}
      ORDER BY at_ms DESC, attempt DESC LIMIT 1 BY receiver, channel, target`,
    signal,
  );
  return rows.filter((r) => r.status === 'failed').map(toDelivery);
}

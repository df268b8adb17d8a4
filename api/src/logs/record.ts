import { int, sql, type Db } from '@obshub/core';
import { maySee, scopeCondition, type Principal } from '../access/principal.ts';
import { ApiErrors } from '../errors.ts';
import { decodeRecordId } from './record-id.ts';
import { RECORD_COLUMNS, type RecordRow } from './rows.ts';
import { fetchResources, recordsOf, withResources } from './resources.ts';
import { runQuery } from '../common/run-query.ts';
import type { LogRecord } from './schemas.ts';

/**
 * One record by id, and its context: the records just before and after it
 * from the same service instance (or the same service and host when the
 * instance id is absent). A record outside the caller's scope is "not found".
 */
export async function getRecord(
  db: Db,
  principal: Principal,
  id: string,
  signal?: AbortSignal,
): Promise<LogRecord> {
  const row = await findRow(db, principal, id, signal);
  const { records } = await recordsOf(db, [row], signal);
  return records[0] as LogRecord;
}

/** The record's row (without its resource), or "not found". */
async function findRow(db: Db, principal: Principal, id: string, signal?: AbortSignal): Promise<RecordRow> {
  const key = decodeRecordId(id);
  const seconds = Number(BigInt(key.timeUnixNano) / 1_000_000_000n);
  const { rows } = await runQuery<RecordRow>(
    db,
    sql`SELECT ${RECORD_COLUMNS} FROM logs
        WHERE service_name = ${key.service} AND timestamp = toDateTime(${seconds})
          AND time_unix_nano = ${BigInt(key.timeUnixNano)} AND id = ${BigInt(key.id)}
          AND ${scopeCondition(principal)}
        LIMIT 1`,
    signal,
  );
  const row = rows[0];
  if (!row || !maySee(principal, row.service_name, row.environment))
    throw new ApiErrors.NOT_FOUND('log record');
  return row;
}

export async function recordContext(
  db: Db,
  principal: Principal,
  id: string,
  p: { before: number; after: number },
  signal?: AbortSignal,
) {
  const row = await findRow(db, principal, id, signal);
  const t = BigInt(row.t);
  const seconds = Number(t / 1_000_000_000n);
  const recId = BigInt(decodeRecordId(id).id);
  const same = row.service_instance_id
    ? sql`service_name = ${row.service_name} AND service_instance_id = ${row.service_instance_id}`
    : sql`service_name = ${row.service_name} AND host_name = ${row.host_name} AND environment = ${row.environment}`;
  // One hour either side bounds the read; context further away is rarely what anyone wants.
  const [before, after] = await Promise.all([
    runQuery<RecordRow>(
      db,
      sql`SELECT ${RECORD_COLUMNS} FROM logs
          WHERE ${same} AND ${scopeCondition(principal)}
            AND timestamp >= toDateTime(${seconds - 3600}) AND timestamp <= toDateTime(${seconds})
            AND (time_unix_nano < ${t} OR (time_unix_nano = ${t} AND id < ${recId}))
          ORDER BY timestamp DESC, time_unix_nano DESC, id DESC LIMIT ${int(p.before, 0, 200)}`,
      signal,
    ),
    runQuery<RecordRow>(
      db,
      sql`SELECT ${RECORD_COLUMNS} FROM logs
          WHERE ${same} AND ${scopeCondition(principal)}
            AND timestamp >= toDateTime(${seconds}) AND timestamp <= toDateTime(${seconds + 3600})
            AND (time_unix_nano > ${t} OR (time_unix_nano = ${t} AND id > ${recId}))
          ORDER BY timestamp ASC, time_unix_nano ASC, id ASC LIMIT ${int(p.after, 0, 200)}`,
      signal,
    ),
  ]);
  // One resource lookup for the record and its context.
  const { resources } = await fetchResources(
    db,
    [row, ...before.rows, ...after.rows].map((r) => r.resource_fp),
    signal,
  );
  return {
    record: withResources([row], resources)[0] as LogRecord,
    before: withResources(before.rows, resources),
    after: withResources(after.rows, resources),
  };
}

import { createHash } from 'node:crypto';
import { join, migrate, MIGRATIONS, sql, trusted, type Db, type SqlFragment } from '@obshub/core';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import type { QueryNode } from '../../src/query/index.ts';

/** A compact rendering of an AST for assertions: (or (and a b) (not service=x)). */
export function show(node: QueryNode | null): string {
  if (node === null) return 'null';
  switch (node.type) {
    case 'and':
    case 'or':
      return `(${node.type} ${node.children.map(show).join(' ')})`;
    case 'not':
      return `(not ${show(node.expr)})`;
    case 'text':
      return node.phrase ? JSON.stringify(node.value) : `${node.value}${node.wildcard ? '~' : ''}`;
    case 'exists':
      return `${node.field}?`;
    case 'match': {
      const op = { eq: '=', gt: '>', gte: '>=', lt: '<', lte: '<=' }[node.op];
      const value = node.quoted ? JSON.stringify(node.value) : node.value;
      return `${node.field}${op}${value}${node.wildcard ? '~' : ''}`;
    }
  }
}

/** The AST without positions, for comparing trees parsed from different texts. */
export function withoutPositions(node: QueryNode | null): unknown {
  return JSON.parse(
    JSON.stringify(node, (key, value: unknown) =>
      key === 'start' || key === 'end' || key === 'valueStart' ? undefined : value,
    ),
  );
}

/** One log record of the test fixture; the body identifies it in assertions. */
export interface LogRow {
  body: string;
  service?: string;
  severity?: number;
  severityText?: string;
  env?: string;
  version?: string;
  namespace?: string;
  instance?: string;
  host?: string;
  traceId?: string;
  spanId?: string;
  eventName?: string;
  scope?: string;
  httpStatus?: number;
  /** Record attributes: numbers are stored as text and as numbers, as the collector does. */
  attrs?: Record<string, string | number>;
  resource?: Record<string, string>;
}

const RECORD_COLUMNS = `id, timestamp, time_unix_nano, severity_number, severity_text, body, trace_id, span_id,
  event_name, http_status, attr_keys, attr_values, attr_num_keys, attr_num_values, service_name,
  service_version, service_namespace, service_instance_id, environment, host_name, scope_name`;

/**
 * How a row is stored. `current`: as the collector writes logs since migration
 * 9, with a resource_fingerprint and empty resource arrays in logs, the
 * resource's attributes in log_resources. `legacy`: as before migration 9,
 * the resource arrays in every log row and no fingerprint column written
 * (write these before migration 9, which backfills log_resources from them).
 */
export type Layout = 'current' | 'legacy';

/** The fingerprint of a resource in the current layout (any stable 64-bit hash will do); 0 for none. */
export function resourceFingerprint(resource: Record<string, string> | undefined): bigint {
  const entries = Object.entries(resource ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) return 0n;
  return createHash('sha1').update(JSON.stringify(entries)).digest().readBigUInt64LE(0);
}

const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);

function recordValues(r: LogRow, id: number): SqlFragment {
  const attrs = Object.entries(r.attrs ?? {});
  const nums = attrs.filter((e): e is [string, number] => typeof e[1] === 'number');
  const ts = new Date(T0 + id * 1000);
  return sql`${id}, ${ts}, ${BigInt(ts.getTime()) * 1_000_000n}, ${r.severity ?? 0},
      ${r.severityText ?? ''}, ${r.body}, ${r.traceId ?? ''}, ${r.spanId ?? ''}, ${r.eventName ?? ''},
      ${r.httpStatus ?? 0}, ${attrs.map((e) => e[0])}, ${attrs.map((e) => String(e[1]))},
      ${nums.map((e) => e[0])}, ${nums.map((e) => e[1])}, ${r.service ?? 'unknown_service'},
      ${r.version ?? ''}, ${r.namespace ?? ''}, ${r.instance ?? ''}, ${r.env ?? ''}, ${r.host ?? ''},
      ${r.scope ?? ''}`;
}

/**
 * Inserts rows with ids firstId, firstId + 1, ... in the given layout. In the
 * current layout each resource gets two log_resources rows (a first sighting
 * and an hourly refresh), as the collector leaves them before a merge.
 */
export async function insertLogs(
  db: Db,
  rows: readonly LogRow[],
  firstId = 1,
  layout: Layout = 'current',
): Promise<void> {
  if (rows.length === 0) return;
  if (layout === 'legacy') {
    const values = rows.map((r, i) => {
      const resource = Object.entries(r.resource ?? {});
      return sql`(${recordValues(r, firstId + i)}, ${resource.map((e) => e[0])}, ${resource.map((e) => e[1])})`;
    });
    await db.command(
      sql`INSERT INTO logs (${trusted(RECORD_COLUMNS)}, resource_keys, resource_values) VALUES ${join(values, ', ')}`,
    );
    return;
  }
  const values = rows.map(
    (r, i) => sql`(${recordValues(r, firstId + i)}, ${resourceFingerprint(r.resource)})`,
  );
  await db.command(
    sql`INSERT INTO logs (${trusted(RECORD_COLUMNS)}, resource_fingerprint) VALUES ${join(values, ', ')}`,
  );
  const resources = new Map<bigint, SqlFragment>();
  rows.forEach((r, i) => {
    const fp = resourceFingerprint(r.resource);
    if (fp === 0n || resources.has(fp)) return;
    const seen = Math.floor((T0 + (firstId + i) * 1000) / 1000);
    const keys = Object.keys(r.resource ?? {});
    const vals = Object.values(r.resource ?? {});
    const row = (lastSeen: number) =>
      sql`(${fp}, ${r.service ?? 'unknown_service'}, ${r.env ?? ''}, ${keys}, ${vals}, toDateTime(${seen}), toDateTime(${lastSeen}))`;
    resources.set(fp, sql`${row(seen)}, ${row(seen + 3600)}`);
  });
  if (resources.size === 0) return;
  await db.command(
    sql`INSERT INTO log_resources (fingerprint, service_name, environment, resource_keys, resource_values, first_seen, last_seen)
        VALUES ${join([...resources.values()], ', ')}`,
  );
}

/**
 * A database holding `rows` (ids 1..n) in both layouts: the rows whose ids
 * are in `legacyIds` written before migration 9 (so their parts predate the
 * resource_fingerprint column, and log_resources gets them from migration 9's
 * backfill), the others after it, in the current layout.
 */
export async function createMixedLayoutDb(
  rows: readonly LogRow[],
  legacyIds: ReadonlySet<number>,
): Promise<TestDb> {
  const t = await createTestDb({ migrate: false });
  const config = { logsDays: 14, metricsDays: 30 };
  const insertEach = async (layout: Layout, pick: (id: number) => boolean) => {
    for (const [i, r] of rows.entries()) if (pick(i + 1)) await insertLogs(t.db, [r], i + 1, layout);
  };
  await migrate(
    t.db,
    config,
    MIGRATIONS.filter((m) => m.version < 9),
  );
  await insertEach('legacy', (id) => legacyIds.has(id));
  await migrate(t.db, config);
  await insertEach('current', (id) => !legacyIds.has(id));
  return t;
}

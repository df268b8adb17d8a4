import { join, sql, type Db } from '@obshub/core';
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

const COLUMNS = sql`(id, timestamp, time_unix_nano, severity_number, severity_text, body, trace_id, span_id,
  event_name, http_status, attr_keys, attr_values, attr_num_keys, attr_num_values, service_name,
  service_version, service_namespace, service_instance_id, environment, host_name, scope_name,
  resource_keys, resource_values)`;

/** Inserts rows with ids firstId, firstId + 1, ... */
export async function insertLogs(db: Db, rows: readonly LogRow[], firstId = 1): Promise<void> {
  const t0 = Date.UTC(2025, 0, 15, 12, 0, 0);
  const values = rows.map((r, i) => {
    const attrs = Object.entries(r.attrs ?? {});
    const nums = attrs.filter((e): e is [string, number] => typeof e[1] === 'number');
    const resource = Object.entries(r.resource ?? {});
    const ts = new Date(t0 + (firstId + i) * 1000);
    return sql`(${firstId + i}, ${ts}, ${BigInt(ts.getTime()) * 1_000_000n}, ${r.severity ?? 0},
      ${r.severityText ?? ''}, ${r.body}, ${r.traceId ?? ''}, ${r.spanId ?? ''}, ${r.eventName ?? ''},
      ${r.httpStatus ?? 0}, ${attrs.map((e) => e[0])}, ${attrs.map((e) => String(e[1]))},
      ${nums.map((e) => e[0])}, ${nums.map((e) => e[1])}, ${r.service ?? 'unknown_service'},
      ${r.version ?? ''}, ${r.namespace ?? ''}, ${r.instance ?? ''}, ${r.env ?? ''}, ${r.host ?? ''},
      ${r.scope ?? ''}, ${resource.map((e) => e[0])}, ${resource.map((e) => e[1])})`;
  });
  await db.command(sql`INSERT INTO logs ${COLUMNS} VALUES ${join(values, ', ')}`);
}

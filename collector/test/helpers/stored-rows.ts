import { sql, type Db, type SqlFragment } from '../../../core/src/index.ts';

/** A stored log row as the collector tests read it back (UInt64s as strings). */
export interface StoredLogRow {
  ts: number;
  time_ns: string;
  observed_ns: string;
  severity_number: number;
  severity_text: string;
  body: string;
  trace_id: string;
  span_id: string;
  flags: number;
  event_name: string;
  http_status: number;
  attr_keys: string[];
  attr_values: string[];
  attr_num_keys: string[];
  attr_num_values: number[];
  service_name: string;
  service_version: string;
  service_namespace: string;
  service_instance_id: string;
  environment: string;
  host_name: string;
  scope_name: string;
  scope_version: string;
  resource_keys: string[];
  resource_values: string[];
}

/**
 * Every column of the log rows matching `where`, with their resource's
 * attributes from log_resources (the latest row of the fingerprint).
 */
export function selectLogRows(db: Db, where: SqlFragment): Promise<StoredLogRow[]> {
  return db.query<StoredLogRow>(sql`
    SELECT ts, time_ns, observed_ns, severity_number, severity_text, body, trace_id, span_id, flags,
      event_name, http_status, attr_keys, attr_values, attr_num_keys, attr_num_values, service_name,
      service_version, service_namespace, service_instance_id, environment, host_name, scope_name,
      scope_version, resource_keys, resource_values
    FROM (
      SELECT toUnixTimestamp(timestamp) AS ts, toString(time_unix_nano) AS time_ns,
        toString(observed_time_unix_nano) AS observed_ns, severity_number, severity_text, body,
        trace_id, span_id, flags, event_name, http_status, attr_keys, attr_values, attr_num_keys,
        attr_num_values, service_name, service_version, service_namespace, service_instance_id,
        environment, host_name, scope_name, scope_version, resource_fingerprint AS fingerprint
      FROM logs WHERE ${where})
    ANY LEFT JOIN (
      SELECT fingerprint, argMax(resource_keys, last_seen) AS resource_keys,
        argMax(resource_values, last_seen) AS resource_values
      FROM log_resources GROUP BY fingerprint)
    USING fingerprint`);
}

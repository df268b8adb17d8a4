import { trusted, type SqlFragment } from '@obshub/core';
import { encodeRecordId } from './record-id.ts';
import type { LogRecord } from './schemas.ts';
import { nanosToIso } from '../common/time-range.ts';

/** The columns every record listing reads (UInt64s as strings: JS numbers cannot hold them). */
export const RECORD_COLUMNS: SqlFragment = trusted(
  [
    'toString(id) AS record_id',
    'toString(time_unix_nano) AS t',
    'toString(observed_time_unix_nano) AS o',
    'severity_number',
    'severity_text',
    'service_name',
    'environment',
    'service_version',
    'service_namespace',
    'service_instance_id',
    'host_name',
    'body',
    'trace_id',
    'span_id',
    'event_name',
    'scope_name',
    'scope_version',
    'flags',
    'attr_keys',
    'attr_values',
    // The resource's attributes live in log_resources (resources.ts), never in logs' arrays.
    'toString(resource_fingerprint) AS resource_fp',
  ].join(', '),
);

export interface RecordRow {
  record_id: string;
  t: string;
  o: string;
  severity_number: number;
  severity_text: string;
  service_name: string;
  environment: string;
  service_version: string;
  service_namespace: string;
  service_instance_id: string;
  host_name: string;
  body: string;
  trace_id: string;
  span_id: string;
  event_name: string;
  scope_name: string;
  scope_version: string;
  flags: number;
  attr_keys: string[];
  attr_values: string[];
  /** UInt64 as text; its attributes come from log_resources (fetchResources). */
  resource_fp: string;
}

export function zip(keys: readonly string[], values: readonly string[]): Record<string, string> {
  // A null-prototype object: attribute names such as "__proto__" stay plain keys.
  const out = Object.create(null) as Record<string, string>;
  keys.forEach((k, i) => {
    out[k] = values[i] ?? '';
  });
  return out;
}

/** A row as the API answers it, with its resource's attributes (from fetchResources; {} when unknown). */
export function toRecord(row: RecordRow, resource: Record<string, string>): LogRecord {
  return {
    id: encodeRecordId({ timeUnixNano: row.t, id: row.record_id, service: row.service_name }),
    timestamp: nanosToIso(row.t),
    timeUnixNano: row.t,
    observedTimeUnixNano: row.o,
    severityNumber: Number(row.severity_number),
    severityText: row.severity_text,
    service: row.service_name,
    environment: row.environment,
    version: row.service_version,
    namespace: row.service_namespace,
    instance: row.service_instance_id,
    host: row.host_name,
    body: row.body,
    traceId: row.trace_id,
    spanId: row.span_id,
    eventName: row.event_name,
    scope: row.scope_name,
    scopeVersion: row.scope_version,
    flags: Number(row.flags),
    attributes: zip(row.attr_keys, row.attr_values),
    resource,
  };
}

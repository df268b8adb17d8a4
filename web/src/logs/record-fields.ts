import { attributeTerm, columnTerm } from '../lib/query-text.ts';
import { severityGroup, severityTerm } from '../lib/severity.ts';
import type { LogRecord } from '../lib/types.ts';

/** One line of the expanded record: a name, its value, and the terms that filter on it. */
export interface FieldLine {
  name: string;
  value: string;
  include: string | undefined;
  exclude: string | undefined;
}

type Column = { key: keyof LogRecord; name: string; field?: string };

/** The record's own fields, in reading order, and the query field of each. */
const COLUMNS: Column[] = [
  { key: 'timestamp', name: 'timestamp' },
  { key: 'service', name: 'service', field: 'service' },
  { key: 'environment', name: 'env', field: 'env' },
  { key: 'version', name: 'version', field: 'version' },
  { key: 'namespace', name: 'service.namespace', field: 'service.namespace' },
  { key: 'instance', name: 'instance', field: 'instance' },
  { key: 'host', name: 'host', field: 'host' },
  { key: 'severityText', name: 'severity_text', field: 'severity_text' },
  { key: 'traceId', name: 'trace_id', field: 'trace_id' },
  { key: 'spanId', name: 'span_id', field: 'span_id' },
  { key: 'eventName', name: 'event_name', field: 'event_name' },
  { key: 'scope', name: 'scope', field: 'scope' },
  { key: 'scopeVersion', name: 'scope.version' },
  { key: 'flags', name: 'flags' },
  { key: 'observedTimeUnixNano', name: 'observed_time_unix_nano' },
  { key: 'id', name: 'id' },
];

export function recordFields(r: LogRecord): FieldLine[] {
  const group = severityGroup(r.severityNumber);
  const lines: FieldLine[] = [
    {
      name: 'severity',
      value: `${group} (${r.severityNumber})`,
      include: severityTerm(group),
      exclude: severityTerm(group, true),
    },
  ];
  for (const c of COLUMNS) {
    const value = String(r[c.key]);
    const field = c.field;
    lines.push({
      name: c.name,
      value,
      include: field ? columnTerm(field, value) : undefined,
      exclude: field ? columnTerm(field, value, true) : undefined,
    });
  }
  return lines;
}

export function attributeFields(attrs: Record<string, string>): FieldLine[] {
  return Object.keys(attrs)
    .sort()
    .map((name) => {
      const value = attrs[name] ?? '';
      return { name, value, include: attributeTerm(name, value), exclude: attributeTerm(name, value, true) };
    });
}

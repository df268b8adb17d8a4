import type { LOG_COLUMNS } from '@obshub/core';

/** A column of the logs table; a renamed column breaks the type check here. */
export type LogColumn = (typeof LOG_COLUMNS)[number]['name'];

/**
 * How a field is searched:
 * - text: a string column, exact and case-sensitive (service:checkout);
 * - id: trace or span id, hex, compared in lower case;
 * - body: the log body, case-insensitive substring like free text;
 * - severity: severity_number, by name (a range) or number;
 * - status: the http_status column (0 = absent), numeric.
 */
export type FieldKind = 'text' | 'id' | 'body' | 'severity' | 'status';

export interface FieldSpec {
  /** The name used in the docs first, then its aliases. */
  readonly names: readonly [string, ...string[]];
  readonly kind: FieldKind;
  readonly column: LogColumn;
  readonly description: string;
}

/** Fields promoted to columns of the logs table. Every other name is an attribute. */
export const LOG_FIELDS: readonly FieldSpec[] = [
  {
    names: ['service', 'service.name'],
    kind: 'text',
    column: 'service_name',
    description: 'Resource attribute service.name',
  },
  {
    names: ['env', 'environment', 'deployment.environment.name', 'deployment.environment'],
    kind: 'text',
    column: 'environment',
    description: 'Resource attribute deployment.environment.name (or the older deployment.environment)',
  },
  {
    names: ['version', 'service.version'],
    kind: 'text',
    column: 'service_version',
    description: 'Resource attribute service.version',
  },
  {
    names: ['host', 'host.name'],
    kind: 'text',
    column: 'host_name',
    description: 'Resource attribute host.name',
  },
  {
    names: ['service.namespace'],
    kind: 'text',
    column: 'service_namespace',
    description: 'Resource attribute service.namespace',
  },
  {
    names: ['instance', 'service.instance.id'],
    kind: 'text',
    column: 'service_instance_id',
    description: 'Resource attribute service.instance.id',
  },
  {
    names: ['trace_id', 'traceId'],
    kind: 'id',
    column: 'trace_id',
    description: 'Trace id, 32 hex digits (any case)',
  },
  {
    names: ['span_id', 'spanId'],
    kind: 'id',
    column: 'span_id',
    description: 'Span id, 16 hex digits (any case)',
  },
  {
    names: ['severity', 'level'],
    kind: 'severity',
    column: 'severity_number',
    description: 'Severity by name (trace, debug, info, warn, error, fatal) or number 1-24',
  },
  {
    names: ['severity_text'],
    kind: 'text',
    column: 'severity_text',
    description: 'Severity text as the application sent it (e.g. WARNING)',
  },
  {
    names: ['body', 'message'],
    kind: 'body',
    column: 'body',
    description: 'Log body: case-insensitive substring, like free text',
  },
  {
    names: ['event_name'],
    kind: 'text',
    column: 'event_name',
    description: 'Event name of the record (OTLP EventName)',
  },
  {
    names: ['scope', 'scope.name'],
    kind: 'text',
    column: 'scope_name',
    description: 'Instrumentation scope name',
  },
  {
    names: ['status', 'http.response.status_code', 'http.status_code'],
    kind: 'status',
    column: 'http_status',
    description: 'HTTP response status code (record attribute), numeric',
  },
];

/** A field name resolved against the logs table. */
export type ResolvedField =
  | { readonly kind: FieldKind; readonly column: LogColumn; readonly name: string }
  | { readonly kind: 'attribute'; readonly name: string };

// A Map, not an object: names such as "constructor" or "__proto__" must be attributes.
const BY_NAME = new Map<string, FieldSpec>(LOG_FIELDS.flatMap((f) => f.names.map((n) => [n, f] as const)));

/**
 * Resolves a field name as written in a query. Names are case-sensitive, like
 * OTel attribute names; any name that is not a column alias is an attribute,
 * looked up in both the record's and the resource's attributes.
 */
export function resolveField(name: string): ResolvedField {
  const spec = BY_NAME.get(name);
  if (spec === undefined) return { kind: 'attribute', name };
  return { kind: spec.kind, column: spec.column, name };
}

/**
 * Severity names and the first number of their OTLP range (each range spans
 * four numbers: ERROR is 17-20). warning is an alias of warn.
 */
export const SEVERITY_NAMES: Readonly<Record<string, number>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, number>, {
    trace: 1,
    debug: 5,
    info: 9,
    warn: 13,
    warning: 13,
    error: 17,
    fatal: 21,
  }),
);

/** Inclusive range of severity numbers a severity value stands for. */
export interface SeverityRange {
  readonly min: number;
  readonly max: number;
}

/**
 * A severity value: a name (any case) is its whole range, a number 1-24 is
 * itself; anything else is undefined.
 */
export function severityRange(value: string): SeverityRange | undefined {
  const first = SEVERITY_NAMES[value.toLowerCase()];
  if (first !== undefined) return { min: first, max: first + 3 };
  if (!/^[0-9]{1,2}$/.test(value)) return undefined;
  const n = Number(value);
  return n >= 1 && n <= 24 ? { min: n, max: n } : undefined;
}

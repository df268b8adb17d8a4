import { LOG_FIELDS } from '../../query/fields.ts';

/**
 * The labels an alert of a rule carries: `alertname`, the group's and the
 * rule's static labels, one label per group_by entry, and for absence rules
 * the service (and environment) watched.
 */

/** Set by the hub on every alert; a rule cannot set them. */
export const RESERVED_LABELS = ['alertname'] as const;

/**
 * The label a group_by entry gives its alerts: the short name of a log field
 * and its aliases (service.name → service, deployment.environment.name → env,
 * http.response.status_code → status), otherwise the name with every character
 * outside [a-zA-Z0-9_] made `_` (http.route → http_route), so every label name
 * is a Prometheus label name.
 */
export function groupByLabel(field: string): string {
  const spec = LOG_FIELDS.find((f) => f.names.includes(field));
  const label = (spec ? spec.names[0] : field).replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(label) ? `_${label}` : label;
}

/** Labels an absence rule's alerts get from its fields. */
export function absenceLabels(environment: string | undefined): string[] {
  return environment === undefined
    ? [groupByLabel('service')]
    : [groupByLabel('service'), groupByLabel('env')];
}

export function isReservedLabel(name: string): boolean {
  return (RESERVED_LABELS as readonly string[]).includes(name) || name.startsWith('__');
}

import { formatDuration } from '../rules/durations.ts';
import type { AlertRule } from '../rules/model.ts';
import { renderTemplate, type TemplateData } from '../rules/templates.ts';
import type { AlertNotice } from '../notice.ts';
import { RESOLVED_RETENTION_MS, type InstanceState } from './state.ts';

/**
 * Turns instance states into the notices the notifier gets (notice.ts):
 * annotations rendered with the rule's templates and this instance's value and
 * labels; service and environment from the labels, else from the rule.
 */

export function templateData(
  rule: AlertRule,
  labels: Readonly<Record<string, string>>,
  value: number | null,
): TemplateData {
  const base = { $alert: rule.alert, $value: value, $labels: labels, $for: formatDuration(rule.forMs) };
  if (rule.kind === 'absence') return base;
  return {
    ...base,
    $threshold: rule.condition.threshold,
    $recovery: rule.recovery,
    $window: formatDuration(rule.windowMs),
  };
}

/** A template that fails to render (a bug: the loader checked it) must not stop the notice. */
function render(text: string | null, data: TemplateData): string {
  if (text === null) return '';
  try {
    return renderTemplate(text, data);
  } catch (err) {
    return `(template error: ${(err as Error).message})`;
  }
}

export function renderAnnotations(
  rule: AlertRule,
  labels: Readonly<Record<string, string>>,
  value: number | null,
): AlertNotice['annotations'] {
  const data = templateData(rule, labels, value);
  const runbook = rule.annotations.runbookUrl === null ? null : render(rule.annotations.runbookUrl, data);
  return {
    summary: render(rule.annotations.summary, data),
    description: render(rule.annotations.description, data),
    runbookUrl: runbook,
  };
}

export function serviceOf(rule: AlertRule, labels: Readonly<Record<string, string>>): string | null {
  if (labels['service'] !== undefined && labels['service'] !== '') return labels['service'];
  if (rule.kind === 'absence') return rule.service;
  if (rule.kind === 'metric') return rule.query.service;
  return null;
}

export function environmentOf(rule: AlertRule, labels: Readonly<Record<string, string>>): string | null {
  if (labels['env'] !== undefined && labels['env'] !== '') return labels['env'];
  if (rule.kind === 'absence') return rule.environment;
  if (rule.kind === 'metric') return rule.query.environment;
  return null;
}

export function toNotice(rule: AlertRule, s: InstanceState): AlertNotice {
  return {
    ruleId: rule.id,
    ruleHash: rule.hash,
    group: rule.group,
    alert: rule.alert,
    kind: rule.kind,
    instanceId: s.instanceId,
    labels: s.labels,
    annotations: renderAnnotations(rule, s.labels, s.value),
    state: s.state === 'firing' ? 'firing' : 'resolved',
    reason: s.reason,
    value: s.value,
    threshold: rule.kind === 'absence' ? null : rule.condition.threshold,
    op: rule.kind === 'absence' ? null : rule.condition.op,
    error: s.error,
    activeAt: s.activeAt || s.firedAt,
    firedAt: s.firedAt,
    resolvedAt: s.state === 'resolved' ? s.resolvedAt : null,
    service: serviceOf(rule, s.labels),
    environment: environmentOf(rule, s.labels),
    routing: rule.routing,
    deployWindowMs: rule.deployWindowMs,
    windowMs: rule.kind === 'absence' ? null : rule.windowMs,
    logQuery: rule.kind === 'log' ? rule.query : rule.kind === 'absence' ? rule.query : null,
    metric: rule.kind === 'metric' ? rule.query.metric : rule.kind === 'absence' ? rule.metric : null,
  };
}

/** Published after each evaluation: firing instances, and those resolved within the last 15 minutes. */
export function shouldPublish(s: InstanceState, at: number): boolean {
  return s.state === 'firing' || (s.state === 'resolved' && at - s.resolvedAt <= RESOLVED_RETENTION_MS);
}

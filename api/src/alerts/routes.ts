import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { trusted, type Db } from '@obshub/core';
import { requireScope } from '../access/plugin.ts';
import { maySee, scopeCondition, type Principal } from '../access/principal.ts';
import { parseRange } from '../common/time-range.ts';
import { ApiErrors } from '../errors.ts';
import { ApiError } from '../logs/schemas.ts';
import { renderAnnotations, serviceOf, environmentOf } from './eval/notices.ts';
import { readHistory } from './eval/store.ts';
import type { Alerting } from './eval/service.ts';
import type { AlertRule } from './rules/model.ts';
import { requireValidRules } from './rules/load.ts';
import type { RoutingWatcher } from './notify/routing-watch.ts';
import { requireValidRouting } from './notify/setup.ts';
import { ActiveAlerts, HistoryQuery, HistoryResult, ReloadResult, RulesResult } from './schemas.ts';

/**
 * The alerts API. Scoping: an alert is visible to a caller who may see its
 * service in its environment (principal.ts maySee); an alert without an
 * environment needs a grant on the service in every environment; alerts and
 * rules without a service are visible to admins only.
 */

export function mayView(p: Principal, service: string | null, environment: string | null): boolean {
  if (p.admin) return true;
  if (service === null) return false;
  if (environment !== null) return maySee(p, service, environment);
  return p.grants.some((g) => g.service === service && g.environments === null);
}

function queryText(rule: AlertRule): string {
  if (rule.kind === 'log') return rule.query;
  if (rule.kind === 'metric') return JSON.stringify(rule.query);
  return JSON.stringify({
    service: rule.service,
    environment: rule.environment,
    metric: rule.metric,
    query: rule.query,
  });
}

function ratioText(rule: AlertRule): string | null {
  if (rule.kind === 'log') return rule.ratioOf;
  if (rule.kind === 'metric') return rule.ratioOf === null ? null : JSON.stringify(rule.ratioOf);
  return null;
}

/** History rows by their labels: the same visibility as mayView, in SQL. */
const LABEL_SCOPE = {
  service: "label_values[indexOf(label_keys, 'service')]",
  environment: "label_values[indexOf(label_keys, 'env')]",
};

/** The routing file as the routes use it: reloaded by POST /api/alerts/reload, errors shown with the rules'. */
export type RoutingReloader = Pick<RoutingWatcher, 'file' | 'reload' | 'errors'>;

export function alertsRoutes(db: Db, alerting: Alerting | undefined, routing?: RoutingReloader) {
  return async (app: FastifyInstance): Promise<void> => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const engine = alerting?.engine;

    r.get(
      '/api/alerts',
      {
        schema: {
          tags: ['alerts'],
          summary: 'Pending and firing alert instances the caller may see',
          response: { 200: ActiveAlerts, 401: ApiError },
        },
      },
      async (request) => {
        const alerts = [];
        for (const s of engine?.allInstances() ?? []) {
          if (s.state !== 'pending' && s.state !== 'firing') continue;
          const rule = engine?.rule(s.ruleId);
          if (!rule) continue;
          const service = serviceOf(rule, s.labels);
          const environment = environmentOf(rule, s.labels);
          if (!mayView(request.principal, service, environment)) continue;
          alerts.push({
            ruleId: s.ruleId,
            instanceId: s.instanceId,
            group: s.group,
            alert: s.alert,
            kind: s.kind,
            labels: s.labels,
            state: s.state,
            reason: s.reason,
            value: s.value,
            threshold: rule.kind === 'absence' ? null : rule.condition.threshold,
            op: rule.kind === 'absence' ? null : rule.condition.op,
            error: s.error,
            activeAt: s.activeAt,
            firedAt: s.state === 'firing' ? s.firedAt : null,
            annotations: renderAnnotations(rule, s.labels, s.value),
            severity: s.labels['severity'] ?? null,
            service,
            environment,
          });
        }
        alerts.sort((a, b) => b.activeAt - a.activeAt || a.alert.localeCompare(b.alert));
        return { alerts };
      },
    );

    r.get(
      '/api/alerts/rules',
      {
        schema: {
          tags: ['alerts'],
          summary:
            'Loaded alert rules (read-only, from files) with their evaluation status, and the last load errors',
          response: { 200: RulesResult, 401: ApiError },
        },
      },
      async (request) => {
        const p = request.principal;
        const rules = (engine?.rules().rules ?? [])
          .filter((rule) => {
            const service = serviceOf(rule, rule.labels);
            // A rule is listed when the caller may see its service in some environment.
            return p.admin || (service !== null && p.grants.some((g) => g.service === service));
          })
          .map((rule) => {
            const status = engine?.status(rule.id);
            const counts = { pending: 0, firing: 0, resolved: 0 };
            for (const s of engine?.instancesOf(rule.id) ?? []) if (s.state !== 'inactive') counts[s.state]++;
            return {
              id: rule.id,
              hash: rule.hash,
              group: rule.group,
              alert: rule.alert,
              kind: rule.kind,
              file: rule.source.file,
              line: rule.source.line,
              intervalMs: rule.intervalMs,
              forMs: rule.forMs,
              keepFiringForMs: rule.keepFiringForMs,
              windowMs: rule.kind === 'absence' ? null : rule.windowMs,
              query: queryText(rule),
              ratioOf: ratioText(rule),
              condition: rule.kind === 'absence' ? null : rule.condition,
              recovery: rule.kind === 'absence' ? null : rule.recovery,
              labels: rule.labels,
              service: serviceOf(rule, rule.labels),
              status: status
                ? {
                    evaluatedAt: status.evaluatedAt,
                    durationMs: status.durationMs,
                    outcome: status.outcome,
                    error: status.error,
                  }
                : null,
              instances: counts,
            };
          });
        const loadErrors = p.admin
          ? [...(engine?.lastLoadErrors() ?? []), ...(routing?.errors() ?? [])].map((e) => ({
              file: e.file,
              line: e.line,
              column: e.column,
              code: e.code,
              message: e.message,
            }))
          : [];
        return { rules, loadErrors };
      },
    );

    r.get(
      '/api/alerts/history',
      {
        schema: {
          tags: ['alerts'],
          summary: 'State transitions of alert instances, newest first (the timeline)',
          querystring: HistoryQuery,
          response: { 200: HistoryResult, 400: ApiError, 401: ApiError },
        },
      },
      async (request) => {
        const q = request.query;
        const range = parseRange(q.from, q.to);
        const scope = request.principal.admin ? trusted('1') : scopeCondition(request.principal, LABEL_SCOPE);
        const transitions = await readHistory(db, {
          ruleId: q.rule,
          fromMs: range.fromMs,
          toMs: range.toMs,
          limit: q.limit,
          scope,
        });
        return { transitions };
      },
    );

    r.post(
      '/api/alerts/reload',
      {
        schema: {
          tags: ['alerts'],
          summary:
            'Reload the rule files and the routing file now (admin scope); an invalid file keeps the previous rules or routing (400)',
          response: { 200: ReloadResult, 400: ApiError, 401: ApiError, 403: ApiError, 409: ApiError },
        },
        preValidation: async (request) => requireScope(request, 'admin'),
      },
      async () => {
        if (!alerting) throw new ApiErrors.ALERTING_DISABLED('HUB_ALERTING is off');
        const outcome = await alerting.reload();
        const routed = routing ? await routing.reload() : null;
        if (outcome.status === 'invalid') {
          requireValidRules({ ruleSet: null, errors: outcome.errors, files: [], ruleCount: 0 });
        }
        if (routed?.status === 'invalid') requireValidRouting({ routing: null, errors: routed.errors });
        const diff = outcome.diff;
        return {
          status: outcome.status === 'changed' ? ('changed' as const) : ('unchanged' as const),
          added: diff?.added.map((x) => x.alert) ?? [],
          changed:
            diff?.changed.map((c) => ({
              alert: c.after.alert,
              group: c.after.group,
              fields: [...c.fields],
            })) ?? [],
          removed: diff?.removed.map((x) => x.alert) ?? [],
          rules: outcome.ruleSet.rules.length,
          ...(routed && routing
            ? {
                routing: {
                  status: routed.status === 'changed' ? ('changed' as const) : ('unchanged' as const),
                  file: routing.file,
                  receivers: routed.routing.receivers.size,
                },
              }
            : {}),
        };
      },
    );
  };
}

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Db } from '@obshub/core';
import { ApiErrors } from '../errors.ts';
import { ApiError } from '../logs/schemas.ts';
import { environmentOf, serviceOf } from './eval/notices.ts';
import type { Alerting } from './eval/service.ts';
import { AlertDeploys, InstanceParams } from './deploys-schemas.ts';
import { correlateDeploys } from './notify/deploy-correlation.ts';
import { mayView } from './routes.ts';

/**
 * GET /api/alerts/:instanceId/deploys: the deploys that probably caused an
 * alert, with the notifier's own correlation (notify/deploy-correlation.ts),
 * so the UI names the same deploys as the Slack message and the mail.
 */
export function alertDeploysRoute(db: Db, alerting: Alerting | undefined): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/api/alerts/:instanceId/deploys',
      {
        schema: {
          tags: ['alerts'],
          summary: 'Deploys of the alert’s service that started shortly before it became active',
          params: InstanceParams,
          response: { 200: AlertDeploys, 400: ApiError, 401: ApiError, 404: ApiError },
        },
      },
      async (request) => {
        const engine = alerting?.engine;
        const id = request.params.instanceId;
        const instance = engine?.allInstances().find((s) => s.instanceId === id && s.state !== 'inactive');
        const rule = instance ? engine?.rule(instance.ruleId) : undefined;
        if (!instance || !rule) throw new ApiErrors.NOT_FOUND(`alert "${id}"`);
        const service = serviceOf(rule, instance.labels);
        const environment = environmentOf(rule, instance.labels);
        if (!mayView(request.principal, service, environment)) throw new ApiErrors.NOT_FOUND(`alert "${id}"`);
        const base = { instanceId: id, service, environment, activeAt: instance.activeAt };
        if (service === null) return { ...base, windowMs: rule.deployWindowMs, deploys: [] };
        const c = await correlateDeploys(db, {
          service,
          environment,
          activeAtMs: instance.activeAt,
          deployWindowMs: rule.deployWindowMs,
          publicUrl: '',
        });
        return {
          ...base,
          windowMs: c.windowMs,
          deploys: c.deploys.map((d) => ({
            id: d.id,
            version: d.version,
            previousVersion: d.previousVersion,
            author: d.author,
            source: d.source,
            status: d.status,
            startedAt: new Date(d.startedAtMs).toISOString(),
            minutesBefore: d.minutesBefore,
          })),
        };
      },
    );
  };
}

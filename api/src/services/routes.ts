import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Db } from '@obshub/core';
import type { Alerting } from '../alerts/eval/service.ts';
import { firingCounts } from '../alerts/firing-counts.ts';
import { clientGone } from '../common/run-query.ts';
import { ApiError } from '../logs/schemas.ts';
import { servicesOverview } from './overview.ts';
import { ServicesOverviewQuery, ServicesOverviewResult } from './schemas.ts';

/** The services list of the UI: one row per service and environment. */
export function servicesRoutes(db: Db, alerting?: Alerting): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/api/services/overview',
      {
        schema: {
          tags: ['services'],
          summary: 'RED figures, a sparkline and the last deploy of every service and environment',
          querystring: ServicesOverviewQuery,
          response: { 200: ServicesOverviewResult, 400: ApiError, 401: ApiError },
        },
      },
      async (request, reply) =>
        servicesOverview(
          db,
          request.principal,
          request.query,
          clientGone(reply.raw),
          alerting ? firingCounts(alerting, request.principal) : undefined,
        ),
    );
  };
}

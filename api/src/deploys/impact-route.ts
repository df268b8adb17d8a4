import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Db } from '@obshub/core';
import { clientGone } from '../common/run-query.ts';
import { ApiError } from '../logs/schemas.ts';
import { deployImpact } from './impact.ts';
import { ImpactQuery, ImpactResult } from './schemas.ts';

const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) });

/** GET /api/deploys/:id/impact: the deploy page's before/after table. */
export function impactRoutes(db: Db): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/api/deploys/:id/impact',
      {
        schema: {
          tags: ['deploys'],
          summary:
            'Request rate, error ratio, p95 and error logs in the same window before and after a deploy',
          params: Params,
          querystring: ImpactQuery,
          response: { 200: ImpactResult, 400: ApiError, 401: ApiError, 404: ApiError },
        },
      },
      async (request, reply) =>
        deployImpact(db, request.principal, request.params.id, request.query.window, clientGone(reply.raw)),
    );
  };
}

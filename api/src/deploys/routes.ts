import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Db } from '@obshub/core';
import { requireScope } from '../access/plugin.ts';
import { clientGone } from '../common/run-query.ts';
import { parseRange } from '../common/time-range.ts';
import { ApiErrors } from '../errors.ts';
import { ApiError } from '../logs/schemas.ts';
import { getDeploy, listDeploys } from './list.ts';
import { recordDeploy } from './record.ts';
import { Deploy, DeployInput, DeploysQuery, DeploysResult, DeployWriteResult } from './schemas.ts';
import { strictBody } from './strict-body.ts';

const DeployParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) });

/** The deploys API: report a deploy (CI, `hub deploy`), list them, read one. */
export function deploysRoutes(db: Db): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/api/deploys',
      {
        schema: {
          tags: ['deploys'],
          summary:
            'Report a deploy (needs the deploy scope). Idempotent on id: the same id again updates it (200, created false)',
          body: DeployInput,
          response: {
            200: DeployWriteResult,
            201: DeployWriteResult,
            400: ApiError,
            401: ApiError,
            403: ApiError,
            409: ApiError,
          },
        },
        validatorCompiler: strictBody,
        // The scope first: a token that may not report deploys learns nothing from validation.
        preValidation: async (request) => requireScope(request, 'deploy'),
      },
      async (request, reply) => {
        const result = await recordDeploy(db, request.principal, request.body, {
          signal: clientGone(reply.raw),
        });
        return reply.code(result.created ? 201 : 200).send(result);
      },
    );

    app.get(
      '/api/deploys',
      {
        schema: {
          tags: ['deploys'],
          summary: 'Deploys the caller may see, newest first: reported and inferred from telemetry, merged',
          querystring: DeploysQuery,
          response: { 200: DeploysResult, 400: ApiError, 401: ApiError },
        },
      },
      async (request, reply) => {
        const q = request.query;
        const range = parseRange(q.from, q.to);
        const deploys = await listDeploys(
          db,
          request.principal,
          {
            service: q.service,
            environment: q.environment,
            fromMs: range.fromMs,
            toMs: range.toMs,
            source: q.source,
            limit: q.limit,
          },
          clientGone(reply.raw),
        );
        return { deploys };
      },
    );

    app.get(
      '/api/deploys/:id',
      {
        schema: {
          tags: ['deploys'],
          summary: 'One deploy (404 when unknown or outside the caller’s teams)',
          params: DeployParams,
          response: { 200: Deploy, 400: ApiError, 401: ApiError, 404: ApiError },
        },
      },
      async (request, reply) => {
        const deploy = await getDeploy(db, request.principal, request.params.id, clientGone(reply.raw));
        if (!deploy) throw new ApiErrors.NOT_FOUND(`deploy "${request.params.id}"`);
        return deploy;
      },
    );
  };
}

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { join, sql, trusted, type Db } from '@obshub/core';
import { requireScope } from '../access/plugin.ts';
import { maySee, scopeCondition } from '../access/principal.ts';
import { clientGone } from '../common/run-query.ts';
import { strictBody } from '../deploys/strict-body.ts';
import { ApiErrors } from '../errors.ts';
import { ApiError } from '../logs/schemas.ts';
import type { Profiles } from './profiles.ts';
import type { Clock } from './runner.ts';
import { ListQuery, ListResult, StartResult, StartVerificationInput, Verification } from './schemas.ts';
import { startVerification } from './start.ts';
import { readVerification, readVerifications } from './store.ts';
import { toVerification } from './view.ts';

export interface VerificationRoutesOptions {
  profiles: Profiles;
  publicUrl: string;
  clock: Clock;
}

const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) });

/** The verifications API: start one (CI, `hub verify`, Argo Rollouts), read its status, list them. */
export function verificationsRoutes(db: Db, o: VerificationRoutesOptions): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/api/verifications',
      {
        schema: {
          tags: ['verifications'],
          summary:
            'Start a post-deploy verification (needs the deploy scope). Idempotent on id: the same id again answers the existing one (200, created false)',
          body: StartVerificationInput,
          response: {
            200: StartResult,
            201: StartResult,
            400: ApiError,
            401: ApiError,
            403: ApiError,
            404: ApiError,
            409: ApiError,
          },
        },
        validatorCompiler: strictBody,
        preValidation: async (request) => requireScope(request, 'deploy'),
      },
      async (request, reply) => {
        const { record, created } = await startVerification(db, request.principal, request.body, {
          profiles: o.profiles,
          nowMs: o.clock.now(),
          signal: clientGone(reply.raw),
        });
        return reply
          .code(created ? 201 : 200)
          .send({ verification: toVerification(record, o.publicUrl), created });
      },
    );

    app.get(
      '/api/verifications/:id',
      {
        schema: {
          tags: ['verifications'],
          summary:
            'A verification: running (progress, samples so far) or its verdict per signal; argo.phase for Argo Rollouts',
          params: Params,
          response: { 200: Verification, 400: ApiError, 401: ApiError, 404: ApiError },
        },
      },
      async (request, reply) => {
        const record = await readVerification(db, request.params.id, clientGone(reply.raw));
        if (!record || !maySee(request.principal, record.spec.service, record.spec.environment))
          throw new ApiErrors.NOT_FOUND(`verification "${request.params.id}"`);
        return toVerification(record, o.publicUrl);
      },
    );

    app.get(
      '/api/verifications',
      {
        schema: {
          tags: ['verifications'],
          summary: 'Verifications the caller may see, newest first',
          querystring: ListQuery,
          response: { 200: ListResult, 400: ApiError, 401: ApiError },
        },
      },
      async (request, reply) => {
        const q = request.query;
        const parts = [scopeCondition(request.principal)];
        if (q.service !== undefined) parts.push(sql`service_name = ${q.service}`);
        if (q.environment !== undefined) parts.push(sql`environment = ${q.environment}`);
        if (q.deployId !== undefined) parts.push(sql`deploy_id = ${q.deployId}`);
        const records = await readVerifications(db, join(parts, ' AND '), {
          limit: q.limit,
          ...(q.state ? { having: sql`state = ${q.state}` } : { having: trusted('1') }),
          signal: clientGone(reply.raw),
        });
        return { verifications: records.map((r) => toVerification(r, o.publicUrl)) };
      },
    );
  };
}

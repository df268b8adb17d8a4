import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Db } from '@obshub/core';
import type { Principal } from '../access/principal.ts';
import { strictBody } from '../deploys/strict-body.ts';
import { ApiErrors } from '../errors.ts';
import { ApiError } from '../logs/schemas.ts';
import type { VerificationRoutesOptions } from './routes.ts';
import { FlaggerBody, ComparisonInput, type VerificationState } from './schemas.ts';
import { startVerification } from './start.ts';
import { toVerification } from './view.ts';
import { Value } from '@sinclair/typebox/value';

/**
 * Flagger webhooks (https://docs.flagger.app/usage/webhooks): Flagger POSTs
 * {name, namespace, phase, metadata} and reads only the status code. The
 * metadata names the verification: version (required), service (default:
 * the canary's name), environment (default: its namespace), comparison
 * (default canary), window, profile, failOnInconclusive, and token (Flagger
 * sends no Authorization header, so the API token travels in metadata). The
 * first call starts the verification (idempotent on
 * flagger:<namespace>/<name>/<version>); every call answers its state:
 *
 * | hook (Flagger type)             | 2xx when                  | otherwise                         |
 * | `check` (rollout)               | running or pass           | 412 fail (and inconclusive/error*) |
 * | `gate` (confirm-promotion)      | pass                      | 423 running, 412 fail/inconclusive |
 * | `rollback` (rollback)           | fail (inconclusive/error*) | 409 running or pass              |
 *
 * (*) inconclusive and error count as fail with metadata.failOnInconclusive "true".
 * These paths are outside /api/ so the token in metadata can be checked here.
 */
const Hook = Type.Union([Type.Literal('check'), Type.Literal('gate'), Type.Literal('rollback')]);
const FlaggerAnswer = Type.Object({
  id: Type.String(),
  state: Type.String(),
  summary: Type.String(),
  url: Type.String(),
});

export interface FlaggerOptions extends VerificationRoutesOptions {
  /** The principal of an API token (undefined: unknown token); LOCAL_ADMIN when access control is off. */
  principalOf: (token: string | undefined) => Principal | undefined;
}

function isBad(state: VerificationState, strict: boolean): boolean {
  return state === 'fail' || (strict && (state === 'inconclusive' || state === 'error'));
}

export function flaggerRoutes(db: Db, o: FlaggerOptions): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/hooks/flagger/:hook',
      {
        schema: {
          tags: ['verifications'],
          summary:
            'Flagger webhook: starts the verification named by metadata and answers 2xx/non-2xx by hook (check, gate, rollback)',
          params: Type.Object({ hook: Hook }),
          body: FlaggerBody,
          response: {
            200: FlaggerAnswer,
            201: FlaggerAnswer,
            400: ApiError,
            401: ApiError,
            403: ApiError,
            409: FlaggerAnswer,
            412: FlaggerAnswer,
            423: FlaggerAnswer,
          },
        },
        validatorCompiler: strictBody,
      },
      async (request, reply) => {
        const { name, namespace, metadata } = request.body;
        const principal =
          (request.principal as Principal | undefined) ?? o.principalOf(metadata['token'] || undefined);
        if (!principal) throw new ApiErrors.UNAUTHENTICATED();
        const version = metadata['version'];
        if (!version)
          throw new ApiErrors.BAD_REQUEST('metadata.version is required: the version the canary runs');
        const comparison = metadata['comparison'] ?? 'canary';
        if (!Value.Check(ComparisonInput, comparison))
          throw new ApiErrors.BAD_REQUEST('metadata.comparison must be one of canary, before-after');
        const service = metadata['service'] || name;
        const environment = metadata['environment'] ?? namespace;
        const { record } = await startVerification(
          db,
          principal,
          {
            id: `flagger:${namespace || '-'}/${name}/${version}`
              .slice(0, 128)
              .replace(/[^A-Za-z0-9._:/@+-]/g, '_'),
            service,
            environment,
            version,
            comparison,
            ...(metadata['window'] ? { window: metadata['window'] } : {}),
            ...(metadata['profile'] ? { profile: metadata['profile'] } : {}),
          },
          { profiles: o.profiles, nowMs: o.clock.now() },
        );
        const strict = metadata['failOnInconclusive'] === 'true';
        const v = toVerification(record, o.publicUrl);
        const state = record.state;
        let code: 200 | 409 | 412 | 423;
        if (request.params.hook === 'check') code = isBad(state, strict) ? 412 : 200;
        else if (request.params.hook === 'gate')
          code = state === 'pass' ? 200 : state === 'running' ? 423 : 412;
        else code = isBad(state, strict) ? 200 : 409;
        return reply.code(code).send({
          id: v.id,
          state,
          summary:
            record.verdict?.summary ??
            `running: ${Math.round(record.progress.fraction * 100)}% of the window`,
          url: `/api/verifications/${encodeURIComponent(v.id)}`,
        });
      },
    );
  };
}

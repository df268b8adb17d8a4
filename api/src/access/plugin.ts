import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { ApiErrors } from '../errors.ts';
import { LOCAL_ADMIN, principalsFrom, tokenDigest, type Principal } from './principal.ts';
import { SessionCodec } from './session.ts';
import type { TeamsFile } from './teams-file.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
}

export const SESSION_COOKIE = 'hub_session';

export interface AccessOptions {
  /** Undefined: access control is off (local development) and everyone is an admin. */
  teams: TeamsFile | undefined;
  sessionSecret: string;
  sessionTtlHours: number;
  secureCookies: boolean;
}

/** Paths anyone may call: health, docs, the UI shell and its assets, and signing in. */
function isPublic(request: FastifyRequest): boolean {
  const url = request.url;
  if (url === '/health' || url.startsWith('/docs')) return true;
  if (url.startsWith('/api/session')) return true;
  return !url.startsWith('/api/');
}

const Whoami = Type.Object({
  name: Type.String(),
  kind: Type.String(),
  admin: Type.Boolean(),
  teams: Type.Array(Type.String()),
  scopes: Type.Array(Type.String()),
  grants: Type.Array(
    Type.Object({
      service: Type.String(),
      environments: Type.Union([Type.Array(Type.String()), Type.Null()]),
    }),
  ),
  accessControl: Type.Boolean(),
});

/**
 * Who is calling: a bearer token (API clients, CI) or the UI's session cookie,
 * resolved against the teams file. Sets request.principal; /api/* without one
 * answers 401. Also serves /api/session (sign in, who am I, sign out).
 */
export async function installAccess(app: FastifyInstance, opts: AccessOptions): Promise<void> {
  await app.register(cookie);
  const principals = opts.teams ? principalsFrom(opts.teams) : undefined;
  const sessions = new SessionCodec(opts.sessionSecret);
  app.decorateRequest('principal', undefined as unknown as Principal);

  const resolve = (request: FastifyRequest): Principal | undefined => {
    if (!principals) return LOCAL_ADMIN;
    const header = request.headers.authorization;
    const bearer = header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
    if (bearer) return principals.get(tokenDigest(bearer));
    const digest = sessions.decode(request.cookies[SESSION_COOKIE]);
    return digest ? principals.get(digest) : undefined;
  };

  app.addHook('onRequest', async (request) => {
    const principal = resolve(request);
    if (principal) request.principal = principal;
    else if (!isPublic(request)) throw new ApiErrors.UNAUTHENTICATED();
  });

  app.post(
    '/api/session',
    {
      schema: {
        tags: ['access'],
        summary: 'Sign in with a token: sets an httpOnly, SameSite=Strict session cookie',
        body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 4096 }) }),
        response: { 200: Whoami },
      },
    },
    async (request, reply) => {
      const { token } = request.body as { token: string };
      const digest = tokenDigest(token);
      const principal = principals ? principals.get(digest) : LOCAL_ADMIN;
      if (!principal) throw new ApiErrors.UNAUTHENTICATED();
      const maxAge = opts.sessionTtlHours * 3600;
      void reply.setCookie(SESSION_COOKIE, sessions.encode(digest, Date.now() + maxAge * 1000), {
        httpOnly: true,
        sameSite: 'strict',
        secure: opts.secureCookies,
        path: '/',
        maxAge,
      });
      return describe(principal, principals !== undefined);
    },
  );

  app.get(
    '/api/session',
    { schema: { tags: ['access'], summary: 'Who am I', response: { 200: Whoami } } },
    async (request) => {
      const principal = request.principal as Principal | undefined;
      if (!principal) throw new ApiErrors.UNAUTHENTICATED();
      return describe(principal, principals !== undefined);
    },
  );

  app.delete(
    '/api/session',
    { schema: { tags: ['access'], summary: 'Sign out' } },
    async (_request, reply) => {
      void reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send();
    },
  );
}

function describe(p: Principal, accessControl: boolean) {
  return {
    name: p.name,
    kind: p.kind,
    admin: p.admin,
    teams: p.teams,
    scopes: p.scopes,
    grants: p.grants,
    accessControl,
  };
}

/** Throws 403 unless the caller has the scope (deploy, admin). */
export function requireScope(request: FastifyRequest, scope: string): void {
  if (!request.principal.scopes.includes(scope) && !request.principal.admin) {
    throw new ApiErrors.FORBIDDEN(`this needs the "${scope}" scope`);
  }
}

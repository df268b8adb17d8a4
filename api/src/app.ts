import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { CoreErrors, type Db, type Logger } from '@obshub/core';
import { installAccess } from './access/plugin.ts';
import type { TeamsFile } from './access/teams-file.ts';
import { impactRoutes } from './deploys/impact-route.ts';
import { deploysRoutes } from './deploys/routes.ts';
import { logsRoutes } from './logs/routes.ts';
import { metricsRoutes } from './metrics/routes.ts';
import type { TailOptions } from './logs/tail.ts';
import { isQueryError } from './query/index.ts';
import { healthRoutes } from './routes/health.ts';
import { servicesRoutes } from './services/routes.ts';
import { recordHttpMetrics } from './telemetry/http-metrics.ts';
import { serveWeb, WEB_DIST_DIR } from './web/static.ts';
import { notifyRoutes } from './alerts/notify/routes.ts';
import type { Notifier } from './alerts/notify/notifier.ts';
import { alertsRoutes } from './alerts/routes.ts';
import { alertDeploysRoute } from './alerts/deploys-route.ts';
import type { Alerting } from './alerts/eval/service.ts';
import type { RoutingReloader } from './alerts/routes.ts';
import { flaggerRoutes } from './verifications/flagger.ts';
import type { Profiles } from './verifications/profiles.ts';
import { verificationsRoutes } from './verifications/routes.ts';
import { SYSTEM_CLOCK, type Clock } from './verifications/runner.ts';
import { LOCAL_ADMIN, principalsFrom, tokenDigest } from './access/principal.ts';

export interface BuildAppOptions {
  db: Db;
  logger: Logger;
  /** Teams and sessions; without teams, access control is off (everyone is an admin). */
  access?: {
    teams?: TeamsFile | undefined;
    sessionSecret?: string;
    sessionTtlHours?: number;
    secureCookies?: boolean;
  };
  tail?: Partial<TailOptions>;
  /** Alert notifications (started by main.ts): silences list the alerts it mutes, and it re-reads silences on a change. */
  notifier?: Notifier;
  /** Alert evaluation (started by main.ts); absent: the alerts API answers empty lists. */
  alerting?: Alerting;
  /** The alert routing file (started by main.ts): POST /api/alerts/reload reloads it, its errors show with the rules'. */
  routing?: RoutingReloader;
  /** Post-deploy verification: profiles, the public URL for chart links, and the clock (tests inject one). */
  verification?: { profiles?: Profiles; publicUrl?: string; clock?: Clock };
}

type HubError = Error & { statusCode?: number; code?: string; validation?: unknown };

/** Builds the API without listening (tests use app.inject()). */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: false }).withTypeProvider<TypeBoxTypeProvider>();
  recordHttpMetrics(app);
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Observability hub API',
        version: '0.1.0',
        description: 'Logs, metrics, deploys and alerts.',
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.setErrorHandler((err: HubError, request, reply) => {
    const status =
      err instanceof CoreErrors.CLICKHOUSE_UNAVAILABLE
        ? 503
        : err.statusCode && err.statusCode >= 400
          ? err.statusCode
          : 500;
    if (status >= 500) options.logger.error({ err: err.message, url: request.url }, 'request failed');
    const body: Record<string, unknown> = {
      statusCode: status,
      code: err.validation ? 'HUB_API_BAD_REQUEST' : (err.code ?? 'HUB_API_INTERNAL'),
      error: status >= 500 && status !== 503 ? 'internal error' : err.message,
    };
    // Search errors point at the offending character, so the UI can show it in place.
    if (isQueryError(err)) {
      body['position'] = err.position;
      if ('expected' in err) body['expected'] = err.expected;
    }
    return reply.code(status).send(body);
  });

  await installAccess(app, {
    teams: options.access?.teams,
    sessionSecret: options.access?.sessionSecret ?? '',
    sessionTtlHours: options.access?.sessionTtlHours ?? 12,
    secureCookies: options.access?.secureCookies ?? false,
  });
  await app.register(healthRoutes(options.db));
  await app.register(logsRoutes(options.db, options.tail));
  await app.register(metricsRoutes(options.db));
  await app.register(deploysRoutes(options.db));
  await app.register(impactRoutes(options.db));
  await app.register(servicesRoutes(options.db, options.alerting));
  await app.register(alertsRoutes(options.db, options.alerting, options.routing));
  await app.register(alertDeploysRoute(options.db, options.alerting));
  const verification = {
    profiles: options.verification?.profiles ?? new Map(),
    publicUrl: options.verification?.publicUrl ?? '',
    clock: options.verification?.clock ?? SYSTEM_CLOCK,
  };
  await app.register(verificationsRoutes(options.db, verification));
  const tokenPrincipals = options.access?.teams ? principalsFrom(options.access.teams) : undefined;
  await app.register(
    flaggerRoutes(options.db, {
      ...verification,
      principalOf: (token) =>
        tokenPrincipals ? (token ? tokenPrincipals.get(tokenDigest(token)) : undefined) : LOCAL_ADMIN,
    }),
  );
  await app.register(notifyRoutes({ db: options.db, notifier: options.notifier }));
  // Last: the UI, with a fallback to index.html for page paths.
  await serveWeb(app, WEB_DIST_DIR);
  return app;
}

import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { CoreErrors, type Db, type Logger } from '@obshub/core';
import { healthRoutes } from './routes/health.ts';
import { homeRoutes } from './routes/home.ts';
import { overviewRoutes } from './routes/overview.ts';
import { recordHttpMetrics } from './telemetry/http-metrics.ts';

export interface BuildAppOptions {
  db: Db;
  logger: Logger;
}

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

  app.setErrorHandler(
    (err: Error & { statusCode?: number; code?: string; validation?: unknown }, request, reply) => {
      const status =
        err instanceof CoreErrors.CLICKHOUSE_UNAVAILABLE
          ? 503
          : err.statusCode && err.statusCode >= 400
            ? err.statusCode
            : 500;
      if (status >= 500) options.logger.error({ err: err.message, url: request.url }, 'request failed');
      return reply.code(status).send({
        statusCode: status,
        code: err.code ?? 'HUB_API_INTERNAL',
        error: status >= 500 && status !== 503 ? 'internal error' : err.message,
      });
    },
  );

  await app.register(healthRoutes(options.db));
  await app.register(overviewRoutes(options.db));
  await app.register(homeRoutes(options.db));
  return app;
}
